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
struct RootTable {
    var values: [UInt] = []
    var generations: [UInt32] = []
    var live: [Bool] = []
    var free: [UInt32] = []

    mutating func add(_ value: UInt) -> Root {
        if let i = free.popLast() {
            values[Int(i)] = value
            live[Int(i)] = true
            return Root(index: i, generation: generations[Int(i)])
        }
        values.append(value)
        generations.append(0)
        live.append(true)
        return Root(index: UInt32(values.count - 1), generation: 0)
    }

    func check(_ root: Root) throws(HeapError) -> Int {
        let i = Int(root.index)
        guard i < values.count, live[i], generations[i] == root.generation else { throw .staleRoot }
        return i
    }

    mutating func remove(_ root: Root) throws(HeapError) {
        let i = try check(root)
        live[i] = false
        values[i] = 0
        generations[i] &+= 1
        free.append(UInt32(i))
    }

    var count: Int { values.count - free.count }
}
