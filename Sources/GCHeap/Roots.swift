import Synchronization

/// A root: a handle to a value that the collector keeps alive and updates
/// when it moves the object. Valid until released; usable from any attached
/// thread.
public struct Root: Hashable, Sendable {
    let index: UInt32
    let generation: UInt32

    init(index: UInt32, generation: UInt32) {
        self.index = index
        self.generation = generation
    }

    /// The root as one word, for handing across a C boundary. A word that
    /// never came from `rawValue` reads as a stale root, never as another.
    public var rawValue: UInt64 { UInt64(generation) << 32 | UInt64(index) }
    public init(rawValue: UInt64) {
        index = UInt32(truncatingIfNeeded: rawValue)
        generation = UInt32(truncatingIfNeeded: rawValue >> 32)
    }
}

/// The root table: values the embedder holds, outside the heap.
///
/// Invariant: a slot's generation changes whenever it is released, so a
/// released `Root` can never silently resolve to a newer root in its slot.
/// A released slot holds 0, so the collector can walk every slot without
/// asking which are live.
///
/// Slots live in chunks of 4,096 that never move once allocated, and `count`
/// is published after a new slot is written: reading or setting a root is a
/// check and a load or store with no lock, from any thread, while adding and
/// releasing roots take the heap's lock. (An interpreter reads a global
/// through a root on every reference; a mutex there would cost more than the
/// lookup.)
struct RootTable: ~Copyable {
    static let chunkBits = 12
    static let chunkSize = 1 << chunkBits
    static let maxChunks = 1 << 12   // 16 million roots

    /// Per chunk: values, then per slot generation << 1 | live.
    let values: UnsafeMutablePointer<UnsafeMutablePointer<UInt>?>
    let states: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
    let published = Atomic<Int>(0)
    private var free = RawStack<UInt32>()

    init() {
        values = .allocate(capacity: RootTable.maxChunks)
        values.initialize(repeating: nil, count: RootTable.maxChunks)
        states = .allocate(capacity: RootTable.maxChunks)
        states.initialize(repeating: nil, count: RootTable.maxChunks)
    }

    deinit {
        for c in 0..<RootTable.maxChunks {
            values[c]?.deallocate()
            states[c]?.deallocate()
        }
        values.deallocate()
        states.deallocate()
    }

    /// Slots in use or released (every slot below it exists).
    @inline(__always)
    var slotCount: Int { published.load(ordering: .acquiring) }

    @inline(__always)
    func value(_ i: Int) -> UnsafeMutablePointer<UInt> {
        values[i >> RootTable.chunkBits].unsafelyUnwrapped + (i & (RootTable.chunkSize - 1))
    }

    @inline(__always)
    func state(_ i: Int) -> UnsafeMutablePointer<UInt32> {
        states[i >> RootTable.chunkBits].unsafelyUnwrapped + (i & (RootTable.chunkSize - 1))
    }

    /// Adds a root; the caller holds the heap's lock.
    mutating func add(_ bits: UInt) -> Root {
        if let i = free.popLast() {
            value(Int(i)).pointee = bits
            state(Int(i)).pointee |= 1
            return Root(index: i, generation: state(Int(i)).pointee >> 1)
        }
        let i = published.load(ordering: .relaxed)
        precondition(i < RootTable.maxChunks * RootTable.chunkSize, "more than \(RootTable.maxChunks * RootTable.chunkSize) roots")
        let chunk = i >> RootTable.chunkBits
        if values[chunk] == nil {
            values[chunk] = .allocate(capacity: RootTable.chunkSize)
            states[chunk] = .allocate(capacity: RootTable.chunkSize)
        }
        value(i).pointee = bits
        state(i).pointee = 1
        published.store(i + 1, ordering: .releasing)
        return Root(index: UInt32(i), generation: 0)
    }

    @inline(__always)
    func check(_ root: Root) throws(HeapError) -> Int {
        let i = Int(root.index)
        guard i < slotCount, state(i).pointee == root.generation << 1 | 1 else { throw .staleRoot }
        return i
    }

    /// Releases a root; the caller holds the heap's lock.
    mutating func remove(_ root: Root) throws(HeapError) {
        let i = try check(root)
        value(i).pointee = 0
        state(i).pointee = (state(i).pointee &+ 2) & ~1
        free.append(UInt32(i))
    }

    var count: Int { slotCount - free.count }

    /// Every slot's value, for the collector (released slots hold 0).
    @inline(__always)
    func forEachValue(_ body: (UnsafeMutablePointer<UInt>) -> Void) {
        let n = slotCount
        var i = 0
        while i < n {
            let chunk = values[i >> RootTable.chunkBits].unsafelyUnwrapped
            let end = min(n, (i | (RootTable.chunkSize - 1)) + 1)
            for j in i..<end { body(chunk + (j & (RootTable.chunkSize - 1))) }
            i = end
        }
    }
}
