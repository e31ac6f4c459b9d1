import CGCBench
import CWriteWatchAPI
import GCHeap
import WriteWatchC

/// GCBench written in C against writewatch.h (Benchmarks/CGCBench), on the
/// same heap the harness made for the Swift GCBench: the row shows what an
/// embedder in C pays for the C API (a call per allocation and per shadow-
/// stack operation; the store barrier is inline), against the Swift
/// workload and Boehm GC's C program. Same parameters, same checks.
struct GCBenchCWorkload: Workload {
    var gcbench: GCBenchWorkload

    var name: String { "gcbench-c" }
    var parameters: String { gcbench.parameters }
    var configuration: HeapConfiguration { gcbench.configuration }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        guard let (h, m) = adopt(heap) else { throw WorkloadFailure("no C handle for the heap: too many live heaps") }
        defer { _ = ww_heap_destroy(h) }
        var params = ww_gcbench_params(stretch_depth: Int32(gcbench.stretchDepth), long_lived_depth: Int32(gcbench.longLivedDepth),
                                       array_size: Int32(gcbench.arraySize), min_depth: Int32(gcbench.minDepth),
                                       max_depth: Int32(gcbench.maxDepth))
        var summary = [CChar](repeating: 0, count: 256)
        let rc = ww_gcbench_run(h, m, &params, &summary, summary.count)
        let text = summary.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard rc == 0 else { throw WorkloadFailure(text) }
        return text
    }
}
