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
protocol CWorkload: Workload {
    /// Runs the C benchmark on the adopted handles; 0, or -1 with the
    /// failure in `summary`.
    func runC(_ heap: ww_heap, _ m: ww_mutator, _ summary: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int32
}

extension CWorkload {
    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        guard let (h, m) = adopt(heap) else { throw WorkloadFailure("no C handle for the heap: too many live heaps") }
        defer { _ = ww_heap_destroy(h) }
        var summary = [CChar](repeating: 0, count: 256)
        let rc = summary.withUnsafeMutableBufferPointer { runC(h, m, $0.baseAddress!, $0.count) }
        let text = summary.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard rc == 0 else { throw WorkloadFailure(text) }
        return text
    }
}

struct GCBenchCWorkload: CWorkload {
    var gcbench: GCBenchWorkload

    var name: String { "gcbench-c" }
    var parameters: String { gcbench.parameters }
    var configuration: HeapConfiguration { gcbench.configuration }

    func runC(_ h: ww_heap, _ m: ww_mutator, _ summary: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int32 {
        var params = ww_gcbench_params(stretch_depth: Int32(gcbench.stretchDepth), long_lived_depth: Int32(gcbench.longLivedDepth),
                                       array_size: Int32(gcbench.arraySize), min_depth: Int32(gcbench.minDepth),
                                       max_depth: Int32(gcbench.maxDepth))
        return ww_gcbench_run(h, m, &params, summary, capacity)
    }
}

struct BinaryTreesCWorkload: CWorkload {
    var binaryTrees: BinaryTreesWorkload

    var name: String { "binarytrees-c" }
    var parameters: String { binaryTrees.parameters }
    var configuration: HeapConfiguration { binaryTrees.configuration }

    func runC(_ h: ww_heap, _ m: ww_mutator, _ summary: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int32 {
        precondition(binaryTrees.minDepth == Int(WW_BINARYTREES_MIN_DEPTH), "binarytrees-c's depths are binarytrees'")
        var params = ww_binarytrees_params(n: Int32(binaryTrees.n))
        return ww_binarytrees_run(h, m, &params, summary, capacity)
    }
}

struct GCOldCWorkload: CWorkload {
    var gcold: GCOldWorkload

    var name: String { "gcold-c" }
    var parameters: String { gcold.parameters }
    var configuration: HeapConfiguration { gcold.configuration }

    func runC(_ h: ww_heap, _ m: ww_mutator, _ summary: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int32 {
        var params = ww_gcold_params(live_megabytes: Int32(gcold.liveMegabytes), work: Int32(gcold.work), ratio: Int32(gcold.ratio),
                                     mutations: Int32(gcold.mutations), steps: Int32(gcold.steps))
        return ww_gcold_run(h, m, &params, summary, capacity)
    }
}
