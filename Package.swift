// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "WriteWatch",
    products: [
        .library(name: "WriteWatch", targets: ["WriteWatch"]),
        .library(name: "GCHeap", targets: ["GCHeap"]),
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
        // Mutator traces: parse, replay, dump.
        .target(name: "HeapTrace", dependencies: ["GCHeap"], path: "Sources/HeapTrace"),
        // An example language runtime embedding the heap.
        .target(name: "MiniScheme", dependencies: ["GCHeap"], path: "Sources/MiniScheme"),
        .executableTarget(name: "minischeme", dependencies: ["MiniScheme", "GCHeap", "WriteWatch"], path: "Sources/minischeme"),
        // The C loop the tracker benchmark measures the Swift tracker against.
        .target(name: "CScanReference", dependencies: ["CWriteWatch"], path: "Benchmarks/CScanReference"),
        .executableTarget(
            name: "gcbench",
            dependencies: ["WriteWatch", "GCHeap", "HeapTrace", "MiniScheme", "CWriteWatch", "CScanReference"],
            path: "Benchmarks/gcbench"
        ),
        .testTarget(name: "WriteWatchTests", dependencies: ["WriteWatch", "CWriteWatch"]),
        .testTarget(name: "GCHeapTests", dependencies: ["GCHeap", "HeapTrace", "WriteWatch", "CWriteWatch"]),
        .testTarget(name: "MiniSchemeTests", dependencies: ["MiniScheme", "GCHeap"]),
        .testTarget(name: "GCBenchTests", dependencies: ["gcbench", "GCHeap", "WriteWatch"]),
    ]
)
