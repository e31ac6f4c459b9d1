import Foundation
import XCTest
@testable import gcbench

/// The HotSpot peers compute what the Swift workloads compute (their
/// summaries, which carry every validation's counts, must be equal), run at
/// the heap limit they are given, take part in the suite at the same limit
/// as our heaps, and without a JDK say what to install.
final class HotSpotPeerTests: XCTestCase {
    /// The small sizes these tests run, as suite size options.
    static let sizes: [String: [String]] = [
        "gcbench": ["--gcbench-stretch", "12"],
        "binarytrees": ["--binarytrees-n", "10"],
        "gcold": ["--gcold", "10 1 20 10 40"],
    ]

    func requireJava() throws {
        do { _ = try HotSpotPeer.classDirectory() } catch let e as PeerProcess.Unavailable {
            throw XCTSkip("no JDK here: \(e)")
        }
    }

    func record(_ o: Outcome, file: StaticString = #filePath, line: UInt = #line) throws -> RunRecord {
        XCTAssertEqual(o.status, 0, "stderr: \(o.stderr)", file: file, line: line)
        return try JSONDecoder().decode(RunRecord.self, from: Data(o.stdout.utf8))
    }

    func testEachPeerComputesWhatTheSwiftWorkloadComputes() throws {
        try requireJava()
        for (workload, size) in Self.sizes.sorted(by: { $0.key < $1.key }) {
            let swift = try record(try gcbench(["run-one", "--workload", workload, "--barrier", "software"] + size))
            for collector in HotSpotPeer.Collector.allCases {
                let java = try record(try gcbench(["peer", "--workload", workload, "--jvm", collector.rawValue, "--heap", "64m"] + size))
                XCTAssertEqual(java.workload, workload)
                XCTAssertEqual(java.barrier, collector.barrier)
                XCTAssertEqual(java.parameters, swift.parameters, "\(workload) under \(collector)")
                XCTAssertEqual(java.summary, swift.summary, "\(workload) under \(collector)")
                XCTAssertGreaterThan(java.peakRSSBytes, 0)
                // HotSpot reports a little less than -Xmx (one survivor space is not counted).
                let limit = try XCTUnwrap(java.heapLimitBytes)
                XCTAssertTrue((48 << 20)...(64 << 20) ~= limit, "\(workload) under \(collector): limit \(limit)")
            }
        }
    }

    func testAPeerThatFailsItsValidationFailsTheRun() throws {
        try requireJava()
        // A heap too small for GCOld's live data: the JVM exits with an
        // OutOfMemoryError, which must be a failure, never a record.
        let o = try gcbench("peer", "--workload", "gcold", "--jvm", "serial", "--heap", "4m", "--gcold", "50 1 20 10 10")
        XCTAssertEqual(o.status, 1, "stderr: \(o.stderr)")
        XCTAssertEqual(o.stdout, "")
        XCTAssertTrue(o.stderr.contains("HotSpot gcold under hotspot-serial"), o.stderr)
    }

    func testWithoutJavaThePeerSaysWhichPackageToInstall() throws {
        let o = try gcbench(["peer", "--workload", "gcbench", "--jvm", "serial"], environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(o.status, 3, "stderr: \(o.stderr)")
        XCTAssertTrue(o.stderr.contains("openjdk-17-jdk-headless"), o.stderr)
    }

    func testAMistakeInThePeerCommandIsAUsageError() throws {
        for (words, expected) in [
            (["peer", "--workload", "gcold", "--jvm", "zgc"], "unknown --jvm zgc"),
            (["peer", "--workload", "idle-old", "--jvm", "serial"], "no HotSpot peer for idle-old"),
            (["peer", "--workload", "gcold"], "no Boehm GC peer for gcold"),
            (["peer", "--workload", "gcbench", "--jvm", "g1", "--incremental"], "--incremental"),
            (["peer", "--workload", "gcbench", "--jvm", "g1", "--heap", "lots"], "--heap"),
        ] {
            let o = try gcbench(words)
            XCTAssertEqual(o.status, 2, "\(words): \(o.stderr)")
            XCTAssertTrue(o.stderr.contains(expected), "\(words): \(o.stderr)")
        }
    }

    /// Every row of a sized workload has one heap limit, ours and HotSpot's,
    /// and the JVM's start-up is printed beside them.
    func testTheSuiteRunsHotSpotRowsAtOurHeapLimit() throws {
        try requireJava()
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("hotspot-suite-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let o = try gcbench(["--workloads", "gcold", "--barriers", "software,hotspot-serial", "--repetitions", "1", "--no-tracker",
                             "--heap", "48m", "--json", json.path] + Self.sizes["gcold"]!)
        XCTAssertEqual(o.status, 0, "stderr: \(o.stderr)")
        XCTAssertTrue(o.stdout.contains("# JVM start-up"), o.stdout)
        let records = try JSONDecoder().decode([RunRecord].self, from: Data(contentsOf: json))
        let ours = try XCTUnwrap(records.first { $0.barrier == "software" })
        let hotspot = try XCTUnwrap(records.first { $0.barrier == "hotspot-serial" })
        XCTAssertEqual(ours.heapLimitBytes, 48 << 20)
        XCTAssertEqual(hotspot.summary, ours.summary)
        XCTAssertTrue((40 << 20)...(48 << 20) ~= hotspot.heapLimitBytes ?? 0, "\(hotspot.heapLimitBytes ?? 0)")
    }

    /// The default multiple keeps the bare name; others are NAME@Mx, at
    /// limits in the ratio of their multiples.
    func testHeapMultiplesMakeOnePointPerMultiple() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("multiples-suite-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let o = try gcbench(["--workloads", "binarytrees", "--barriers", "software", "--repetitions", "1", "--no-tracker",
                             "--heap-multiples", "2,4", "--json", json.path] + Self.sizes["binarytrees"]!)
        XCTAssertEqual(o.status, 0, "stderr: \(o.stderr)")
        let records = try JSONDecoder().decode([RunRecord].self, from: Data(contentsOf: json))
        let two = try XCTUnwrap(records.first { $0.workload == "binarytrees" && $0.barrier == "software" })
        let four = try XCTUnwrap(records.first { $0.workload == "binarytrees@4x" && $0.barrier == "software" })
        XCTAssertEqual(two.heapMultiple, 2)
        XCTAssertEqual(four.heapMultiple, 4)
        let ratio = Double(four.heapLimitBytes ?? 0) / Double(two.heapLimitBytes ?? 1)
        XCTAssertEqual(ratio, 2, accuracy: 0.2, "limits \(two.heapLimitBytes ?? 0) and \(four.heapLimitBytes ?? 0)")
    }

    func testHeapPointsNameTheirProgramAndCheckTheirMultiples() throws {
        XCTAssertEqual(HeapPoints.program(of: "gcold-c"), "gcold")
        XCTAssertEqual(HeapPoints.program(of: "binarytrees@1.5x"), "binarytrees")
        XCTAssertEqual(HeapPoints.program(of: "gcbench-c@3x"), "gcbench")
        XCTAssertEqual(try HeapPoints.parseMultiples(nil), [2])
        XCTAssertEqual(try HeapPoints.parseMultiples("1.5,3"), [1.5, 3])
        XCTAssertThrowsError(try HeapPoints.parseMultiples("0.5"))
        XCTAssertThrowsError(try HeapPoints.parseMultiples("2,x"))
    }
}
