import XCTest
import GCHeap
import WriteWatch
@testable import gcbench

/// The weak-reference workloads validate under every sound barrier in both
/// major modes, and their validation catches what it claims to: the none
/// barrier, and for each workload the control that breaks its mechanism.
final class WeakWorkloadTests: XCTestCase {
    struct Run<W: Workload>: BarrierVisitor {
        let workload: W
        var majorMode = HeapConfiguration.MajorMode.stopTheWorld
        var control = HeapConfiguration.WeakControl.none
        func visit<B: Barrier>(_: B.Type) throws -> (error: String?, statistics: HeapStatistics) {
            var c = workload.configuration
            // Small enough to run in a debug build, with many minors.
            c.nurseryBytes = 256 << 10
            c.majorMode = majorMode
            c.weakControl = control
            let heap = try Heap<B>(configuration: c)
            do { _ = try workload.run(heap) } catch { return ("\(error)", heap.statistics) }
            heap.waitForConcurrentMajor()
            return (nil, heap.statistics)
        }
    }

    static let weakTable = WeakTableWorkload(names: 4096, held: 2048, lookups: 60_000)
    static let ephemeronChain = EphemeronChainWorkload(chains: 256, length: 8, steps: 4000)
    static let guardian = GuardianWorkload(objects: 40_000, window: 4096, drainEvery: 512)

    func check<W: Workload>(_ workload: W, caughtBy control: HeapConfiguration.WeakControl) throws {
        for mode in HeapConfiguration.MajorMode.allCases {
            for kind in BarrierKind.sound {
                let (error, stats) = try kind.accept(Run(workload: workload, majorMode: mode))
                XCTAssertNil(error, "\(workload.name) under \(kind), \(mode)")
                XCTAssertGreaterThan(stats.minorCollections, 4, "\(workload.name) must exercise the collector")
                XCTAssertEqual(stats.verifyFailures, 0, "\(workload.name) under \(kind), \(mode)")
            }
            let (controlError, _) = try BarrierKind.software.accept(Run(workload: workload, majorMode: mode, control: control))
            XCTAssertNotNil(controlError, "\(workload.name) passed with \(control), \(mode)")
        }
        let (noneError, _) = try BarrierKind.none.accept(Run(workload: workload))
        XCTAssertNotNil(noneError, "\(workload.name) passed with no barrier")
    }

    func testWeakTableValidatesAndCatchesWeakAsStrong() throws { try check(Self.weakTable, caughtBy: .weakAsStrong) }

    func testEphemeronChainValidatesAndCatchesStrongValues() throws { try check(Self.ephemeronChain, caughtBy: .ephemeronValuesStrong) }

    func testGuardianValidatesAndCatchesIgnoredGuardians() throws { try check(Self.guardian, caughtBy: .guardiansIgnored) }
}
