import GCHeap

/// The Benchmarks Game's binary-trees: bottom-up trees of depth 4 to N,
/// 2^(N - d + 4) of each, each checked by counting; one long-lived tree.
struct BinaryTreesWorkload: Workload {
    var n = 21
    let minDepth = 4

    var name: String { "binarytrees" }
    var parameters: String { "N = \(n)" }
    var configuration: HeapConfiguration { .benchmark() }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let maxDepth = max(minDepth + 2, n)
        let stretch = try Trees.bottomUp(heap, depth: maxDepth + 1, dataBytes: 0)
        guard try Trees.check(heap, stretch, depth: maxDepth + 1) == Trees.size(maxDepth + 1) else { throw WorkloadFailure("stretch tree is wrong") }
        let longLived = heap.makeRoot(try Trees.bottomUp(heap, depth: maxDepth, dataBytes: 0))
        var total = 0
        for depth in stride(from: minDepth, through: maxDepth, by: 2) {
            let iterations = 1 << (maxDepth - depth + minDepth)
            var check = 0
            for _ in 0..<iterations { check += try Trees.check(heap, try Trees.bottomUp(heap, depth: depth, dataBytes: 0), depth: depth) }
            guard check == iterations * Trees.size(depth) else { throw WorkloadFailure("depth \(depth): check \(check)") }
            total += check
        }
        let kept = try Trees.check(heap, try heap.object(longLived)!, depth: maxDepth)
        guard kept == Trees.size(maxDepth) else { throw WorkloadFailure("long-lived tree has \(kept) nodes") }
        return "\(total) nodes checked; long-lived tree of depth \(maxDepth) intact"
    }
}
