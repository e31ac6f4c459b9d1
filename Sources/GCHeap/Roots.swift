/// A root: a handle to a value that the collector keeps alive and updates
/// when it moves the object. Valid until released.
public struct Root: Hashable, Sendable {
    let index: UInt32
    let generation: UInt32
}

/// The root table: values the embedder holds, outside the heap.
///
/// Invariant: a slot's generation changes whenever it is released, so a
/// released `Root` can never silently resolve to a newer root in its slot.
/// A released slot holds 0, so the collector can walk every slot without
/// asking which are live. Kept in raw storage: reading a root is a check and
/// a load, with no array uniqueness or exclusivity bookkeeping.
struct RootTable: ~Copyable {
    var values = RawStack<UInt>()
    /// Per slot: generation << 1 | live.
    var states = RawStack<UInt32>()
    var free = RawStack<UInt32>()

    mutating func add(_ value: UInt) -> Root {
        if let i = free.popLast() {
            values[Int(i)] = value
            states[Int(i)] |= 1
            return Root(index: i, generation: states[Int(i)] >> 1)
        }
        values.append(value)
        states.append(1)
        return Root(index: UInt32(values.count - 1), generation: 0)
    }

    @inline(__always)
    func check(_ root: Root) throws(HeapError) -> Int {
        let i = Int(root.index)
        guard i < values.count, states[i] == root.generation << 1 | 1 else { throw .staleRoot }
        return i
    }

    mutating func remove(_ root: Root) throws(HeapError) {
        let i = try check(root)
        values[i] = 0
        states[i] = (states[i] &+ 2) & ~1
        free.append(UInt32(i))
    }

    var count: Int { values.count - free.count }
}
