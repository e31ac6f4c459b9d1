import XCTest
import GCHeap
import WriteWatch
@testable import gcbench

/// binarytrees-c and gcold-c compute what binarytrees and gcold compute:
/// under every sound barrier both validate and their summaries (node
/// counts, mutation counts, checksums) are equal; under none each C
/// workload does what its Swift workload does (binarytrees stores only
/// young-to-young, so both pass; gcold loses grafted young trees, so both
/// fail, the C one with its check's message).
final class CWorkloadTests: XCTestCase {
    struct Run<W: Workload>: BarrierVisitor {
        let workload: W
        func visit<B: Barrier>(_: B.Type) throws -> (summary: Result<String, WorkloadFailure>, statistics: HeapStatistics) {
            var c = workload.configuration
            // Small enough for a debug build, with many minors.
            c.nurseryBytes = 256 << 10
            let heap = try Heap<B>(configuration: c)
            do { return (.success(try workload.run(heap)), heap.statistics) } catch let failure as WorkloadFailure {
                return (.failure(failure), heap.statistics)
            }
        }
    }

    static let binaryTrees = BinaryTreesWorkload(n: 10)
    static let gcold = GCOldWorkload(liveMegabytes: 2, work: 1, ratio: 20, mutations: 10, steps: 40)
    /// gcold's size on the command line, where the nursery is the benchmarks' 4 MiB.
    /// The benchmarks' nursery is derived from a 2 GiB limit (32 MiB): at
    /// this size it would hold the whole run, and no minor would lose a tree.
    static let gcoldArguments = ["--gcold", "2 1 20 10 40", "--nursery", "4m"]

    /// Runs `swift` and `c` under `kind`; fails unless both validate with
    /// the same summary after collecting at least `minors` times.
    func assertSame<S: Workload, C: Workload>(_ swift: S, _ c: C, _ kind: BarrierKind, minors: Int, promoted: Bool,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let (expected, _) = try kind.accept(Run(workload: swift))
        let (got, stats) = try kind.accept(Run(workload: c))
        XCTAssertEqual(try got.get(), try expected.get(), "\(c.name) and \(swift.name) under \(kind)", file: file, line: line)
        XCTAssertGreaterThanOrEqual(stats.minorCollections, minors, "\(c.name) under \(kind) must exercise the collector", file: file, line: line)
        if promoted { XCTAssertGreaterThan(stats.promotedBytes, 0, "\(c.name) under \(kind) promoted nothing", file: file, line: line) }
        XCTAssertEqual(stats.verifyFailures, 0, "\(c.name) under \(kind)", file: file, line: line)
    }

    func testBinaryTreesCMatchesBinaryTreesUnderEverySoundBarrierAndUnderNone() throws {
        let c = CWorkload(Self.binaryTrees)
        for kind in BarrierKind.sound { try assertSame(Self.binaryTrees, c, kind, minors: 10, promoted: true) }
        // No old-to-young store: the none barrier loses nothing here, in Swift or in C.
        try assertSame(Self.binaryTrees, c, .none, minors: 10, promoted: true)
    }

    func testGCOldCMatchesGCOldUnderEverySoundBarrier() throws {
        let c = CWorkload(Self.gcold)
        for kind in BarrierKind.sound { try assertSame(Self.gcold, c, kind, minors: 100, promoted: true) }
    }

    /// In child processes: under none the Swift gcold stops at a checked
    /// load of a reused object (a crash), and gcold-c at its check, which
    /// says what it found. The software runs are the control: the same
    /// command lines succeed with a sound barrier.
    func testGCOldCFailsUnderNoneAsGCOldDoes() throws {
        for workload in ["gcold", "gcold-c"] {
            let sound = try gcbench(["run-one", "--workload", workload, "--barrier", "software"] + Self.gcoldArguments)
            XCTAssertEqual(sound.status, 0, "\(workload) under software: \(sound.stderr)")
            XCTAssertTrue(sound.stdout.contains("3 trees of height 14 intact"), "\(workload) under software: \(sound.stdout)")
            let none = try gcbench(["run-one", "--workload", workload, "--barrier", "none"] + Self.gcoldArguments)
            XCTAssertNotEqual(none.status, 0, "\(workload) passed under none: \(none.stdout)")
            XCTAssertFalse(none.stdout.contains("intact"), "\(workload) under none printed a record: \(none.stdout)")
        }
        let none = try gcbench(["run-one", "--workload", "gcold-c", "--barrier", "none"] + Self.gcoldArguments)
        XCTAssertEqual(none.status, 1, "gcold-c under none ends with its message, not a signal: \(none.stderr)")
        XCTAssertTrue(none.stderr.contains("a young tree was lost"), none.stderr)
    }
}
