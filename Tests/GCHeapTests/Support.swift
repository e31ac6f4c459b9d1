import XCTest
import GCHeap
import WriteWatch

let probe = Probe.run()

/// A check that runs on a heap with a given barrier and returns the problems
/// it found (empty when the heap behaved).
protocol HeapScenario: BarrierVisitor where Output == [String] {}

/// Runs `scenario` under every sound barrier, expecting no problems, and
/// under `none`, expecting the same checks to find some: a check that cannot
/// tell a broken barrier from a working one proves nothing.
func assertSoundAndCaught<S: HeapScenario>(_ scenario: S, controlMustFail: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
    for kind in BarrierKind.sound {
        guard kind.availability(probe).isAvailable else {
            XCTFail("\(kind) unavailable: \(kind.availability(probe))", file: file, line: line)
            continue
        }
        let problems = try kind.accept(scenario)
        XCTAssertEqual(problems, [], "\(kind)", file: file, line: line)
    }
    if controlMustFail {
        let problems = try BarrierKind.none.accept(scenario)
        XCTAssertFalse(problems.isEmpty, "the none barrier passed: the check cannot fail", file: file, line: line)
    }
}

func smallConfig(promotionAge: Int = 2) -> HeapConfiguration {
    var c = HeapConfiguration()
    c.nurseryBytes = 256 << 10
    c.heapLimitBytes = 64 << 20
    c.promotionAge = promotionAge
    // Every test heap counts the collector's protection faults.
    c.auditCollectorWrites = true
    return c
}

extension Heap {
    /// Allocates and survives enough minors to be old.
    func allocateOld(pointers: Int, bytes: Int, tag: UInt32) throws -> Root {
        let root = makeRoot(try allocate(pointers: pointers, bytes: bytes, tag: tag))
        for _ in 0..<configuration.promotionAge { try collectMinor() }
        return root
    }
}

/// A seed for a randomised test: `WW_TEST_SEED` to replay a failure, else a
/// fresh one. Every failure message of the test names it.
func testSeed() -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["WW_TEST_SEED"], let seed = UInt64(text) { return seed }
    return UInt64.random(in: 0...UInt64.max)
}
