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
        /// Odd seeds run with eden zeroed in bulk at each minor (allocation
        /// writes only the header), even seeds with poisoned freed memory
        /// (allocation zeroes each object): the byte-by-byte comparison with
        /// the model checks both ways of handing out zeroed memory.
        let poison: Bool
        func visit<B: Barrier>(_: B.Type) throws -> (error: ReplayError?, comparisons: Int) {
            var config = HeapConfiguration()
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

    func testGeneratorIsDeterministicAndWritesValidTraces() throws {
        let a = TraceGenerator(seed: 42).generate()
        XCTAssertEqual(a, TraceGenerator(seed: 42).generate())
        XCTAssertNotEqual(a, TraceGenerator(seed: 43).generate())
        let reparsed = try Trace.parse(TraceGenerator.text(a, seed: 42))
        XCTAssertEqual(reparsed.map(\.command), a.map(\.command))
    }
}
