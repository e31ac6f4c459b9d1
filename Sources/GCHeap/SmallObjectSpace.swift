import WriteWatch

/// Old objects up to 8 KiB, in 64 KiB arenas of one size class each.
///
/// Invariant: the collector's knowledge of an arena (which cells hold
/// objects, which are marked, which arenas have room) lives in records and
/// bitmaps here, never in the arena, so marking and sweeping write nothing
/// to tracked pages and a freed cell is just a clear bit. Only promotion
/// writes to an arena, into memory the barrier was told about first. A cell
/// is allocated iff its bit is set; a dirty page is scanned by visiting only
/// allocated cells, so stale bytes in free cells are never read.
///
/// The records are plain structs in one table indexed by arena id (the id
/// the page-owner map holds), reached by pointer: finding the arena of a
/// slot is two loads, with no reference counting.
struct Arena {
    var range: PageRange
    var cellBytes: Int
    var cellCount: Int
    var sizeClass: Int
    var allocated: Bitmap
    var marked: Bitmap
    var liveCells = 0
    var searchFrom = 0
    /// The minor collection that last suspended tracking of this arena to
    /// promote into it.
    var suspendedIn = -1
    /// The next arena of this size class with free cells, or -1.
    var nextOpen: Int32 = -1
    /// Marked by a concurrent cycle and not swept yet: its unmarked
    /// allocated cells are dead, and their slots may hold stale young
    /// pointers (their remembered entries were dropped), so a minor
    /// collection must not read them.
    var awaitingSweep = false
    var inUse = true

    init(range: PageRange, cellBytes: Int, sizeClass: Int) {
        self.range = range
        self.cellBytes = cellBytes
        self.sizeClass = sizeClass
        cellCount = range.byteCount / cellBytes
        allocated = Bitmap(count: cellCount)
        marked = Bitmap(count: cellCount)
    }

    func release() {
        allocated.deallocate()
        marked.deallocate()
    }

    var isFull: Bool { liveCells == cellCount }

    mutating func allocateCell() -> UInt? {
        guard let i = allocated.firstClear(from: searchFrom) else { return nil }
        allocated.set(i)
        liveCells += 1
        searchFrom = i + 1
        return range.start &+ UInt(i &* cellBytes)
    }

    @inline(__always)
    func cellIndex(_ address: UInt) -> Int { Int(address &- range.start) / cellBytes }

    @inline(__always)
    func cellStart(_ index: Int) -> UInt { range.start &+ UInt(index &* cellBytes) }

    /// Frees every allocated, unmarked cell and clears the marks. Returns
    /// the number of cells freed.
    mutating func sweep() -> Int {
        let before = liveCells
        liveCells = allocated.intersect(with: marked)
        marked.clearAll()
        searchFrom = 0
        return before - liveCells
    }
}

/// The arena records, by id, and per size class the list of arenas that may
/// have free cells (linked through `Arena.nextOpen`).
///
/// The table is allocated for every arena old space can hold, so it never
/// moves: a record pointer stays valid while promotion adds arenas.
struct ArenaTable: ~Copyable {
    var records: RawStack<Arena>
    var freeIDs = RawStack<Int32>()
    let openHeads: UnsafeMutablePointer<Int32>

    init(capacity: Int) {
        records = RawStack(capacity: capacity)
        openHeads = .allocate(capacity: SizeClasses.count)
        openHeads.initialize(repeating: -1, count: SizeClasses.count)
    }

    deinit {
        for id in 0..<records.count where records[id].inUse { records[id].release() }
        openHeads.deallocate()
    }

    /// The record of arena `id`, which must be in use.
    @inline(__always)
    func record(_ id: Int) -> UnsafeMutablePointer<Arena> { records.base + id }

    /// The id the next `add` will use.
    var nextID: Int32 { freeIDs.last ?? Int32(records.count) }

    mutating func add(_ arena: Arena) -> Int {
        let id: Int
        if let reused = freeIDs.popLast() {
            id = Int(reused)
            records[id] = arena
        } else {
            id = records.count
            records.append(arena)
        }
        pushOpen(id)
        return id
    }

    mutating func remove(_ id: Int) {
        records[id].release()
        records[id].inUse = false
        freeIDs.append(Int32(id))
    }

    func pushOpen(_ id: Int) {
        let c = records[id].sizeClass
        record(id).pointee.nextOpen = openHeads[c]
        openHeads[c] = Int32(id)
    }

    func clearOpenLists() { openHeads.update(repeating: -1, count: SizeClasses.count) }
}

/// A fixed-size bitmap in malloc'ed memory, outside the heap. A value that
/// refers to its words: the arena record that made it frees it.
struct Bitmap {
    let words: UnsafeMutablePointer<UInt64>
    let wordCount: Int
    let count: Int

    init(count: Int) {
        self.count = count
        wordCount = (count + 63) / 64
        words = .allocate(capacity: wordCount)
        words.initialize(repeating: 0, count: wordCount)
    }

    func deallocate() { words.deallocate() }

    @inline(__always) func get(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    @inline(__always) func set(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    @inline(__always) func clear(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    func clearAll() { words.update(repeating: 0, count: wordCount) }

    func firstClear(from start: Int) -> Int? {
        var w = start >> 6
        guard w < wordCount else { return nil }
        var bits = ~words[w] & (~0 << UInt64(start & 63))
        while true {
            if bits != 0 {
                let i = w * 64 + bits.trailingZeroBitCount
                return i < count ? i : nil
            }
            w += 1
            if w >= wordCount { return nil }
            bits = ~words[w]
        }
    }

    /// self &= other; returns the number of bits left set.
    func intersect(with other: Bitmap) -> Int {
        var n = 0
        for w in 0..<wordCount {
            words[w] &= other.words[w]
            n += words[w].nonzeroBitCount
        }
        return n
    }
}

/// Size classes: 16-byte steps to 128, then four per doubling up to 8 KiB.
enum SizeClasses {
    static let sizes: [Int] = {
        var s = Array(stride(from: 16, through: 128, by: 16))
        var base = 128
        while base < Layout.maxSmallBytes {
            for k in 1...4 { s.append(base + base * k / 4) }
            base *= 2
        }
        return s
    }()

    /// 8 classes to 128 bytes, then 4 for each doubling to 8 KiB.
    static let count = 8 + 4 * 6

    /// The smallest class that holds `bytes` (16 to 8192), computed rather
    /// than looked up: promotion calls it per object, and a global table
    /// costs a lazy-initialisation check on every access.
    @inline(__always)
    static func classFor(_ bytes: Int) -> Int {
        if bytes <= 128 { return max(0, ((bytes &+ 15) >> 4) &- 1) }
        let b = bytes &- 1
        let log = (Int.bitWidth &- 1) &- b.leadingZeroBitCount   // 2^log < bytes <= 2^(log+1)
        let quarter = (b &- (1 << log)) >> (log &- 2)
        return 8 &+ (log &- 7) &* 4 &+ quarter
    }

    /// Whether `classFor` picks the smallest class that fits, for every
    /// size: checked once per heap in debug builds.
    static func classForIsExact() -> Bool {
        sizes.count == count && stride(from: 16, through: Layout.maxSmallBytes, by: 8).allSatisfy { bytes in
            let c = classFor(bytes)
            return sizes[c] >= bytes && (c == 0 || sizes[c - 1] < bytes)
        }
    }
}
