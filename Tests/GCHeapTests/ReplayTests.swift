import XCTest
import Foundation
import GCHeap
import HeapTrace

/// Every sample trace (Examples/traces, the format in docs/trace-format.md)
/// gives its expected dump under every sound barrier, and the none barrier
/// fails minimal.trace.
final class ReplayTests: XCTestCase {
    static let tracesDirectory: URL = {
        // Tests/GCHeapTests/ReplayTests.swift -> the project root -> Examples/traces
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/traces")
    }()

    struct Replay: BarrierVisitor {
        let lines: [TraceLine]
        let checkEveryCollection: Bool
        func visit<B: Barrier>(_: B.Type) throws -> Result<String, ReplayError> {
            var config = HeapConfiguration()
            config.nurseryBytes = 256 << 10
            let replayer = Replayer(heap: try Heap<B>(configuration: config))
            replayer.checkAfterEveryCollection = checkEveryCollection
            do {
                try replayer.run(lines)
                return .success(try replayer.dump())
            } catch {
                return .failure(error)
            }
        }
    }

    func traces() throws -> [(String, [TraceLine], String)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.tracesDirectory.path).filter { $0.hasSuffix(".trace") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 4, "sample traces in \(Self.tracesDirectory.path)")
        return try files.map { name in
            let text = try String(contentsOf: Self.tracesDirectory.appendingPathComponent(name), encoding: .utf8)
            let dump = try String(contentsOf: Self.tracesDirectory.appendingPathComponent(name.replacingOccurrences(of: ".trace", with: ".dump")), encoding: .utf8)
            return (name, try Trace.parse(text), dump)
        }
    }

    func testSampleTracesUnderEverySoundBarrier() throws {
        for (name, lines, expected) in try traces() {
            for kind in BarrierKind.sound {
                for check in [false, true] {
                    switch try kind.accept(Replay(lines: lines, checkEveryCollection: check)) {
                    case .success(let dump): XCTAssertEqual(dump, expected, "\(name) under \(kind)")
                    case .failure(let error): XCTFail("\(name) under \(kind): \(error)")
                    }
                }
            }
        }
    }

    func testNoneBarrierFailsEveryTrace() throws {
        for (name, lines, expected) in try traces() {
            switch try BarrierKind.none.accept(Replay(lines: lines, checkEveryCollection: false)) {
            case .success(let dump): XCTAssertNotEqual(dump, expected, "\(name): none must not reproduce the dump")
            case .failure(let error): XCTAssertEqual(error.exitStatus, 1, "\(name): \(error)")
            }
        }
    }

    func testModelReproducesEveryDump() throws {
        for (name, lines, expected) in try traces() {
            var model = TraceModel()
            for l in lines { try model.apply(l) }
            XCTAssertEqual(model.dump(), expected, name)
        }
    }
}
