import GCHeap

/// The Benchmarks Game's binary-trees: bottom-up trees of depth 4 to N,
/// 2^(N - d + 4) of each, each checked by a walk; one long-lived tree. With
/// `threads`, each depth's iterations are spread over that many attached
/// threads (the Benchmarks Game's parallel shape, `mt-binarytrees:N`); the
/// stretch and long-lived trees stay on the heap's own mutator.
struct BinaryTreesWorkload: ThreadedWorkload {
    var n = 21
    var threads: Int? = nil
    let minDepth = 4

    var name: String { threads.map { "mt-binarytrees:\($0)" } ?? "binarytrees" }
    var parameters: String { "N = \(n)" + (threads.map { ", \($0) threads" } ?? "") }
    var configuration: HeapConfiguration { .benchmark() }
    var threadCount: Int? { threads }
    var maxDepth: Int { max(minDepth + 2, n) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let stretch = try Trees.bottomUp(heap, depth: maxDepth + 1, dataBytes: 0)
        guard try Trees.check(heap, stretch, depth: maxDepth + 1) == Trees.size(maxDepth + 1) else { throw WorkloadFailure("stretch tree is wrong") }
        let longLived = heap.makeRoot(try Trees.bottomUp(heap, depth: maxDepth, dataBytes: 0))
        let total: Int
        if let threads {
            total = try onThreads(heap, threads) { m, t in "\(try share(m, part: t, of: threads))" }.reduce(0) { $0 + Int($1)! }
        } else {
            total = try share(heap, part: 0, of: 1)
        }
        var expected = 0
        for depth in stride(from: minDepth, through: maxDepth, by: 2) { expected += iterations(depth) * Trees.size(depth) }
        guard total == expected else { throw WorkloadFailure("checked \(total) nodes, expected \(expected)") }
        let kept = try Trees.check(heap, try heap.object(longLived)!, depth: maxDepth)
        guard kept == Trees.size(maxDepth) else { throw WorkloadFailure("long-lived tree has \(kept) nodes") }
        return "\(total) nodes checked\(threads.map { " on \($0) threads" } ?? ""); long-lived tree of depth \(maxDepth) intact"
    }

    func iterations(_ depth: Int) -> Int { 1 << (maxDepth - depth + minDepth) }

    /// Iterations `part`, `part + parts`, ... of every depth, built and
    /// checked on one mutator; returns the nodes checked.
    func share<M: MutatorAPI>(_ m: M, part: Int, of parts: Int) throws -> Int {
        var total = 0
        for depth in stride(from: minDepth, through: maxDepth, by: 2) {
            for _ in stride(from: part, to: iterations(depth), by: parts) {
                total += try Trees.check(m, try Trees.bottomUp(m, depth: depth, dataBytes: 0), depth: depth)
            }
        }
        return total
    }
}
