import Foundation
import GCHeap
import HeapTrace
import WriteWatch

/// `gcbench` with no arguments: every workload under every barrier the
/// probe allows, barriers interleaved across repetitions, each run in its
/// own process; one table of medians with each barrier's ratio to software.
enum SuiteCommand {
    static var usage: String {
        let d = try! WorkloadOptions(), full = try! WorkloadOptions(full: true)
        return """
        usage: gcbench [--workloads LIST] [--barriers LIST] [--repetitions N] [--json FILE] [--svg FILE]
                       [--full] [--no-tracker] [--major stw|concurrent] [--heap BYTES | --heap-multiples LIST] [size options]
          Every workload under every barrier, each run in its own process (gcbench run-one), then
          the tracker benchmark (unless --no-tracker).
          workloads: \(WorkloadOptions.workloadList)
                     (default: all of them)
          barriers:  hardware, software, software-cond, mprotect, uffd-sync, bdwgc, bdwgc-incremental (default:
                     all this machine has; software-cond on the threaded workloads). With software, each round
                     also runs software-aa: software again, the
                     A/A control whose spread is the noise floor; and on gcbench and binarytrees, none:
                     the heap with no barrier at all, the best any barrier could do. bdwgc rows (Boehm GC, the C programs in
                     Benchmarks/bdwgc) exist for gcbench and binarytrees and need libgc-dev; hotspot-serial,
                     hotspot-parallel and hotspot-g1 rows (HotSpot, the Java programs in Benchmarks/java, at -Xms =
                     -Xmx = the row's heap limit) exist for gcbench, binarytrees and gcold (and their -c twins)
                     and need a JDK (openjdk-17-jdk-headless).
          Heap limits: gcbench, binarytrees, gcold and their -c twins run every row at the same limit,
                     2x the workload's minimum heap (found once by gcbench minheap, cached in .build);
                     --heap-multiples 1.5,2,3,6 runs each at every multiple listed (rows NAME@Mx; 2x keeps
                     the bare name), a time-space curve; --heap BYTES gives every workload that one limit.
          Every ratio is to software in the same round: the median over rounds, and [min..max].
          --major:   how our heaps run major collections: stw (default) or concurrent, marking beside the
                     mutators (the "Major collections" table shows the pauses, rounds and pages re-marked)
          --full:    the published sizes (binarytrees N=\(full.binaryTreesN) on one thread and split over threads,
                     GCOld \(full.gcold.parameters)); takes well over 10 minutes here
          size options, each an error unless a chosen workload takes it (the defaults fit 10 minutes):
            --gcbench-stretch D        gcbench, gcbench-c, mt-gcbench (default \(d.gcbenchStretch))
            --binarytrees-n N          binarytrees, binarytrees-c (default \(d.binaryTreesN))
            --mt-binarytrees-n N       mt-binarytrees (default \(d.threadedBinaryTreesN))
            --gcold 'LIVE WORK RATIO MUTATIONS STEPS'   gcold, gcold-c (default '\(d.gcold.parameters)')
            --promoted-stores N        promoted-store (default \(d.promotedStores))
            --threads 1,2,...          mt-gcbench, mt-binarytrees, shared-store (default \(d.threads.map(String.init).joined(separator: ",")))
            --remset-sweep 1,4,16,...  remset-sweep (default \(d.sweep.map(String.init).joined(separator: ",")))
            --store-sweep 1,4,16,...   store-sweep (default \(d.storeSweep.map(String.init).joined(separator: ",")))
            --idle-old 64,256,...      idle-old, MiB of old space (default \(d.idleOld.map(String.init).joined(separator: ",")))
        """
    }

    /// A row of the suite: one of our barriers, the A/A control, the floor,
    /// or a peer.
    enum Row: Hashable {
        case heap(BarrierKind)
        case control
        /// The heap with no barrier at all: what any barrier's ratio to
        /// software could at best be. Only on workloads that store no
        /// old-to-young pointer, where it still computes the right answer.
        case floor
        case peer(incremental: Bool)
        case hotspot(HotSpotPeer.Collector)

        static let floorWorkloads: Set<String> = ["gcbench", "binarytrees"]

        var name: String {
            switch self {
            case let .heap(kind): kind.rawValue
            case .control: "software-aa"
            case .floor: BarrierKind.none.rawValue
            case let .peer(incremental): incremental ? "bdwgc-incremental" : "bdwgc"
            case let .hotspot(collector): collector.barrier
            }
        }

        func applies(to workload: String) -> Bool {
            switch self {
            case .floor: return Row.floorWorkloads.contains(workload) || workload.hasPrefix("idle-old:")
            case .peer: return BoehmPeer.workloads.contains(HeapPoints.program(of: workload))
            // The C workloads too, so that C against Java is in-round.
            case .hotspot: return HotSpotPeer.classes[HeapPoints.program(of: workload)] != nil
            // Conditional card marking matters only where threads share cards.
            case .heap(.softwareCond): return WorkloadOptions.threadedNames.contains { workload.hasPrefix($0 + ":") }
            // idle-old compares the fixed costs of the two barriers the
            // project is about; mprotect would split a VMA per large object.
            case .heap(.mprotect), .heap(.uffdSync): return !workload.hasPrefix("idle-old:")
            default: return true
            }
        }
    }

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("", usage: usage, words, execute)
    }

    static func execute(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, options: Set(["workloads", "barriers", "repetitions", "json", "svg", "heap-multiples"]).union(WorkloadOptions.names),
                                 flags: ["full", "no-tracker"])
        guard args.positional.isEmpty else {
            throw UsageError("unknown subcommand '\(args.positional[0])': the subcommands are \(gcbenchSubcommands)")
        }
        let sizes = try WorkloadOptions(args, full: args.flags.contains("full"))
        let chosen = (args.options["workloads"] ?? WorkloadOptions.families.map(\.name).joined(separator: ","))
            .split(separator: ",").map(String.init)
        let names = try chosen.flatMap { (name) throws(UsageError) in try sizes.points(name) }
        try WorkloadOptions.checkTaken(args.options.keys, by: chosen)
        let probe = Probe.run()
        var barriers: [Row] = []
        var peersChecked = false, peersAvailable = false, javaChecked = false, javaAvailable = false
        for name in (args.options["barriers"] ?? "hardware,software,software-cond,mprotect,uffd-sync,bdwgc,bdwgc-incremental,hotspot-serial,hotspot-parallel,hotspot-g1").split(separator: ",") {
            if let collector = HotSpotPeer.Collector.allCases.first(where: { $0.barrier == name }) {
                if !javaChecked {
                    javaChecked = true
                    do { _ = try HotSpotPeer.classDirectory(); javaAvailable = true } catch {
                        printError("gcbench: skipping hotspot-serial, hotspot-parallel and hotspot-g1: \(error)")
                    }
                }
                if javaAvailable { barriers.append(.hotspot(collector)) }
                continue
            }
            if name == "bdwgc" || name == "bdwgc-incremental" {
                if !peersChecked {
                    peersChecked = true
                    do { _ = try BoehmPeer.executable("gcbench"); peersAvailable = true } catch {
                        printError("gcbench: skipping bdwgc and bdwgc-incremental: \(error)")
                    }
                }
                if peersAvailable { barriers.append(.peer(incremental: name == "bdwgc-incremental")) }
                continue
            }
            guard let kind = BarrierKind(rawValue: String(name)), kind != .none else {
                throw UsageError("unknown barrier '\(name)': use hardware, software, software-cond, mprotect, uffd-sync, bdwgc, bdwgc-incremental, hotspot-serial, hotspot-parallel or hotspot-g1")
            }
            if case let .unavailable(reason) = kind.availability(probe) {
                printError("gcbench: skipping \(kind.rawValue): \(reason)")
                continue
            }
            barriers.append(.heap(kind))
            if kind == .software { barriers += [.control, .floor] }
        }
        if !barriers.contains(.heap(.software)) { printError("gcbench: software is not among the barriers: no ratios") }
        let repetitions = max(1, try args.int("repetitions", default: 5))
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()

        print("# gcbench on \(probe.kernel), \(ProcessInfo.processInfo.activeProcessorCount) cores; \(repetitions) rounds, each running every row once in a shuffled order")
        print("# sizes: binarytrees N=\(sizes.binaryTreesN), mt-binarytrees N=\(sizes.threadedBinaryTreesN), gcold \(sizes.gcold.parameters), promoted-store \(sizes.promotedStores) stores, gcbench stretch depth \(sizes.gcbenchStretch)"
              + (args.flags.contains("full") ? "" : " (scaled to fit 10 minutes; --full for the published sizes)"))

        let start = Date()
        let points = try HeapPoints.points(names, sizes: sizes, multiples: try HeapPoints.parseMultiples(args.options["heap-multiples"]), runOne: me)
        for p in points where p.multiple != nil {
            print("# \(p.id): heap limit \(p.heapBytes! >> 20) MiB (\(p.multiple!.shortText)x its minimum heap), every row")
        }
        if barriers.contains(where: { if case .hotspot = $0 { true } else { false } }) {
            let startup = try HotSpotPeer.startupSeconds(repetitions: 5)
            print(String(format: "# JVM start-up (an empty main, whole process, 5 runs): %.3f s [%.3f..%.3f]; HotSpot rows time main only",
                         median(startup), startup.min()!, startup.max()!))
        }

        var runs: [String: [String: [RunRecord]]] = [:]
        let total = points.reduce(0) { n, p in n + barriers.filter { $0.applies(to: p.workload) }.count } * repetitions
        var done = 0
        for point in points {
            let name = point.id, workload = point.workload
            let heap = point.multiple == nil ? [] : ["--heap", "\(point.heapBytes!)"]
            let rows = barriers.filter { $0.applies(to: workload) }
            for rep in 0..<repetitions {
                // A fresh order each round, the same in every suite run: a
                // run's position and its predecessor both move its time on
                // this machine (alternating forward and backward kept the
                // middle row, software, second and after the same row in
                // every round, and the A/A control showed a steady 0.66).
                var random = SplitMix64(seed: UInt64(rep) &* 0x5EED &+ UInt64(name.utf8.count))
                let order = rows.shuffled(using: &random)
                for row in order {
                    done += 1
                    printError(String(format: "[%3d/%d %5.0fs] %@ %@ (repetition %d)", done, total, Date().timeIntervalSince(start), name, row.name, rep + 1))
                    var record: RunRecord
                    let program = HeapPoints.program(of: workload)
                    switch row {
                    case let .heap(kind):
                        record = try runChild(me, ["run-one", "--workload", workload, "--barrier", kind.rawValue] + sizes.arguments(for: workload) + heap)
                    case .control:
                        record = try runChild(me, ["run-one", "--workload", workload, "--barrier", "software"] + sizes.arguments(for: workload) + heap)
                        record.barrier = row.name
                    case .floor:
                        record = try runChild(me, ["run-one", "--workload", workload, "--barrier", BarrierKind.none.rawValue] + sizes.arguments(for: workload) + heap)
                    case let .peer(incremental):
                        record = try JSONDecoder().decode(RunRecord.self, from: BoehmPeer.runPeer(
                            program, sizes: sizes.peerArguments(for: program), incremental: incremental, heapBytes: point.heapBytes))
                        record.heapLimitBytes = point.heapBytes
                    case let .hotspot(collector):
                        record = try JSONDecoder().decode(RunRecord.self, from: HotSpotPeer.run(
                            program, sizes: sizes.peerArguments(for: program), collector: collector, heapBytes: point.heapBytes ?? 256 << 20))
                    }
                    record.workload = name
                    record.heapMultiple = point.multiple
                    runs[name, default: [:]][row.name, default: []].append(record)
                }
            }
        }

        var records: [RunRecord] = []
        for name in points.map(\.id) {
            let software = runs[name]?["software"]?.map(\.wallSeconds)
            for row in barriers {
                guard let rs = runs[name]?[row.name], var m = rs.first else { continue }
                m.repetitions = rs.count
                m.roundWallSeconds = rs.map(\.wallSeconds)
                m.wallSeconds = median(rs.map(\.wallSeconds))
                m.cpuSeconds = median(rs.map(\.cpuSeconds))
                m.safepointP95Seconds = median(rs.map(\.safepointP95Seconds))
                m.safepointMaxSeconds = median(rs.map(\.safepointMaxSeconds))
                m.mutatorSeconds = median(rs.map(\.mutatorSeconds))
                m.minorSeconds = median(rs.map(\.minorSeconds))
                m.majorSeconds = median(rs.map(\.majorSeconds))
                m.minorPauseMedianSeconds = median(rs.map(\.minorPauseMedianSeconds))
                m.minorPauseP95Seconds = median(rs.map(\.minorPauseP95Seconds))
                m.minorPauseMaxSeconds = median(rs.map(\.minorPauseMaxSeconds))
                m.minorPauseP99Seconds = median(rs.map(\.minorPauseP99Seconds))
                m.minorCollections = median(rs.map(\.minorCollections))
                m.majorCollections = median(rs.map(\.majorCollections))
                m.dirtyPages = median(rs.map(\.dirtyPages))
                m.dirtyCards = median(rs.map(\.dirtyCards))
                m.scanCalls = median(rs.map(\.scanCalls))
                m.writeFaults = median(rs.map(\.writeFaults))
                m.peakRSSBytes = median(rs.map(\.peakRSSBytes))
                m.promotedBytes = median(rs.map(\.promotedBytes))
                m.collectorSuspends = median(rs.map(\.collectorSuspends))
                m.rearmCalls = median(rs.map(\.rearmCalls))
                m.collectorFaultPages = median(rs.map(\.collectorFaultPages))
                m.majorPauseP95Seconds = median(rs.map(\.majorPauseP95Seconds))
                m.majorPauseMaxSeconds = median(rs.map(\.majorPauseMaxSeconds))
                m.markRounds = median(rs.map(\.markRounds))
                m.markRoundPauses = median(rs.map(\.markRoundPauses))
                m.pagesRemarked = median(rs.map(\.pagesRemarked))
                m.forcedFinishes = median(rs.map(\.forcedFinishes))
                m.steadyMinorSeconds = median(rs.map(\.steadyMinorSeconds))
                m.roundSteadyMinorSeconds = m.steadyMinorSeconds.map { _ in rs.map { $0.steadyMinorSeconds ?? 0 } }
                if let software, software.count == rs.count {
                    let ratios = zip(rs, software).map { $0.wallSeconds / $1 }
                    m.ratioToSoftware = median(ratios)
                    m.ratioMin = ratios.min()
                    m.ratioMax = ratios.max()
                }
                records.append(m)
            }
        }
        print(SuiteReport.table(records))
        print(SuiteReport.targets(records))
        print(SuiteReport.crossover(records))
        print(SuiteReport.fixedCost(records))
        print(SuiteReport.scaling(records))
        print(SuiteReport.majors(records))
        if let path = args.options["json"] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(records).write(to: URL(fileURLWithPath: path))
        }
        if let path = args.options["svg"] { try SuiteReport.svg(records).write(toFile: path, atomically: true, encoding: .utf8) }
        if !args.flags.contains("no-tracker") {
            print("\n## Tracker micro-benchmark (64 MiB)\n")
            _ = TrackerBenchmark.run(["--sizes", "64M", "--repetitions", "3"])
        }
        printError(String(format: "gcbench: done in %.0f s", Date().timeIntervalSince(start)))
        return 0
    }

    /// `gcbench report SUITE.json [--svg FILE]`: the table, targets and chart
    /// of a suite run saved with --json, without measuring again.
    static let reportUsage = """
    usage: gcbench report SUITE.json [--svg FILE]
      The tables of a suite run saved with --json (and its chart with --svg), without measuring again.
    """

    static func report(_ words: [String]) -> Int32 {
        Subcommand.run("report", usage: reportUsage, words) { words in
            let args = try Arguments(words, options: ["svg"])
            guard args.positional.count == 1 else { throw UsageError("report takes one SUITE.json file, not \(args.positional.count)") }
            let records = try JSONDecoder().decode([RunRecord].self, from: Data(contentsOf: URL(fileURLWithPath: args.positional[0])))
            print(SuiteReport.table(records))
            print(SuiteReport.targets(records))
            print(SuiteReport.crossover(records))
            print(SuiteReport.fixedCost(records))
            print(SuiteReport.scaling(records))
            if let path = args.options["svg"] { try SuiteReport.svg(records).write(toFile: path, atomically: true, encoding: .utf8) }
            return 0
        }
    }

    /// Runs `gcbench run-one ...` and decodes its record; a failed
    /// validation in the child is a failed suite.
    static func runChild(_ executable: URL, _ arguments: [String]) throws -> RunRecord {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw WorkloadFailure("\(arguments[2]) under \(arguments[4]) failed (exit \(p.terminationStatus))")
        }
        return try JSONDecoder().decode(RunRecord.self, from: data)
    }
}
