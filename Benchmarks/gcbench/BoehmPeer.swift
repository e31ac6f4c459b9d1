import Foundation

/// The Boehm GC peers: GCBench and binarytrees in C on libgc (the programs in
/// Benchmarks/bdwgc), compiled on first use with the system C compiler, so
/// the package itself never links libgc and builds without it.
///
///     gcbench peer build                       compile both, print their paths
///     gcbench peer --workload gcbench [--incremental] [--gcbench-stretch D] [--binarytrees-n N]
///
/// Each prints one JSON line (wall time, collections, pauses). Without
/// libgc's header the build fails with one line naming the Debian package.
enum BoehmPeer {
    static let workloads = ["gcbench", "binarytrees"]

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static var usage: String {
        let d = try! WorkloadOptions()
        return """
        usage: gcbench peer build
               gcbench peer --workload gcbench|binarytrees [--incremental] [--gcbench-stretch D] [--binarytrees-n N]
          build compiles both peers and prints their paths; --workload runs one and prints one JSON line.
          --gcbench-stretch applies to gcbench (default \(d.gcbenchStretch)), --binarytrees-n to binarytrees
          (default \(d.binaryTreesN)): the suite's defaults.
        """
    }

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("peer", usage: usage, words) { words in
            let args = try Arguments(words, options: ["workload", "gcbench-stretch", "binarytrees-n"], flags: ["incremental"])
            do {
                if args.positional == ["build"] {
                    guard args.options.isEmpty, args.flags.isEmpty else { throw UsageError("peer build takes no options") }
                    for w in workloads { print(try executable(w).path) }
                    return 0
                }
                guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
                guard let workload = args.options["workload"] else { throw UsageError("peer needs --workload gcbench or binarytrees, or build") }
                guard workloads.contains(workload) else { throw UsageError("unknown workload \(workload): the peers are gcbench and binarytrees") }
                try WorkloadOptions.checkTaken(args.options.keys.filter { $0 != "workload" }, by: [workload])
                let sizes = try WorkloadOptions(args)
                let size = workload == "gcbench" ? sizes.gcbenchStretch : sizes.binaryTreesN
                let output = try runPeer(workload, size: size, incremental: args.flags.contains("incremental"))
                FileHandle.standardOutput.write(output)
                return 0
            } catch let e as Unavailable {
                printError("gcbench peer: \(e)")
                return 3
            }
        }
    }

    /// Runs a peer and returns its JSON line; a failed validation is an error.
    static func runPeer(_ workload: String, size: Int, incremental: Bool) throws -> Data {
        let p = Process()
        p.executableURL = try executable(workload)
        p.arguments = ["\(size)"] + (incremental ? ["--incremental"] : [])
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw WorkloadFailure("bdwgc \(workload) failed (exit \(p.terminationStatus))") }
        return data
    }

    /// The compiled peer, rebuilt when its source or the shared header is newer.
    static func executable(_ workload: String) throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = root.appendingPathComponent("Benchmarks/bdwgc/\(workload).c")
        let binary = root.appendingPathComponent(".build/peers/bdwgc-\(workload)")
        let files = FileManager.default
        guard files.fileExists(atPath: source.path) else {
            throw Unavailable(description: "\(source.path) is missing: the peers are built from the source tree")
        }
        func modified(_ url: URL) -> Date? { (try? files.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date }
        let header = source.deletingLastPathComponent().appendingPathComponent("peer.h")
        if let built = modified(binary), let written = [source, header].compactMap(modified).max(), built > written { return binary }
        try files.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let compiler = (ProcessInfo.processInfo.environment["CC"] ?? "cc").split(separator: " ").map(String.init)
        cc.arguments = compiler + ["-O2", "-o", binary.path, source.path, "-lgc"]
        let errors = Pipe()
        cc.standardError = errors
        try cc.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else {
            if message.contains("gc.h") || message.contains("-lgc") {
                throw Unavailable(description: "Boehm GC is not installed: install Debian's libgc-dev (apt-get install libgc-dev)")
            }
            throw Unavailable(description: "compiling \(source.lastPathComponent) failed:\n\(message)")
        }
        return binary
    }
}
