import CGCBench
import CWriteWatchAPI
import GCHeap
import WriteWatchC

/// GCBench, binarytrees and GCOld written in C against writewatch.h
/// (Benchmarks/CGCBench), each on the heap the harness made for its Swift
/// workload: compiled mutators (inline allocation, push and pop, the store
/// barrier inline) on our heap, for rows heap against heap beside the Swift
/// workloads and the peers.
///
/// Invariant: each takes its Swift workload's parameters and heap
/// configuration unchanged, so the only difference between the two rows is
/// the mutator's language; a failed C check throws its message.
struct CWorkload<W: Workload>: Workload {
    /// The Swift workload: its name (with "-c"), parameters and heap.
    var swift: W
    /// Runs the C benchmark with `swift`'s parameters on the adopted
    /// handles; 0, or -1 with the failure in the summary buffer.
    var body: (W, ww_heap, ww_mutator, UnsafeMutablePointer<CChar>, Int) -> Int32

    var name: String { swift.name + "-c" }
    var parameters: String { swift.parameters }
    var configuration: HeapConfiguration { swift.configuration }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        guard let (h, m) = adopt(heap) else { throw WorkloadFailure("no C handle for the heap: too many live heaps") }
        defer { _ = ww_heap_destroy(h) }
        var summary = [CChar](repeating: 0, count: 256)
        let rc = summary.withUnsafeMutableBufferPointer { body(swift, h, m, $0.baseAddress!, $0.count) }
        let text = summary.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard rc == 0 else { throw WorkloadFailure(text) }
        return text
    }
}

extension CWorkload where W == GCBenchWorkload {
    init(_ gcbench: W) {
        self.init(swift: gcbench) { g, h, m, summary, capacity in
            var params = ww_gcbench_params(stretch_depth: Int32(g.stretchDepth), long_lived_depth: Int32(g.longLivedDepth),
                                           array_size: Int32(g.arraySize), min_depth: Int32(g.minDepth), max_depth: Int32(g.maxDepth))
            return ww_gcbench_run(h, m, &params, summary, capacity)
        }
    }
}

extension CWorkload where W == BinaryTreesWorkload {
    init(_ binaryTrees: W) {
        precondition(binaryTrees.threads == nil && binaryTrees.minDepth == Int(WW_BINARYTREES_MIN_DEPTH),
                     "binarytrees-c is the one-thread binarytrees, at its depths")
        self.init(swift: binaryTrees) { b, h, m, summary, capacity in
            var params = ww_binarytrees_params(n: Int32(b.n))
            return ww_binarytrees_run(h, m, &params, summary, capacity)
        }
    }
}

extension CWorkload where W == GCOldWorkload {
    init(_ gcold: W) {
        self.init(swift: gcold) { g, h, m, summary, capacity in
            var params = ww_gcold_params(live_megabytes: Int32(g.liveMegabytes), work: Int32(g.work), ratio: Int32(g.ratio),
                                         mutations: Int32(g.mutations), steps: Int32(g.steps))
            return ww_gcold_run(h, m, &params, summary, capacity)
        }
    }
}
