import XCTest
import Foundation
import HeapTrace

/// Every malformed form in FORMAT.md is rejected with its line number and
/// exit status 2, and nothing on standard output. Runs the real gcbench
/// binary (`swift test` builds it with the tests).
final class BadInputTests: XCTestCase {
    static let cases: [(String, String)] = [
        ("alloc 0 1 1\nfrobnicate 0\n", "line 2: unknown command 'frobnicate'"),
        ("alloc 0 1\n", "line 1: alloc takes 3 arguments (alloc ID NPTR NBYTES), got 2"),
        ("alloc 0 1 1 1\n", "line 1: alloc takes 3 arguments (alloc ID NPTR NBYTES), got 4"),
        ("alloc x 1 1\n", "line 1: ID 'x' is not a non-negative decimal number"),
        ("alloc -1 1 1\n", "line 1: ID '-1' is not a non-negative decimal number"),
        ("alloc 0 1 1\nset 0 0 7\n", "line 2: ID 7 is not a root"),
        ("alloc 0 1 1\ndrop 0\nsget 0 0\n", "line 3: unknown command 'sget'"),
        ("alloc 0 1 1\ndrop 0\ndrop 0\n", "line 3: ID 0 is not a root"),
        ("alloc 0 1 1\nalloc 0 1 1\n", "line 2: ID 0 is already used"),
        ("alloc 0 1 1\n# comment\n\nset 0 1 0\n", "line 4: field 1 is out of range: object 0 has 1 pointer fields"),
        ("alloc 0 1 1\npoke 0 1 0\n", "line 2: offset 1 is out of range: object 0 has 1 data bytes"),
        ("alloc 0 1 1\npoke 0 0 256\n", "line 2: BYTE 256 is over 255"),
        ("alloc 0 1 1\nget 0 0\n", "line 2: get of a nil field (0 field 0)"),
        ("alloc 0 1 1\nget 0 3\n", "line 2: field 3 is out of range: object 0 has 1 pointer fields"),
        ("minor extra\n", "line 1: minor takes 0 arguments (minor), got 1"),
    ]

    var gcbench: URL {
        // The test runner sits in the build directory next to the executables.
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("gcbench")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: gcbench.path) else {
            // `swift test` builds every product, so a missing binary is a
            // broken build, not a reason to skip.
            XCTFail("gcbench is not built at \(gcbench.path)")
            throw CocoaError(.fileNoSuchFile)
        }
        let p = Process()
        p.executableURL = gcbench
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testMalformedTracesAreRejectedWithTheirLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("writewatch-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, (text, message)) in Self.cases.enumerated() {
            let file = dir.appendingPathComponent("\(i).trace")
            try text.write(to: file, atomically: true, encoding: .utf8)
            for barrier in ["software", "hardware"] {
                let r = try run(["replay", file.path, "--barrier", barrier, "--dump"])
                XCTAssertEqual(r.status, 2, "\(message) under \(barrier)")
                XCTAssertEqual(r.stdout, "", "nothing on stdout for: \(message)")
                XCTAssertEqual(r.stderr.trimmingCharacters(in: .newlines), message)
            }
        }
    }

    func testUnknownBarrierAndMissingFile() throws {
        let r = try run(["replay", "/nonexistent.trace", "--barrier", "software"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("cannot read trace"), r.stderr)
        let b = try run(["replay", "/nonexistent.trace", "--barrier", "fast"])
        XCTAssertEqual(b.status, 2)
        XCTAssertTrue(b.stderr.contains("unknown barrier 'fast'"), b.stderr)
    }

    func testHeapExhaustionNamesTheLineAndLimit() throws {
        var text = ""
        for i in 0..<3000 { text += "alloc \(i) 0 1000\n" }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("writewatch-exhaust-\(getpid()).trace")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try run(["replay", file.path, "--barrier", "hardware", "--heap-limit", "1M", "--nursery", "64K", "--dump"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("line ") && r.stderr.contains("heap exhausted (1048576 bytes)"), r.stderr)
    }

    func testStatsFileHasTheRequiredKeys() throws {
        let trace = ReplayTests.tracesDirectory.appendingPathComponent("minimal.trace").path
        let stats = FileManager.default.temporaryDirectory.appendingPathComponent("writewatch-stats-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: stats) }
        let r = try run(["replay", trace, "--barrier", "hardware", "--stats", stats.path, "--dump"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "1: [] 000000ff\n")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: stats)) as! [String: Any]
        for key in ["minorCollections", "majorCollections", "scanCalls", "dirtyPages", "dirtyCards", "promotedBytes", "verifyFailures"] {
            XCTAssertNotNil(json[key], key)
        }
        XCTAssertEqual(json["verifyFailures"] as? Int, 0)
        // At most one PAGEMAP_SCAN per minor; none while old space is empty.
        let scans = json["scanCalls"] as! Int, minors = json["minorCollections"] as! Int
        XCTAssertTrue(scans > 0 && scans <= minors, "\(scans) scans for \(minors) minors")
    }
}
