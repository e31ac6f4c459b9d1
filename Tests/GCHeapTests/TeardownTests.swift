import XCTest
import Foundation
import GCHeap
import HeapTrace
#if canImport(Glibc)
import Glibc
#endif

/// Dropping a heap while its concurrent cycle is under way is safe: the
/// heap's deinit stops the marker thread, joins it and returns. The drops
/// come after a random stretch of mutation and a random idle wait, so the
/// marker may be marking, in a re-marking round, or waiting for the final
/// pause it asked for (which needs the mutator, so it does not run before
/// the drop); a drop during the sweep is not forced. Each run is a child
/// process with a time limit, so a hang fails (SIGALRM) instead of hanging
/// the suite, and a crash fails with its signal.
final class TeardownTests: XCTestCase {
    static let heaps = 8

    struct DropMidCycle: BarrierVisitor {
        let seed: UInt64
        /// In the child: the exit status is 10 + the drops made while a
        /// cycle was under way; 1 to 9 name a failure.
        func visit<B: Barrier>(_: B.Type) throws -> ChildOutcome {
            trapInChild {
                alarm(30)
                var rng = SplitMix64(seed: seed)
                var midCycle: Int32 = 0
                for _ in 0..<TeardownTests.heaps {
                    do {
                        var c = ConcurrentMarkTests.configuration(delay: 2)
                        c.nurseryBytes = 256 << 10
                        var heap: Heap<B>? = try Heap<B>(configuration: c)
                        let array = heap!.makeRoot(try heap!.allocate(pointers: 4096, bytes: 0, tag: 0))
                        for i in 0..<4096 { heap!.store(try heap!.object(array)!, i, try heap!.allocate(pointers: 1, bytes: 16, tag: 1)) }
                        try heap!.collectMinor()
                        try heap!.collectMinor()
                        try heap!.startConcurrentMajor()
                        // Mutate for a random while (minors happen, and the
                        // marker's rounds may stop the world), ...
                        for _ in 0..<Int(rng.next() % 3000) {
                            let i = Int(rng.next() % 4096)
                            heap!.store(try heap!.object(array)!, i, try heap!.allocate(pointers: 1, bytes: 16, tag: 2))
                        }
                        // ... then idle a random while, inactive, so that
                        // the marker runs on alone before the drop.
                        heap!.deactivate()
                        usleep(UInt32(rng.next() % 15_000))
                        heap!.activate()
                        if heap!.isMarking { midCycle += 1 }
                        heap = nil
                    } catch {
                        FileHandle.standardError.write(Data("teardown child: \(error)\n".utf8))
                        return 1
                    }
                }
                return 10 + midCycle
            }
        }
    }

    func testAHeapDroppedDuringAConcurrentCycleReturnsUnderEveryBarrier() throws {
        for kind in BarrierKind.sound {
            var midCycle = 0
            for seed: UInt64 in [1, 2, 3] {
                let outcome = try kind.accept(DropMidCycle(seed: seed))
                XCTAssertNil(outcome.signal, "\(kind), seed \(seed): the child died of signal \(outcome.signal ?? 0)"
                             + "\(outcome.signal == SIGALRM ? " (it hung: dropping the heap did not return within 30 s)" : ""); stderr: \(outcome.stderr)")
                guard let status = outcome.exitStatus, status >= 10 else {
                    XCTFail("\(kind), seed \(seed): exit \(outcome.exitStatus ?? -1); stderr: \(outcome.stderr)")
                    continue
                }
                midCycle += Int(status) - 10
            }
            // Only a drop during a cycle tests anything.
            XCTAssertGreaterThan(midCycle, 0, "\(kind): no heap was dropped while its cycle was under way")
            print("teardown: \(kind): \(midCycle) of \(3 * Self.heaps) heaps dropped mid-cycle")
        }
    }
}
