import Foundation
import XCTest
import GCHeap
import WriteWatch
@testable import gcbench

/// The command line's contract: every subcommand answers --help with its
/// usage and status 0; every mistake is named on standard error with
/// status 2, before anything runs; no option is ignored.
final class CommandLineTests: XCTestCase {
    static let subcommands = ["run-one", "minheap", "replay", "tracker", "peer", "report", "probe"]

    func assertUsageError(_ o: Outcome, _ expected: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(o.status, 2, "status; stderr: \(o.stderr)", file: file, line: line)
        XCTAssertEqual(o.stdout, "", "nothing on standard output", file: file, line: line)
        for e in expected { XCTAssertTrue(o.stderr.contains(e), "stderr lacks '\(e)': \(o.stderr)", file: file, line: line) }
        XCTAssertTrue(o.stderr.contains("--help"), "the error says where the usage is: \(o.stderr)", file: file, line: line)
    }

    func testEverySubcommandAnswersHelpWithItsUsage() throws {
        for name in Self.subcommands {
            for help in ["--help", "-h"] {
                let o = try gcbench(name, help)
                XCTAssertEqual(o.status, 0, "\(name) \(help): \(o.stderr)")
                XCTAssertTrue(o.stdout.hasPrefix("usage: gcbench \(name)"), "\(name) \(help) printed: \(o.stdout)")
                XCTAssertEqual(o.stderr, "", "\(name) \(help)")
            }
        }
        // Help wins wherever it is, even after other words.
        let late = try gcbench("run-one", "--workload", "binarytrees", "--help")
        XCTAssertEqual(late.status, 0)
        XCTAssertTrue(late.stdout.hasPrefix("usage: gcbench run-one"))
    }

    func testTheSuitesHelpListsEverySubcommand() throws {
        for help in ["--help", "-h", "help"] {
            let o = try gcbench(help)
            XCTAssertEqual(o.status, 0, help)
            for name in Self.subcommands { XCTAssertTrue(o.stdout.contains("gcbench \(name)"), "\(help) does not list \(name)") }
            XCTAssertTrue(o.stdout.contains("--workloads"), "\(help) shows the suite's options")
        }
    }

    func testAnUnknownOptionIsNamedAsUnknown() throws {
        assertUsageError(try gcbench("--bogus"), "unknown option --bogus")
        assertUsageError(try gcbench("run-one", "--full"), "unknown option --full")
        assertUsageError(try gcbench("run-one", "--workload", "gcbench", "-x"), "unknown option -x")
        assertUsageError(try gcbench("replay", "trace.txt", "--bogus"), "unknown option --bogus")
        assertUsageError(try gcbench("tracker", "--bogus"), "unknown option --bogus")
        assertUsageError(try gcbench("peer", "--bogus"), "unknown option --bogus")
        assertUsageError(try gcbench("report", "suite.json", "--bogus"), "unknown option --bogus")
        assertUsageError(try gcbench("probe", "--bogus"), "unknown option --bogus")
        assertUsageError(try gcbench("nosuch"), "unknown subcommand 'nosuch'", "run-one")
    }

    func testAMissingValueIsNamedAndNeverTakenFromTheNextOption() throws {
        assertUsageError(try gcbench("run-one", "--workload"), "option --workload needs a value")
        assertUsageError(try gcbench("run-one", "--workload", "--barrier", "software"), "option --workload needs a value")
        assertUsageError(try gcbench("run-one", "--workload", "gcbench", "--workload", "gcold"), "option --workload is given twice")
    }

    func testAnUnknownWorkloadIsNamedWithTheList() throws {
        for name in ["nosuch", "binarytrees:2", "store-sweep:0", "mt-gcbench:x", "scheme:nosuch"] {
            let o = try gcbench("run-one", "--workload", name, "--barrier", "software")
            assertUsageError(o, "unknown workload \(name)")
            for family in WorkloadOptions.families { XCTAssertTrue(o.stderr.contains(family.name), "\(name): the list lacks \(family.name)") }
        }
        assertUsageError(try gcbench("--workloads", "gcbench,nosuch"), "unknown workload nosuch")
    }

    func testAnOptionTheWorkloadDoesNotTakeIsAnError() throws {
        assertUsageError(try gcbench("run-one", "--workload", "binarytrees", "--threads", "2"), "--threads", "binarytrees")
        assertUsageError(try gcbench("run-one", "--workload", "gcbench", "--binarytrees-n", "5"), "--binarytrees-n", "gcbench")
        assertUsageError(try gcbench("run-one", "--workload", "mt-binarytrees:2", "--threads", "2"), "--threads", "mt-binarytrees:2")
        assertUsageError(try gcbench("--workloads", "binarytrees,gcold", "--store-sweep", "4"), "--store-sweep", "binarytrees, gcold")
        assertUsageError(try gcbench("peer", "--workload", "gcbench", "--binarytrees-n", "5"), "--binarytrees-n", "gcbench")
        // A family that is several runs is not silently cut to its first.
        assertUsageError(try gcbench("run-one", "--workload", "mt-binarytrees", "--threads", "1,2"), "mt-binarytrees:1, mt-binarytrees:2")
    }

    struct Described: WorkloadVisitor {
        func visit<W: Workload>(_ workload: W) -> (name: String, threads: Int?, parameters: String) {
            (workload.name, (workload as? any ThreadedWorkload)?.threadCount, workload.parameters)
        }
    }

    func testSuffixedNamesRunTheirPoint() throws {
        let sizes = try WorkloadOptions()
        let cases: [(String, Int?)] = [("mt-binarytrees:2", 2), ("mt-gcbench:3", 3), ("shared-store:4", 4),
                                       ("store-sweep:16", nil), ("remset-sweep:4", nil), ("scheme:tak", nil)]
        for (name, threads) in cases {
            let plan = try RunOneCommand.plan(["--workload", name, "--barrier", "software"])
            XCTAssertEqual(plan.workload, name)
            let d = try sizes.withWorkload(named: plan.workload, Described())
            XCTAssertEqual(d.name, name)
            XCTAssertEqual(d.threads, threads, name)
        }
        XCTAssertEqual(try sizes.withWorkload(named: "store-sweep:16", Described()).parameters.contains("16 stores per touched page"), true)
        // The bare name with one value of its list is that point.
        XCTAssertEqual(try RunOneCommand.plan(["--workload", "mt-binarytrees", "--threads", "3", "--barrier", "software"]).workload, "mt-binarytrees:3")
        XCTAssertEqual(try RunOneCommand.plan(["--workload", "store-sweep", "--store-sweep", "8", "--barrier", "software"]).workload, "store-sweep:8")
    }

    func testSizesTakeSuffixesAndBadOnesAreNamed() throws {
        XCTAssertEqual(parseBytes("4096"), 4096)
        XCTAssertEqual(parseBytes("64k"), 64 << 10)
        XCTAssertEqual(parseBytes("256m"), 256 << 20)
        XCTAssertEqual(parseBytes("2G"), 2 << 30)
        for bad in ["", "m", "-1m", "1.5g", "12x", "1 m", "99999999999999999g", "+4k"] {
            XCTAssertNil(parseBytes(bad), bad)
        }
        let plan = try RunOneCommand.plan(["--workload", "binarytrees", "--heap", "256m", "--nursery", "16m", "--barrier", "software"])
        let c = try plan.sizes.sized(.benchmark())
        XCTAssertEqual(c.heapLimitBytes, 256 << 20)
        XCTAssertEqual(c.policy.nurseryBytes, 16 << 20)
        XCTAssertEqual(try RunOneCommand.plan(["--workload", "gcold", "--heap", "96m", "--barrier", "software"]).sizes.sized(.benchmark()).policy.nurseryBytes,
                       16 << 20, "derived: a sixth of the limit")
        for (words, text) in [(["--heap", "12x"], "--heap takes a size"), (["--heap", "0"], "--heap takes a size"),
                              (["--heap", "4t"], "--heap takes a size"), (["--nursery", "1k"], "--nursery must be 64 KiB to 1 GiB"),
                              (["--heap", "2g", "--nursery", "2g"], "--nursery must be")] {
            XCTAssertThrowsError(try RunOneCommand.plan(["--workload", "gcbench", "--barrier", "software"] + words)) {
                XCTAssertTrue("\($0)".contains(text), "\(words): \($0)")
            }
        }
        let o = try gcbench("run-one", "--workload", "gcbench", "--heap", "lots", "--barrier", "software")
        XCTAssertEqual(o.status, 2, o.stderr)
        XCTAssertTrue(o.stderr.contains("--heap takes a size"), o.stderr)
    }

    func testTheMinimumHeapSearchFindsTheBoundary() {
        for boundary in [1 << 20, 3 << 20, 77 << 20, 4 << 30] {
            let found = MinHeapCommand.search(low: 1 << 20, high: 4 << 30) { $0 >= boundary }
            XCTAssertNotNil(found)
            if let found { XCTAssertTrue(found >= boundary && found - boundary <= max(256 << 10, found / 32), "\(boundary): \(found)") }
        }
        XCTAssertNil(MinHeapCommand.search(low: 1 << 20, high: 4 << 30) { _ in false })
    }

    func testAHeapTooSmallFailsWithTheExhaustionErrorAndMinheapFindsOneThatFits() throws {
        let small = try gcbench("run-one", "--workload", "binarytrees", "--binarytrees-n", "16", "--heap", "2m", "--barrier", "software")
        XCTAssertEqual(small.status, 1, small.stderr)
        XCTAssertTrue(small.stderr.contains("heap exhausted") && small.stderr.contains("bytes live"), small.stderr)
        let o = try gcbench("minheap", "--workload", "binarytrees", "--binarytrees-n", "16", "--barrier", "software")
        XCTAssertEqual(o.status, 0, o.stderr)
        guard let minimum = Int(o.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else { return XCTFail(o.stdout) }
        XCTAssertGreaterThan(minimum, 2 << 20, "2 MiB failed above, so the minimum is larger")
        let fits = try gcbench("run-one", "--workload", "binarytrees", "--binarytrees-n", "16", "--heap", "\(minimum)", "--barrier", "software")
        XCTAssertEqual(fits.status, 0, fits.stderr)
    }

    func testAThreadedPointRunsOnItsThreads() throws {
        let o = try gcbench("run-one", "--workload", "mt-binarytrees:2", "--mt-binarytrees-n", "4", "--barrier", "software")
        XCTAssertEqual(o.status, 0, o.stderr)
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(o.stdout.utf8))
        XCTAssertEqual(record.workload, "mt-binarytrees:2")
        XCTAssertEqual(record.threads, 2)
        XCTAssertEqual(record.parameters, "N = 4, 2 threads")
    }

    func testABadBarrierListsEveryBarrierAccepted() throws {
        let o = try gcbench("run-one", "--workload", "gcbench", "--barrier", "bogus")
        assertUsageError(o, "unknown barrier 'bogus'")
        for kind in BarrierKind.allCases { XCTAssertTrue(o.stderr.contains(kind.rawValue), "lacks \(kind.rawValue): \(o.stderr)") }
        XCTAssertTrue(o.stderr.contains("auto"))
        assertUsageError(try gcbench("replay", "trace.txt", "--barrier", "bogus"), "unknown barrier 'bogus'", "software-cond", "none")
    }

    func testAutoFallsBackToSoftwareAndSaysWhy() throws {
        // Every userfaultfd feature hidden: the hardware barrier is unavailable.
        let plan = try RunOneCommand.plan(["--workload", "gcbench", "--barrier", "auto"], probe: Probe.run(maskedFeatures: ~0))
        XCTAssertEqual(plan.barrier, .software)
        XCTAssertTrue(plan.notice?.contains("falling back to the software barrier") == true, "\(plan.notice ?? "no notice")")
        XCTAssertTrue(plan.notice?.contains("UFFD_FEATURE_WP_ASYNC") == true, "the notice says why: \(plan.notice ?? "")")
        // Where the probe finds it, auto is hardware, with nothing to say.
        let here = try RunOneCommand.plan(["--workload", "gcbench"], probe: Probe.run())
        if BarrierKind.hardware.availability(Probe.run()).isAvailable {
            XCTAssertEqual(here.barrier, .hardware)
            XCTAssertNil(here.notice)
        } else {
            XCTAssertEqual(here.barrier, .software)
        }
    }

    func testRunOneAndTheSuiteShareTheirDefaults() throws {
        let plan = try RunOneCommand.plan(["--workload", "binarytrees", "--barrier", "software"])
        let suite = try WorkloadOptions(Arguments(["--workloads", "binarytrees"], options: ["workloads"]))
        XCTAssertEqual(try plan.sizes.withWorkload(named: "binarytrees", Described()).parameters,
                       try suite.withWorkload(named: "binarytrees", Described()).parameters)
        XCTAssertEqual(try plan.sizes.withWorkload(named: "binarytrees", Described()).parameters, "N = 19")
        XCTAssertTrue(RunOneCommand.usage.contains("binarytrees, binarytrees-c (default 19)"))
        XCTAssertTrue(SuiteCommand.usage.contains("binarytrees, binarytrees-c (default 19)"))
        XCTAssertEqual(try WorkloadOptions(full: true).binaryTreesN, 21, "--full keeps the published size")
    }

    /// The suite passes each child only the options its point takes, so
    /// every child command line it builds is one run-one accepts.
    func testEveryChildCommandLineOfTheSuiteParses() throws {
        for full in [false, true] {
            let sizes = try WorkloadOptions(full: full)
            let points = try WorkloadOptions.families.flatMap { (f) throws(UsageError) in try sizes.points(f.name) }
            XCTAssertGreaterThan(points.count, WorkloadOptions.families.count)
            for point in points {
                let words = ["--workload", point, "--barrier", "software"] + sizes.arguments(for: point)
                XCTAssertNoThrow(try RunOneCommand.plan(words), words.joined(separator: " "))
                let plan = try RunOneCommand.plan(words)
                XCTAssertEqual(try plan.sizes.withWorkload(named: point, Described()).parameters,
                               try sizes.withWorkload(named: point, Described()).parameters, point)
            }
        }
    }
}
