import XCTest
import Foundation
import GCHeap
import HeapTrace

/// The hardware barrier against the reference: random programs run on the
/// heap in lockstep with a plain object graph; after every collection the
/// heap's reachable graph must equal the model's, field by field and byte by
/// byte, and the verifier must pass. The none barrier runs the same seeds
/// and must be caught on at least 90% of them.
///
/// WRITEWATCH_SOAK_SEEDS=N runs N seeds per barrier instead of 200.
final class DifferentialTests: XCTestCase {
    static let seeds = Int(ProcessInfo.processInfo.environment["WRITEWATCH_SOAK_SEEDS"] ?? "") ?? 200

    struct Run: BarrierVisitor {
        let lines: [TraceLine]
        /// Even seeds poison freed nursery memory, odd seeds leave it as
        /// evacuated: either way an object that allocation did not zero
        /// shows stale bytes in the byte-by-byte comparison with the model.
        let poison: Bool
        var control = HeapConfiguration.WeakControl.none
        var majorMode = HeapConfiguration.MajorMode.stopTheWorld
        func visit<B: Barrier>(_: B.Type) throws -> (error: ReplayError?, comparisons: Int) {
            var config = HeapConfiguration()
            config.weakControl = control
            config.majorMode = majorMode
            config.nurseryBytes = 64 << 10   // small: the heap also collects on its own
            config.heapLimitBytes = 64 << 20
            config.promotionAge = 2
            config.poisonFreedMemory = poison
            let replayer = Replayer(heap: try Heap<B>(configuration: config))
            replayer.checkAfterEveryCollection = true
            do { try replayer.run(lines) } catch { return (error, replayer.comparisons) }
            return (nil, replayer.comparisons)
        }
    }

    func testRandomProgramsMatchTheModelUnderEveryBarrier() throws {
        var caught = 0
        var comparisons = 0
        for seed in 0..<UInt64(Self.seeds) {
            let lines = TraceGenerator(seed: seed).generate()
            for kind in BarrierKind.sound {
                let (error, n) = try kind.accept(Run(lines: lines, poison: seed % 2 == 0))
                comparisons += n
                if let error {
                    let path = FileManager.default.temporaryDirectory.appendingPathComponent("writewatch-seed-\(seed).trace")
                    try? TraceGenerator.text(lines, seed: seed).write(to: path, atomically: true, encoding: .utf8)
                    XCTFail("seed \(seed) under \(kind): \(error) (trace written to \(path.path))")
                }
            }
            if try BarrierKind.none.accept(Run(lines: lines, poison: seed % 2 == 0)).error != nil { caught += 1 }
        }
        let rate = Double(caught) / Double(Self.seeds)
        print("differential: \(Self.seeds) seeds x \(BarrierKind.sound.count) barriers, \(comparisons) heap/model comparisons; none barrier caught on \(caught)/\(Self.seeds) seeds (\(Int(rate * 100))%)")
        XCTAssertGreaterThanOrEqual(rate, 0.9, "the generator is too weak: the none barrier survived \(Self.seeds - caught) seeds")
    }

    /// The same with weak boxes, ephemerons and guardians mixed in: after
    /// every major line the heap's graph, weak fields and ready queues must
    /// equal the model's. Odd seeds run with concurrent majors. Each broken
    /// mechanism, and the none barrier, must be caught by the same checks.
    func testRandomWeakProgramsMatchTheModelUnderEveryBarrier() throws {
        var caught = 0
        var controlsCaught: [HeapConfiguration.WeakControl: Int] = [:]
        let controls: [HeapConfiguration.WeakControl] = [.weakAsStrong, .ephemeronValuesStrong, .guardiansIgnored]
        for seed in 0..<UInt64(Self.seeds) {
            let lines = TraceGenerator(seed: seed, weakLines: true).generate()
            let mode: HeapConfiguration.MajorMode = seed % 2 == 1 ? .concurrent : .stopTheWorld
            func run(_ kind: BarrierKind, _ control: HeapConfiguration.WeakControl = .none) throws -> ReplayError? {
                try kind.accept(Run(lines: lines, poison: seed % 4 < 2, control: control, majorMode: mode)).error
            }
            for kind in BarrierKind.sound {
                if let error = try run(kind) {
                    let path = FileManager.default.temporaryDirectory.appendingPathComponent("writewatch-weak-seed-\(seed).trace")
                    try? TraceGenerator.text(lines, seed: seed).write(to: path, atomically: true, encoding: .utf8)
                    XCTFail("weak seed \(seed) (\(mode.rawValue) majors) under \(kind): \(error) (trace written to \(path.path))")
                }
            }
            if try run(.none) != nil { caught += 1 }
            // The broken mechanisms, on the first 50 seeds (each costs a run).
            if seed < 50 {
                for control in controls where try run(.software, control) != nil { controlsCaught[control, default: 0] += 1 }
            }
        }
        let checked = min(50, Self.seeds)
        print("differential (weak): \(Self.seeds) seeds x \(BarrierKind.sound.count) barriers; none caught on \(caught)/\(Self.seeds); "
              + controls.map { "\($0) caught on \(controlsCaught[$0] ?? 0)/\(checked)" }.joined(separator: ", "))
        XCTAssertGreaterThanOrEqual(Double(caught) / Double(Self.seeds), 0.9, "the none barrier survived \(Self.seeds - caught) weak seeds")
        for control in controls {
            XCTAssertGreaterThanOrEqual(controlsCaught[control] ?? 0, checked / 3, "\(control) survived too many seeds: the checks cannot see it")
        }
    }

    func testGeneratorIsDeterministicAndWritesValidTraces() throws {
        let a = TraceGenerator(seed: 42).generate()
        XCTAssertEqual(a, TraceGenerator(seed: 42).generate())
        XCTAssertNotEqual(a, TraceGenerator(seed: 43).generate())
        let reparsed = try Trace.parse(TraceGenerator.text(a, seed: 42))
        XCTAssertEqual(reparsed.map(\.command), a.map(\.command))
    }
}
