import Foundation

/// The Boehm GC peers: GCBench and binarytrees in C on libgc (the programs in
/// Benchmarks/bdwgc), compiled on first use with the system C compiler, so
/// the package itself never links libgc and builds without it. Each prints
/// one JSON record (wall time, collections, pauses); without libgc's header
/// the build fails with one line naming the Debian package.
enum BoehmPeer {
    static let workloads = ["gcbench", "binarytrees"]

    /// Runs a peer and returns its JSON line; a failed validation is an error.
    /// `sizes` are the workload's size arguments, as the C program takes them;
    /// `heapBytes` caps the heap (`GC_set_max_heap_size`), nil leaves it unlimited.
    static func runPeer(_ workload: String, sizes: [String], incremental: Bool, heapBytes: Int? = nil) throws -> Data {
        let run = try PeerProcess.run([try executable(workload).path] + sizes + (incremental ? ["--incremental"] : [])
                                      + (heapBytes.map { ["--heap", "\($0)"] } ?? []))
        guard run.status == 0 else {
            throw WorkloadFailure("bdwgc \(workload) failed (exit \(run.status)): \(run.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return run.output
    }

    /// The compiled peer, rebuilt when its source or the shared header is newer.
    static func executable(_ workload: String) throws -> URL {
        let source = PeerProcess.root.appendingPathComponent("Benchmarks/bdwgc/\(workload).c")
        let binary = PeerProcess.root.appendingPathComponent(".build/peers/bdwgc-\(workload)")
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw PeerProcess.Unavailable(description: "\(source.path) is missing: the peers are built from the source tree")
        }
        let header = source.deletingLastPathComponent().appendingPathComponent("peer.h")
        if PeerProcess.isUpToDate(binary, builtFrom: [source, header]) { return binary }
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        let compiler = (ProcessInfo.processInfo.environment["CC"] ?? "cc").split(separator: " ").map(String.init)
        let cc = try PeerProcess.run(compiler + ["-O2", "-o", binary.path, source.path, "-lgc"])
        guard cc.status == 0 else {
            if cc.errors.contains("gc.h") || cc.errors.contains("-lgc") {
                throw PeerProcess.Unavailable(description: "Boehm GC is not installed: install Debian's libgc-dev (apt-get install libgc-dev)")
            }
            throw PeerProcess.Unavailable(description: "compiling \(source.lastPathComponent) failed:\n\(cc.errors)")
        }
        return binary
    }
}
