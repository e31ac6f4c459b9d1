import GCHeap

/// Ellis, Kovac and Boehm's GCBench: a stretch tree, a long-lived tree and
/// array, then short-lived trees of growing depth built top-down (parents
/// first) and bottom-up. A top-down store is old-to-young only if its parent
/// was promoted first, which takes two minors while its subtree is built: at
/// stretch 18 no tree is that large, so GCBench stores no old-to-young
/// pointer and its dirty pages are the long-lived array's data writes. The
/// `none` barrier is therefore correct for it at these sizes.
struct GCBenchWorkload: Workload {
    var stretchDepth = 18
    var longLivedDepth = 16
    var arraySize = 500_000
    var minDepth = 4
    var maxDepth = 16

    var name: String { "gcbench" }
    var parameters: String { "stretch \(stretchDepth), long-lived \(longLivedDepth), array \(arraySize), depths \(minDepth)-\(maxDepth)" }
    var configuration: HeapConfiguration { .benchmark() }

    /// NumIters(d) = 2 * TreeSize(stretch) / TreeSize(d).
    func iterations(_ depth: Int) -> Int { 2 * Trees.size(stretchDepth) / Trees.size(depth) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String { try body(heap) }

    /// The benchmark on one mutator: the heap's own, or a thread's.
    func body<M: MutatorAPI>(_ m: M) throws -> String {
        let heap = m.heap
        let node = 8   // two Int32 payload fields, as in the original
        _ = try Trees.bottomUp(m, depth: stretchDepth, dataBytes: node)

        let longLived = heap.makeRoot(try m.allocate(pointers: 2, bytes: node, tag: 1))
        m.push(try heap.object(longLived)!)
        try Trees.populate(m, depth: longLivedDepth, dataBytes: node)
        m.pop()

        let array = heap.makeRoot(try m.allocate(pointers: 0, bytes: arraySize * 8, tag: 0))
        heap.withData(try heap.object(array)!) { data in
            for i in 0..<arraySize / 2 { data.storeBytes(of: 1.0 / Double(i), toByteOffset: i * 8, as: Double.self) }
        }

        var built = 0
        for depth in stride(from: minDepth, through: maxDepth, by: 2) {
            for _ in 0..<iterations(depth) {
                m.push(try m.allocate(pointers: 2, bytes: node, tag: 1))
                try Trees.populate(m, depth: depth, dataBytes: node)
                m.pop()
            }
            for _ in 0..<iterations(depth) { _ = try Trees.bottomUp(m, depth: depth, dataBytes: node) }
            built += 2 * iterations(depth)
        }

        let nodes = try Trees.check(m, try heap.object(longLived)!, depth: longLivedDepth)
        guard nodes == Trees.size(longLivedDepth) else { throw WorkloadFailure("long-lived tree has \(nodes) nodes, expected \(Trees.size(longLivedDepth))") }
        let probe = heap.withData(try heap.object(array)!) { $0.load(fromByteOffset: 1000 * 8, as: Double.self) }
        guard probe == 1.0 / 1000 else { throw WorkloadFailure("long-lived array element 1000 is \(probe)") }
        try heap.release(longLived)
        try heap.release(array)
        return "\(built) short-lived trees; long-lived tree \(nodes) nodes and array intact"
    }
}
