import GCHeap

/// Objects registered with a guardian and popped at a steady rate, as
/// Whippet's `finalizers` benchmark: each object (with a child) is held for
/// a window of later registrations and then let go of; every so often the
/// program pops what the collections found unreachable, as a runtime runs
/// its clean-ups.
///
/// Checked: a popped object was let go of, is popped once, comes with its
/// child intact (a guardian keeps what its objects reach), and a drain pops
/// in registration order; at the end, after a major collection with
/// nothing held, every registration has come back exactly once (ignoring
/// the guardian fails).
struct GuardianWorkload: Workload {
    var objects = 1_000_000
    var window = 65_536
    var drainEvery = 1024

    var name: String { "guardian" }
    var parameters: String { "\(objects) objects, held for \(window), popped every \(drainEvery)" }
    var configuration: HeapConfiguration { .benchmark(limit: 64 << 20) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let guardian = heap.makeGuardian()
        let ring = heap.makeRoot(try heap.allocate(pointers: window, bytes: 0))
        defer { try? heap.release(ring); try? heap.destroyGuardian(guardian) }
        var popped = [Bool](repeating: false, count: objects)
        var count = 0
        for seq in 0..<objects {
            heap.push(Value(try numbered(heap, seq, pointers: 0)))
            let o = try numbered(heap, seq, pointers: 1)
            heap.store(o, 0, heap.pop())
            try heap.register(o, with: guardian)
            heap.store(try heap.object(ring)!, seq % window, o)
            if seq % drainEvery == drainEvery - 1 { count += try drain(heap, guardian, letGo: seq + 1 - window, &popped) }
        }
        try heap.release(ring)
        try heap.collectMajor()
        count += try drain(heap, guardian, letGo: objects, &popped)
        guard count == objects else { throw WorkloadFailure("\(count) of \(objects) registrations came back") }
        return "\(count) registrations popped; \(heap.statistics.guardedObjectsReady) made ready"
    }

    func numbered<B: Barrier>(_ heap: Heap<B>, _ seq: Int, pointers: Int) throws(HeapError) -> ObjectRef {
        let o = try heap.allocate(pointers: pointers, bytes: 8, tag: UInt32(pointers))
        heap.withData(o) { $0.storeBytes(of: seq, as: Int.self) }
        return o
    }

    /// Pops every ready object; objects numbered below `letGo` were let go of.
    func drain<B: Barrier>(_ heap: Heap<B>, _ guardian: Guardian, letGo: Int, _ popped: inout [Bool]) throws -> Int {
        var n = 0, last = -1
        while let o = try heap.popReady(guardian) {
            let seq = heap.withData(o) { $0.load(as: Int.self) }
            guard seq >= 0, seq < letGo else { throw WorkloadFailure("object \(seq) was popped while still held") }
            guard !popped[seq] else { throw WorkloadFailure("object \(seq) was popped twice") }
            guard seq > last else { throw WorkloadFailure("object \(seq) was popped after \(last): not in registration order") }
            guard let child = heap.load(o, 0).ref, heap.withData(child, { $0.load(as: Int.self) }) == seq else {
                throw WorkloadFailure("object \(seq) came back without its child")
            }
            popped[seq] = true
            last = seq
            n += 1
        }
        return n
    }
}
