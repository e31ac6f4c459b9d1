import Foundation
import GCHeap
import WriteWatch

/// `gcbench` with no arguments: every workload under every barrier the
/// probe allows, barriers interleaved across repetitions, each run in its
/// own process; one table of medians with each barrier's ratio to software.
enum SuiteCommand {
    static let usage = """
    usage: gcbench [--workloads LIST] [--barriers LIST] [--repetitions N] [--json FILE] [--svg FILE]
                   [--full] [--binarytrees-n N] [--gcold 'LIVE WORK RATIO MUTATIONS STEPS']
                   [--promoted-stores N] [--remset-sweep 1,4,16,...] [--gcbench-stretch D] [--no-tracker]
      workloads: gcbench, binarytrees, gcold, promoted-store, remset-sweep, scheme or scheme:NAME
                 (default: all, then the tracker benchmark)
      barriers:  hardware, software, mprotect, uffd-sync (default: all the probe allows)
      --full:    the published sizes (binarytrees N=21, GCOld 50 1 20 10 10000); takes well over 10 minutes here
    """

    static func run(_ words: [String]) -> Int32 {
        do { return try execute(words) } catch let e as UsageError {
            printError("\(e)\n\(usage)")
            return 2
        } catch {
            printError("gcbench: \(error)")
            return 1
        }
    }

    static func execute(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, flags: ["full", "no-tracker"])
        try args.only(Set(["workloads", "barriers", "repetitions", "json", "svg"]).union(WorkloadOptions.names))
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        // The default sizes are scaled to finish in under 10 minutes on 2
        // cores; --full or explicit sizes restore the published ones.
        var defaults = args.options
        if !args.flags.contains("full") {
            defaults["binarytrees-n"] = defaults["binarytrees-n"] ?? "19"
            defaults["gcold"] = defaults["gcold"] ?? "50 1 20 10 2000"
        }
        var scaled = args
        scaled.options = defaults
        let sizes = try WorkloadOptions(scaled)
        let names = sizes.expand((args.options["workloads"] ?? "gcbench,binarytrees,gcold,promoted-store,remset-sweep,scheme")
            .split(separator: ",").map(String.init))
        for n in names where !sizes.isKnown(n) { throw UsageError("unknown workload '\(n)' (\(WorkloadOptions.workloadNames))") }
        let probe = Probe.run()
        var barriers: [BarrierKind] = []
        for name in (args.options["barriers"] ?? "hardware,software,mprotect,uffd-sync").split(separator: ",") {
            guard let kind = BarrierKind(rawValue: String(name)), kind != .none else {
                throw UsageError("unknown barrier '\(name)': use hardware, software, mprotect, uffd-sync")
            }
            if case let .unavailable(reason) = kind.availability(probe) {
                printError("gcbench: skipping \(kind.rawValue): \(reason)")
                continue
            }
            barriers.append(kind)
        }
        if !barriers.contains(.software) { printError("gcbench: software is not among the barriers: no ratios") }
        let repetitions = max(1, try args.int("repetitions", default: 5))
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()

        print("# gcbench on \(probe.kernel), \(ProcessInfo.processInfo.activeProcessorCount) cores; \(repetitions) repetitions, barriers interleaved")
        print("# sizes: binarytrees N=\(sizes.binaryTreesN), gcold \(sizes.gcold.parameters), promoted-store \(sizes.promotedStores) stores, gcbench stretch depth \(sizes.gcbenchStretch)"
              + (args.flags.contains("full") ? "" : " (scaled to fit 10 minutes; --full for the published sizes)"))

        var runs: [String: [String: [RunRecord]]] = [:]
        let total = names.count * barriers.count * repetitions
        var done = 0
        let start = Date()
        for name in names {
            for rep in 0..<repetitions {
                // Alternate the order too, so neither barrier always runs first.
                let order = rep % 2 == 0 ? barriers : barriers.reversed()
                for kind in order {
                    done += 1
                    printError(String(format: "[%3d/%d %5.0fs] %@ %@ (repetition %d)", done, total, Date().timeIntervalSince(start), name, kind.rawValue, rep + 1))
                    let record = try runChild(me, ["run-one", "--workload", name, "--barrier", kind.rawValue] + sizes.arguments)
                    runs[name, default: [:]][kind.rawValue, default: []].append(record)
                }
            }
        }

        var records: [RunRecord] = []
        for name in names {
            let software = runs[name]?["software"].map { median($0.map(\.wallSeconds)) }
            for kind in barriers {
                guard let rs = runs[name]?[kind.rawValue], var m = rs.first else { continue }
                m.repetitions = rs.count
                m.wallSeconds = median(rs.map(\.wallSeconds))
                m.mutatorSeconds = median(rs.map(\.mutatorSeconds))
                m.minorSeconds = median(rs.map(\.minorSeconds))
                m.majorSeconds = median(rs.map(\.majorSeconds))
                m.minorPauseMedianSeconds = median(rs.map(\.minorPauseMedianSeconds))
                m.minorPauseP95Seconds = median(rs.map(\.minorPauseP95Seconds))
                m.minorPauseMaxSeconds = median(rs.map(\.minorPauseMaxSeconds))
                m.minorCollections = median(rs.map(\.minorCollections))
                m.majorCollections = median(rs.map(\.majorCollections))
                m.dirtyPages = median(rs.map(\.dirtyPages))
                m.dirtyCards = median(rs.map(\.dirtyCards))
                m.scanCalls = median(rs.map(\.scanCalls))
                m.writeFaults = median(rs.map(\.writeFaults))
                m.peakRSSBytes = median(rs.map(\.peakRSSBytes))
                m.promotedBytes = median(rs.map(\.promotedBytes))
                m.collectorSuspends = rs[0].collectorSuspends.map { _ in median(rs.map { $0.collectorSuspends ?? 0 }) }
                m.rearmCalls = rs[0].rearmCalls.map { _ in median(rs.map { $0.rearmCalls ?? 0 }) }
                m.collectorFaultPages = rs[0].collectorFaultPages.map { _ in median(rs.map { $0.collectorFaultPages ?? 0 }) }
                m.ratioToSoftware = software.map { m.wallSeconds / $0 }
                records.append(m)
            }
        }
        print(SuiteReport.table(records))
        print(SuiteReport.targets(records))
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
    static func report(_ words: [String]) -> Int32 {
        do {
            let args = try Arguments(words, flags: [])
            try args.only(["svg"])
            guard args.positional.count == 1 else { throw UsageError("usage: gcbench report SUITE.json [--svg FILE]") }
            let records = try JSONDecoder().decode([RunRecord].self, from: Data(contentsOf: URL(fileURLWithPath: args.positional[0])))
            print(SuiteReport.table(records))
            print(SuiteReport.targets(records))
            if let path = args.options["svg"] { try SuiteReport.svg(records).write(toFile: path, atomically: true, encoding: .utf8) }
            return 0
        } catch let e as UsageError {
            printError("\(e)")
            return 2
        } catch {
            printError("gcbench report: \(error)")
            return 1
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
