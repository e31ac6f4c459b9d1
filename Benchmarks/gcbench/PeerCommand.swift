import Foundation

/// `gcbench peer`: one run of a peer program on its own, printed as the
/// JSON record the suite reads: Boehm GC (`--gc bdwgc`, the default, or
/// `bdwgc-incremental`) or HotSpot (`--jvm serial|parallel|g1`).
///
/// Invariant: a peer that cannot run here is one line naming what to
/// install and exit status 3, never a crash, so scripts can skip it.
enum PeerCommand {
    static var usage: String {
        let d = try! WorkloadOptions()
        return """
        usage: gcbench peer build
               gcbench peer --workload W [--jvm serial|parallel|g1 | --incremental] [--heap BYTES] [size options]
          build compiles every peer this machine can build and prints where each went.
          --workload runs one peer and prints one JSON line: Boehm GC (the C programs in Benchmarks/bdwgc,
          gcbench and binarytrees; --incremental for its generational mode; needs libgc-dev) or, with --jvm,
          HotSpot's Serial, Parallel or G1 collector (the Java programs in Benchmarks/java, gcbench,
          binarytrees and gcold; needs openjdk-17-jdk-headless).
          --heap BYTES    the heap limit (suffixes k, m, g): HotSpot's -Xms and -Xmx, Boehm GC's
                          GC_set_max_heap_size (default: 256m for HotSpot, unlimited for Boehm GC)
          size options, as run-one's: --gcbench-stretch D (default \(d.gcbenchStretch)), --binarytrees-n N
          (default \(d.binaryTreesN)), --gcold 'LIVE WORK RATIO MUTATIONS STEPS' (default '\(d.gcold.parameters)')
        """
    }

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("peer", usage: usage, words) { words in
            let args = try Arguments(words, options: ["workload", "jvm", "heap", "gcbench-stretch", "binarytrees-n", "gcold"],
                                     flags: ["incremental"])
            do {
                if args.positional == ["build"] {
                    guard args.options.isEmpty, args.flags.isEmpty else { throw UsageError("peer build takes no options") }
                    var built = 0
                    for w in BoehmPeer.workloads {
                        do { print(try BoehmPeer.executable(w).path); built += 1 } catch { printError("gcbench peer: \(error)") }
                    }
                    do { print(try HotSpotPeer.classDirectory().path); built += 1 } catch { printError("gcbench peer: \(error)") }
                    return built > 0 ? 0 : 3
                }
                guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
                guard let workload = args.options["workload"] else { throw UsageError("peer needs --workload W, or build") }
                try WorkloadOptions.checkTaken(args.options.keys.filter { $0 != "workload" && $0 != "jvm" }, by: [workload])
                let sizes = try WorkloadOptions(args)
                let heapBytes = sizes.heapBytes
                let output: Data
                if let name = args.options["jvm"] {
                    guard let collector = HotSpotPeer.Collector(rawValue: name) else {
                        throw UsageError("unknown --jvm \(name): use serial, parallel or g1")
                    }
                    guard !args.flags.contains("incremental") else { throw UsageError("--incremental is Boehm GC's mode: not with --jvm") }
                    guard HotSpotPeer.classes[workload] != nil else {
                        throw UsageError("no HotSpot peer for \(workload): the HotSpot peers are \(HotSpotPeer.workloads.joined(separator: ", "))")
                    }
                    output = try HotSpotPeer.run(workload, sizes: sizes.peerArguments(for: workload), collector: collector,
                                                 heapBytes: heapBytes ?? 256 << 20)
                } else {
                    guard BoehmPeer.workloads.contains(workload) else {
                        throw UsageError("no Boehm GC peer for \(workload): the Boehm GC peers are \(BoehmPeer.workloads.joined(separator: ", ")) (--jvm for HotSpot's)")
                    }
                    output = try BoehmPeer.runPeer(workload, sizes: sizes.peerArguments(for: workload),
                                                   incremental: args.flags.contains("incremental"), heapBytes: heapBytes)
                }
                FileHandle.standardOutput.write(output)
                return 0
            } catch let e as PeerProcess.Unavailable {
                printError("gcbench peer: \(e)")
                return 3
            }
        }
    }
}
