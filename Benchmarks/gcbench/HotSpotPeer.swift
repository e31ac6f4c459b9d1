import Foundation

/// The HotSpot peers: GCBench, binarytrees and GCOld in Java (the programs
/// in Benchmarks/java, with the Swift workloads' parameters and checks),
/// compiled with `javac` on first use into `.build/peers/java` and run at a
/// heap limit given as both `-Xms` and `-Xmx` (the young generation's size
/// left to HotSpot), so that a heap is compared with HotSpot's collectors at
/// the same memory.
///
/// Invariant: a record's `wallSeconds` spans the workload inside `main`
/// only; JVM start-up (an empty `main`, timed as a whole process) is
/// measured apart, so a reader comparing whole processes can subtract it.
enum HotSpotPeer {
    /// Workload name to Java class.
    static let classes = ["gcbench": "GCBench", "binarytrees": "BinaryTrees", "gcold": "GCOld"]
    static var workloads: [String] { classes.keys.sorted() }

    /// The HotSpot collectors the suite compares against.
    enum Collector: String, CaseIterable {
        case serial, parallel, g1

        var flag: String {
            switch self {
            case .serial: "-XX:+UseSerialGC"
            case .parallel: "-XX:+UseParallelGC"
            case .g1: "-XX:+UseG1GC"
            }
        }

        /// The row name in suite tables and records.
        var barrier: String { "hotspot-\(rawValue)" }
    }

    /// What to install; `/usr/bin/env` exits 127 when `java` or `javac` is not on PATH.
    static let missingJava = "OpenJDK is not installed: install Debian's openjdk-17-jdk-headless (apt-get install openjdk-17-jdk-headless)"

    /// The directory of compiled classes, rebuilt when a source is newer.
    static func classDirectory() throws -> URL {
        let sourceDirectory = PeerProcess.root.appendingPathComponent("Benchmarks/java")
        let sources = ((try? FileManager.default.contentsOfDirectory(at: sourceDirectory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "java" }
        guard !sources.isEmpty else {
            throw PeerProcess.Unavailable(description: "\(sourceDirectory.path) has no Java sources: the peers are built from the source tree")
        }
        let output = PeerProcess.root.appendingPathComponent(".build/peers/java")
        let stamp = output.appendingPathComponent("GCOld.class")
        if PeerProcess.isUpToDate(stamp, builtFrom: sources) { return output }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let javac: (status: Int32, output: Data, errors: String)
        do { javac = try PeerProcess.run(["javac", "-d", output.path] + sources.map(\.path)) } catch {
            throw PeerProcess.Unavailable(description: missingJava)
        }
        guard javac.status != 127 else { throw PeerProcess.Unavailable(description: missingJava) }
        guard javac.status == 0 else { throw PeerProcess.Unavailable(description: "javac failed:\n\(javac.errors)") }
        return output
    }

    /// Runs one peer and returns its JSON line; a failed validation is an error.
    /// `sizes` are the workload's size arguments, as the Java program takes them.
    static func run(_ workload: String, sizes: [String], collector: Collector, heapBytes: Int) throws -> Data {
        guard let mainClass = classes[workload] else {
            throw UsageError("no HotSpot peer for \(workload): the peers are \(workloads.joined(separator: ", "))")
        }
        let heap = "\(heapBytes / 1024)k"
        let java = try PeerProcess.run(["java", "-Xms\(heap)", "-Xmx\(heap)", collector.flag, "-cp", try classDirectory().path,
                                        mainClass] + sizes + [collector.barrier])
        guard java.status != 127 else { throw PeerProcess.Unavailable(description: missingJava) }
        guard java.status == 0 else {
            throw WorkloadFailure("HotSpot \(workload) under \(collector.barrier) at \(heap) failed (exit \(java.status)): \(java.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return java.output
    }

    /// JVM start-up: the wall time of whole processes running an empty `main`.
    static func startupSeconds(repetitions: Int) throws -> [Double] {
        let directory = try classDirectory().path
        return try (0..<repetitions).map { _ in
            let start = Date()
            let java = try PeerProcess.run(["java", "-cp", directory, "Startup"])
            guard java.status != 127 else { throw PeerProcess.Unavailable(description: missingJava) }
            guard java.status == 0 else { throw WorkloadFailure("java Startup failed (exit \(java.status)): \(java.errors)") }
            return Date().timeIntervalSince(start)
        }
    }
}
