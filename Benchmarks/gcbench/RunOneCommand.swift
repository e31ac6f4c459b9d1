import Foundation
import GCHeap
import WriteWatch

/// `gcbench run-one --workload W --barrier B [sizes]`: one measured run,
/// printed as one JSON record. The suite runs each in its own process so
/// that peak RSS and fault counts belong to that run alone.
enum RunOneCommand {
    static func run(_ words: [String]) -> Int32 {
        do {
            return try execute(words)
        } catch let e as UsageError {
            printError("\(e)")
            return 2
        } catch {
            printError("run-one: \(error)")
            return 1
        }
    }

    static func execute(_ words: [String]) throws -> Int32 {
            let args = try Arguments(words, flags: [])
            try args.only(Set(["workload", "barrier"]).union(WorkloadOptions.names))
            let sizes = try WorkloadOptions(args)
            guard let kind = BarrierKind(rawValue: args.options["barrier"] ?? "") else {
                throw UsageError("run-one needs --barrier hardware|software|mprotect|uffd-sync")
            }
            guard let name = args.options["workload"],
                  let record = try sizes.withWorkload(named: name, MeasureWorkload(kind: kind, majorMode: sizes.majorMode)) else {
                throw UsageError("run-one needs --workload (\(WorkloadOptions.workloadNames))")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(record) + Data("\n".utf8))
            return 0
    }

    /// Both choices are made with concrete types, so that `run` is
    /// specialised for the workload and the barrier: calling it through
    /// `any Workload` would leave every allocation and store in the inner
    /// loops a generic call, and hide the barrier's cost behind it.
    struct MeasureWorkload: WorkloadVisitor {
        let kind: BarrierKind
        let majorMode: HeapConfiguration.MajorMode
        func visit<W: Workload>(_ workload: W) throws -> RunRecord { try kind.accept(Measure(workload: workload, majorMode: majorMode)) }
    }

    struct Measure<W: Workload>: BarrierVisitor {
        let workload: W
        let majorMode: HeapConfiguration.MajorMode

        func visit<B: Barrier>(_: B.Type) throws -> RunRecord {
            var configuration = workload.configuration
            configuration.majorMode = majorMode
            let heap = try Heap<B>(configuration: configuration)
            var before = rusage(), after = rusage()
            getrusage(Int32(RUSAGE_SELF.rawValue), &before)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let summary = try workload.run(heap)
            // A concurrent cycle still under way is part of this run's cost:
            // wait for the marker to finish it.
            heap.waitForConcurrentMajor()
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            getrusage(Int32(RUSAGE_SELF.rawValue), &after)
            let s = heap.statistics
            let minor = Double(s.minorNanoseconds) / 1e9, major = Double(s.majorNanoseconds) / 1e9
            func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
            let cpu = seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) - seconds(before.ru_stime)
            let sweep = workload as? any SweepWorkload
            let threads = (workload as? any ThreadedWorkload)?.threadCount
            return RunRecord(
                workload: workload.name, barrier: B.name, parameters: workload.parameters, summary: summary,
                wallSeconds: wall, cpuSeconds: cpu, mutatorSeconds: wall - minor - major, minorSeconds: minor, majorSeconds: major,
                minorPauseMedianSeconds: percentile(s.minorPauses, 0.5), minorPauseP95Seconds: percentile(s.minorPauses, 0.95),
                minorPauseMaxSeconds: percentile(s.minorPauses, 1.0),
                minorCollections: s.minorCollections, majorCollections: s.majorCollections,
                dirtyPages: s.dirtyPages, dirtyCards: s.dirtyCards, scanCalls: s.scanCalls,
                writeFaults: after.ru_minflt - before.ru_minflt, peakRSSBytes: after.ru_maxrss * 1024,
                promotedBytes: s.promotedBytes, collectorSuspends: s.collectorSuspends, rearmCalls: s.rearmCalls,
                collectorFaultPages: s.collectorFaultPages, stores: sweep?.stores, pageTouches: sweep?.pageTouches,
                threads: threads, safepointP95Seconds: threads.map { _ in percentile(s.timeToSafepointNanoseconds, 0.95) },
                safepointMaxSeconds: threads.map { _ in percentile(s.timeToSafepointNanoseconds, 1.0) },
                majorMode: majorMode.rawValue,
                majorPauseP95Seconds: percentile(s.majorPauses, 0.95), majorPauseMaxSeconds: percentile(s.majorPauses, 1.0),
                markRounds: s.markRounds, markRoundPauses: s.markRoundPauses, pagesRemarked: s.pagesRemarked,
                forcedFinishes: s.forcedFinishes)
        }
    }
}

/// The size options every workload takes, shared by the suite and run-one.
struct WorkloadOptions {
    static let names: Set<String> = ["binarytrees-n", "mt-binarytrees-n", "gcold", "promoted-stores", "remset-sweep", "store-sweep", "gcbench-stretch", "threads", "major"]
    static let workloadNames = "gcbench, gcbench-c, binarytrees, gcold, promoted-store, remset-sweep, remset-sweep:K, store-sweep, store-sweep:K, scheme, scheme:NAME, mt-gcbench, mt-binarytrees, shared-store (each also NAME:THREADS)"
    static let threadedNames = ["mt-gcbench", "mt-binarytrees", "shared-store"]

    var binaryTreesN = 21
    var threadedBinaryTreesN = 21
    var gcold = GCOldWorkload()
    var promotedStores = 30_000_000
    var sweep = RemsetSweepWorkload.defaultSweep
    var storeSweep = StoreSweepWorkload.defaultSweep
    /// Thread counts the threaded workloads run at.
    var threads = [1, 2]
    var gcbenchStretch = 18
    /// How the heap runs major collections (`--major stw|concurrent`).
    var majorMode = HeapConfiguration.MajorMode.stopTheWorld

    init(_ args: Arguments) throws(UsageError) {
        if let m = args.options["major"] {
            guard let mode = HeapConfiguration.MajorMode(rawValue: m) else { throw UsageError("--major takes stw or concurrent, not '\(m)'") }
            majorMode = mode
        }
        binaryTreesN = try args.int("binarytrees-n", default: binaryTreesN)
        threadedBinaryTreesN = try args.int("mt-binarytrees-n", default: threadedBinaryTreesN)
        promotedStores = try args.int("promoted-stores", default: promotedStores)
        gcbenchStretch = try args.int("gcbench-stretch", default: gcbenchStretch)
        if let g = args.options["gcold"] {
            let n = g.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
            guard n.count == 5, n.allSatisfy({ $0 > 0 }) else { throw UsageError("--gcold takes five positive numbers: 'live work ratio mutations steps'") }
            gcold = GCOldWorkload(liveMegabytes: n[0], work: n[1], ratio: n[2], mutations: n[3], steps: n[4])
        }
        sweep = try Self.sweepList(args, "remset-sweep", default: sweep)
        storeSweep = try Self.sweepList(args, "store-sweep", default: storeSweep)
        threads = try Self.sweepList(args, "threads", default: threads)
    }

    /// The words to pass on to a child run-one.
    var arguments: [String] {
        ["--binarytrees-n", "\(binaryTreesN)", "--mt-binarytrees-n", "\(threadedBinaryTreesN)", "--promoted-stores", "\(promotedStores)", "--gcbench-stretch", "\(gcbenchStretch)",
         "--gcold", gcold.parameters, "--remset-sweep", sweep.map(String.init).joined(separator: ","),
         "--store-sweep", storeSweep.map(String.init).joined(separator: ","),
         "--threads", threads.map(String.init).joined(separator: ","), "--major", majorMode.rawValue]
    }

    /// A `--NAME 1,4,16` list of stores per page.
    static func sweepList(_ args: Arguments, _ name: String, default value: [Int]) throws(UsageError) -> [Int] {
        guard let text = args.options[name] else { return value }
        let list = text.split(separator: ",").map { Int($0) }
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) > 0 }) else { throw UsageError("--\(name) takes stores per page such as 1,4,16, not '\(text)'") }
        return list.map { $0! }
    }

    /// GCBench at the chosen stretch depth (long-lived and maximum depth two less).
    var gcbench: GCBenchWorkload {
        GCBenchWorkload(stretchDepth: gcbenchStretch, longLivedDepth: gcbenchStretch - 2, maxDepth: gcbenchStretch - 2)
    }

    /// Runs `visitor` with the named workload as a concrete type; nil for
    /// an unknown name.
    func withWorkload<V: WorkloadVisitor>(named name: String, _ visitor: V) throws -> V.Output? {
        switch name {
        case "gcbench": return try visitor.visit(gcbench)
        case "gcbench-c": return try visitor.visit(GCBenchCWorkload(gcbench: gcbench))
        case "binarytrees": return try visitor.visit(BinaryTreesWorkload(n: binaryTreesN))
        case "gcold": return try visitor.visit(gcold)
        case "promoted-store": return try visitor.visit(PromotedStoreWorkload(stores: promotedStores))
        default:
            if name.hasPrefix("remset-sweep:"), let k = Int(name.dropFirst("remset-sweep:".count)), k > 0 {
                return try visitor.visit(RemsetSweepWorkload(storesPerPage: k))
            }
            if name.hasPrefix("store-sweep:"), let k = Int(name.dropFirst("store-sweep:".count)), k > 0 {
                return try visitor.visit(StoreSweepWorkload(storesPerPage: k))
            }
            let parts = name.split(separator: ":")
            if parts.count <= 2, Self.threadedNames.contains(String(parts[0])) {
                // NAME:N, or NAME with the first of --threads.
                guard let n = parts.count == 2 ? Int(parts[1]) : threads.first, n >= 1, n <= 64 else { return nil }
                switch parts[0] {
                case "mt-gcbench":
                    return try visitor.visit(MTGCBenchWorkload(threads: n, gcbench: gcbench))
                case "mt-binarytrees": return try visitor.visit(BinaryTreesWorkload(n: threadedBinaryTreesN, threads: n))
                default: return try visitor.visit(SharedStoreWorkload(threads: n))
                }
            }
            if name.hasPrefix("scheme:"), SchemeWorkload.programs.contains(String(name.dropFirst("scheme:".count))) {
                return try visitor.visit(SchemeWorkload(program: String(name.dropFirst("scheme:".count))))
            }
            return nil
        }
    }

    func isKnown(_ name: String) -> Bool { (try? withWorkload(named: name, NameOnly())) != nil }

    private struct NameOnly: WorkloadVisitor {
        func visit<W: Workload>(_ workload: W) -> String { workload.name }
    }

    /// Expands the suite's workload names into runnable names.
    func expand(_ names: [String]) -> [String] {
        names.flatMap { name -> [String] in
            switch name {
            case "remset-sweep": sweep.map { "remset-sweep:\($0)" }
            case "store-sweep": storeSweep.map { "store-sweep:\($0)" }
            case _ where Self.threadedNames.contains(name): threads.map { "\(name):\($0)" }
            case "scheme": SchemeWorkload.programs.map { "scheme:\($0)" }
            default: [name]
            }
        }
    }
}
