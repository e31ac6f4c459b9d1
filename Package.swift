// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "WriteWatch",
    products: [
        .library(name: "WriteWatch", targets: ["WriteWatch"]),
        .library(name: "GCHeap", targets: ["GCHeap"]),
        // The C API: link C, C++, Rust or Zig against libwritewatch-c.so or .a,
        // with Sources/CWriteWatchAPI/include/writewatch.h.
        .library(name: "writewatch-c", type: .dynamic, targets: ["WriteWatchC"]),
        .library(name: "writewatch-c-static", type: .static, targets: ["WriteWatchC"]),
        .executable(name: "gcbench", targets: ["gcbench"]),
        .executable(name: "minischeme", targets: ["minischeme"]),
    ],
    targets: [
        // The kernel ABI: structs, ioctl numbers, feature bits, syscall wrappers.
        .target(name: "CWriteWatch", path: "Sources/CWriteWatch"),
        // Dirty-page tracking on its own: a Swift GetWriteWatch.
        .target(name: "WriteWatch", dependencies: ["CWriteWatch"], path: "Sources/WriteWatch"),
        // The generational heap, generic over its write barrier.
        .target(name: "GCHeap", dependencies: ["WriteWatch"], path: "Sources/GCHeap"),
        // The C API's one header (writewatch.h), and its Swift implementation.
        .target(name: "CWriteWatchAPI", path: "Sources/CWriteWatchAPI"),
        .target(name: "WriteWatchC", dependencies: ["CWriteWatchAPI", "GCHeap", "WriteWatch"], path: "Sources/WriteWatchC"),
        // Mutator traces: parse, replay, dump.
        .target(name: "HeapTrace", dependencies: ["GCHeap"], path: "Sources/HeapTrace"),
        // An example language runtime embedding the heap.
        .target(name: "MiniScheme", dependencies: ["GCHeap"], path: "Sources/MiniScheme"),
        .executableTarget(name: "minischeme", dependencies: ["MiniScheme", "GCHeap", "WriteWatch"], path: "Sources/minischeme"),
        // The C loop the tracker benchmark measures the Swift tracker against.
        .target(name: "CScanReference", dependencies: ["CWriteWatch"], path: "Benchmarks/CScanReference"),
        // GCBench in C against the C API, run in-process as workload gcbench-c.
        .target(name: "CGCBench", dependencies: ["CWriteWatchAPI"], path: "Benchmarks/CGCBench"),
        .executableTarget(
            name: "gcbench",
            dependencies: ["WriteWatch", "GCHeap", "HeapTrace", "MiniScheme", "CWriteWatch", "CScanReference",
                           "WriteWatchC", "CWriteWatchAPI", "CGCBench"],
            path: "Benchmarks/gcbench"
        ),
        .testTarget(name: "WriteWatchTests", dependencies: ["WriteWatch", "CWriteWatch"]),
        .testTarget(name: "GCHeapTests", dependencies: ["GCHeap", "HeapTrace", "WriteWatch", "CWriteWatch"]),
        .testTarget(name: "MiniSchemeTests", dependencies: ["MiniScheme", "GCHeap"]),
        .testTarget(name: "GCBenchTests", dependencies: ["gcbench", "GCHeap", "WriteWatch"]),
        // Builds C programs against the library products with the system C compiler.
        .testTarget(name: "CAPITests", dependencies: ["WriteWatchC", "CWriteWatchAPI"], exclude: ["c"]),
    ]
)
