import WriteWatch

/// Old objects up to 8 KiB, in 64 KiB arenas of one size class each.
///
/// Invariant: the collector's knowledge of an arena (which cells hold
/// objects, which are marked) lives in bitmaps here, never in the arena, so
/// marking and sweeping write nothing to tracked pages and a freed cell is
/// just a clear bit. Only promotion writes to an arena, and the collector
/// hands those writes back to the barrier. A cell is allocated iff its bit is
/// set; a dirty page is scanned by visiting only allocated cells overlapping
/// it, so stale bytes in free cells are never read.
final class Arena {
    let range: PageRange
    let cellBytes: Int
    let cellCount: Int
    let sizeClass: Int
    let allocated: Bitmap
    let marked: Bitmap
    var liveCells = 0
    var searchFrom = 0
    /// The minor collection that last suspended tracking of this arena to
    /// promote into it.
    var suspendedIn = -1

    init(range: PageRange, cellBytes: Int, sizeClass: Int) {
        self.range = range
        self.cellBytes = cellBytes
        self.sizeClass = sizeClass
        cellCount = range.byteCount / cellBytes
        allocated = Bitmap(count: cellCount)
        marked = Bitmap(count: cellCount)
    }

    var isFull: Bool { liveCells == cellCount }

    func allocateCell() -> UInt? {
        guard let i = allocated.firstClear(from: searchFrom) else { return nil }
        allocated.set(i)
        liveCells += 1
        searchFrom = i + 1
        return range.start + UInt(i * cellBytes)
    }

    @inline(__always)
    func cellIndex(_ address: UInt) -> Int { Int(address - range.start) / cellBytes }

    /// Frees every allocated, unmarked cell and clears the marks. Returns
    /// the number of cells freed.
    func sweep() -> Int {
        let before = liveCells
        liveCells = allocated.intersect(with: marked)
        marked.clearAll()
        searchFrom = 0
        return before - liveCells
    }
}

/// A fixed-size bitmap outside the heap.
final class Bitmap {
    let words: UnsafeMutablePointer<UInt64>
    let wordCount: Int
    let count: Int

    init(count: Int) {
        self.count = count
        wordCount = (count + 63) / 64
        words = .allocate(capacity: wordCount)
        words.initialize(repeating: 0, count: wordCount)
    }

    deinit { words.deallocate() }

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

    /// Index into `sizes` for every 16-byte multiple up to the maximum.
    static let lookup: [UInt8] = {
        var table = [UInt8](repeating: 0, count: Layout.maxSmallBytes / 16 + 1)
        var c = 0
        for i in 0..<table.count {
            while sizes[c] < i * 16 { c += 1 }
            table[i] = UInt8(c)
        }
        return table
    }()

    @inline(__always)
    static func classFor(_ bytes: Int) -> Int { Int(lookup[(bytes + 15) >> 4]) }
}
