import XCTest
import GCHeap
@testable import gcbench

/// idle-old measures what it says: its steady minors see no dirty page and
/// no dirty card (a barrier or collector that reported writes nobody made
/// fails its own check), its chain survives whole, and its sizes are
/// checked on the command line.
final class IdleOldTests: XCTestCase {
    struct Run: BarrierVisitor {
        let workload: IdleOldWorkload
        func visit<B: Barrier>(_: B.Type) throws -> String { try workload.run(try Heap<B>(configuration: workload.configuration)) }
    }

    func testValidatesWithCleanSteadyMinorsUnderEverySoundBarrier() throws {
        for kind in BarrierKind.sound {
            let workload = IdleOldWorkload(megabytes: 8, steadyMinors: 12, churnBytesPerMinor: 64 << 10)
            XCTAssertNoThrow(try kind.accept(Run(workload: workload)), "\(kind)")
            XCTAssertEqual(workload.steady.minors, 12, "\(kind)")
            XCTAssertNotNil(workload.steady.secondsPerMinor, "\(kind)")
        }
    }

    func testSizesOutsideTheLimitAreRefused() throws {
        let sizes = try WorkloadOptions(Arguments(["--idle-old", "1,64"], options: WorkloadOptions.names, flags: []))
        XCTAssertEqual(try sizes.points("idle-old"), ["idle-old:1", "idle-old:64"])
        XCTAssertThrowsError(try sizes.points("idle-old:2048"))
        XCTAssertThrowsError(try WorkloadOptions(Arguments(["--idle-old", "4096"], options: WorkloadOptions.names, flags: [])))
    }
}
