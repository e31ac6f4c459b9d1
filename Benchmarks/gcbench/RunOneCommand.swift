import Foundation
import GCHeap
import WriteWatch

/// `gcbench run-one --workload W --barrier B [sizes]`: one measured run,
/// printed as one JSON record. The suite runs each in its own process so
/// that peak RSS and fault counts belong to that run alone.
enum RunOneCommand {
    static var usage: String {
        let d = try! WorkloadOptions()
        return """
        usage: gcbench run-one --workload W [--barrier B] [--major stw|concurrent] [--heap BYTES] [--nursery BYTES] [size options]
          One measured run of one workload, printed on standard output as one JSON record.
          workloads: \(WorkloadOptions.workloadList)
          barriers:  \(BarrierKind.namesForCommandLine) (default auto: hardware where this machine
                     has it, else software, saying why on standard error)
          --heap BYTES               the heap limit, young and old together (suffixes k, m, g: 256m);
                                     every other size is derived from it (default: the workload's own)
          --nursery BYTES            eden, overriding the size derived from the limit
          size options, each taken only by the workloads named (the defaults are the suite's):
            --gcbench-stretch D        gcbench, gcbench-c, mt-gcbench (default \(d.gcbenchStretch))
            --binarytrees-n N          binarytrees, binarytrees-c (default \(d.binaryTreesN))
            --mt-binarytrees-n N       mt-binarytrees (default \(d.threadedBinaryTreesN))
            --gcold 'LIVE WORK RATIO MUTATIONS STEPS'   gcold, gcold-c (default '\(d.gcold.parameters)')
            --promoted-stores N        promoted-store (default \(d.promotedStores))
            --threads N                bare mt-gcbench, mt-binarytrees, shared-store: the same as NAME:N
            --remset-sweep K           bare remset-sweep: the same as remset-sweep:K
            --store-sweep K            bare store-sweep: the same as store-sweep:K
        """
    }

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("run-one", usage: usage, words, execute)
    }

    /// What a run-one command line asks for: one point, its sizes, a barrier.
    struct Plan {
        var workload: String
        var sizes: WorkloadOptions
        var barrier: BarrierKind
        /// Why `auto` fell back to software, if it did.
        var notice: String?
    }

    static func plan(_ words: [String], probe: @autoclosure () -> Probe = Probe.run()) throws(UsageError) -> Plan {
        let args = try Arguments(words, options: Set(["workload", "barrier"]).union(WorkloadOptions.names))
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        guard let name = args.options["workload"] else {
            throw UsageError("run-one needs --workload W, one of: \(WorkloadOptions.workloadList)")
        }
        let sizes = try WorkloadOptions(args)
        let points = try sizes.points(name)
        try WorkloadOptions.checkTaken(args.options.keys, by: [name])
        guard points.count == 1 else {
            throw UsageError("workload \(name) is \(points.count) runs here (\(points.joined(separator: ", "))) and run-one makes one: "
                             + "name one, such as --workload \(points[0])")
        }
        // A size the heap refuses stops the run here, before anything runs.
        _ = try sizes.sized(.benchmark())
        let (kind, notice) = try barrier(args.options["barrier"] ?? "auto", probe: probe())
        return Plan(workload: points[0], sizes: sizes, barrier: kind, notice: notice)
    }

    static func execute(_ words: [String]) throws -> Int32 {
        let plan = try plan(words)
        if let notice = plan.notice { printError("gcbench run-one: \(notice)") }
        let record = try plan.sizes.withWorkload(named: plan.workload, MeasureWorkload(kind: plan.barrier, sizes: plan.sizes))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(record) + Data("\n".utf8))
        return 0
    }

    /// The barrier `name` chooses on a machine with `probe`, with the notice
    /// `auto` gives when it falls back.
    static func barrier(_ name: String, probe: @autoclosure () -> Probe) throws(UsageError) -> (BarrierKind, String?) {
        guard let parsed = BarrierKind.parse(name, probe: probe()) else {
            throw UsageError("unknown barrier '\(name)': use one of \(BarrierKind.namesForCommandLine)")
        }
        return parsed
    }

    /// Both choices are made with concrete types, so that `run` is
    /// specialised for the workload and the barrier: calling it through
    /// `any Workload` would leave every allocation and store in the inner
    /// loops a generic call, and hide the barrier's cost behind it.
    struct MeasureWorkload: WorkloadVisitor {
        let kind: BarrierKind
        let sizes: WorkloadOptions
        func visit<W: Workload>(_ workload: W) throws -> RunRecord {
            try kind.accept(Measure(workload: workload, configuration: try sizes.sized(workload.configuration)))
        }
    }

    struct Measure<W: Workload>: BarrierVisitor {
        let workload: W
        let configuration: HeapConfiguration

        func visit<B: Barrier>(_: B.Type) throws -> RunRecord {
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
                minorPauseMedianSeconds: quantileSeconds(s.minorPauses, 0.5), minorPauseP95Seconds: quantileSeconds(s.minorPauses, 0.95),
                minorPauseMaxSeconds: quantileSeconds(s.minorPauses, 1.0), minorPauseP99Seconds: quantileSeconds(s.minorPauses, 0.99),
                minorCollections: s.minorCollections, majorCollections: s.majorCollections,
                dirtyPages: s.dirtyPages, dirtyCards: s.dirtyCards, scanCalls: s.scanCalls,
                writeFaults: after.ru_minflt - before.ru_minflt, peakRSSBytes: after.ru_maxrss * 1024,
                promotedBytes: s.promotedBytes, collectorSuspends: s.collectorSuspends, rearmCalls: s.rearmCalls,
                collectorFaultPages: s.collectorFaultPages, stores: sweep?.stores, pageTouches: sweep?.pageTouches,
                steadyMinorSeconds: (workload as? IdleOldWorkload)?.steady.secondsPerMinor,
                threads: threads, safepointP95Seconds: threads.map { _ in quantileSeconds(s.timeToSafepointNanoseconds, 0.95) },
                safepointMaxSeconds: threads.map { _ in quantileSeconds(s.timeToSafepointNanoseconds, 1.0) },
                majorMode: configuration.majorMode.rawValue,
                majorPauseP95Seconds: quantileSeconds(s.majorPauses, 0.95), majorPauseMaxSeconds: quantileSeconds(s.majorPauses, 1.0),
                markRounds: s.markRounds, markRoundPauses: s.markRoundPauses, pagesRemarked: s.pagesRemarked,
                forcedFinishes: s.forcedFinishes,
                heapLimitBytes: heap.policy.heapLimitBytes, nurseryBytes: heap.policy.nurseryBytes, releasedBytes: s.releasedBytes)
        }
    }
}

extension BarrierKind {
    /// Every name a `--barrier` option accepts, as the usage and errors list them.
    static var namesForCommandLine: String { (allCases.map(\.rawValue) + ["auto"]).joined(separator: ", ") }
}
