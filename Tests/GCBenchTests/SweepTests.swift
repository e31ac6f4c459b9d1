import XCTest
import GCHeap
import WriteWatch
@testable import gcbench

/// The sweeps mean what their names say, and their validation can fail.
final class SweepTests: XCTestCase {
    func testEachTouchedPageIsExactlyOneOSPage() {
        let pages = ArrayPages(fields: (4 << 20) / 8)
        XCTAssertEqual(pages.count, 1023)
        for page in [1, 2, 500, pages.count] {
            var slots = Set<Int>()
            for s in 0..<ArrayPages.slotsPerPage {
                let slot = ArrayPages.slot(page: page, store: s)
                // The byte offset of the field in a page-aligned array.
                let offset = objectHeaderBytes + slot * 8
                XCTAssertEqual(offset / 4096, page, "slot \(slot) of page \(page)")
                slots.insert(slot)
            }
            XCTAssertEqual(slots.count, ArrayPages.slotsPerPage, "512 stores write every slot of page \(page) once")
        }
    }

    struct RunSweep<W: Workload>: BarrierVisitor {
        let workload: W
        func visit<B: Barrier>(_: B.Type) throws -> (summary: String?, statistics: HeapStatistics) {
            var configuration = workload.configuration
            configuration.auditCollectorWrites = true
            let heap = try Heap<B>(configuration: configuration)
            let summary = try? workload.run(heap)
            return (summary, heap.statistics)
        }
    }

    /// Small sweeps under every sound barrier validate; under `none` the
    /// young objects each step stores are lost and validation says so.
    func testStoreSweepValidatesAndCatchesTheNoneBarrier() throws {
        let small = StoreSweepWorkload(storesPerPage: 16, arrayBytes: 1 << 20, pagesPerStep: 256, steps: 6, poolSize: 256, youngPerStep: 4)
        for kind in BarrierKind.sound {
            let (summary, stats) = try kind.accept(RunSweep(workload: small))
            XCTAssertNotNil(summary, "\(kind)")
            XCTAssertEqual(stats.collectorFaultPages, 0, "\(kind)")
            XCTAssertEqual(stats.minorCollections >= small.steps, true, "\(kind)")
            if kind.mechanism != nil {
                // One dirty page per touched page, plus at most one more per
                // step for what the step's young objects touched.
                XCTAssertGreaterThanOrEqual(stats.dirtyPages, small.pageTouches, "\(kind)")
                XCTAssertLessThanOrEqual(stats.dirtyPages, small.pageTouches + small.steps, "\(kind)")
            }
        }
        XCTAssertNil(try BarrierKind.none.accept(RunSweep(workload: small)).summary, "the none barrier passed validation")
    }

    /// The threaded workloads at 2 threads validate under every sound
    /// barrier, and shared-store, which stores young objects into an old
    /// array from both threads, catches `none`.
    func testThreadedWorkloadsValidateAndCatchTheNoneBarrier() throws {
        let store = SharedStoreWorkload(threads: 2, arrayBytes: 256 << 10, storesPerStep: 4096, steps: 6, poolSize: 256)
        let trees = MTGCBenchWorkload(threads: 2, gcbench: GCBenchWorkload(stretchDepth: 12, longLivedDepth: 10, arraySize: 10_000, minDepth: 4, maxDepth: 10))
        let split = BinaryTreesWorkload(n: 12, threads: 2)
        for kind in BarrierKind.sound {
            let (summary, stats) = try kind.accept(RunSweep(workload: store))
            XCTAssertNotNil(summary, "shared-store under \(kind)")
            XCTAssertGreaterThan(stats.threadsStopped, 0, "shared-store under \(kind): collections never had a thread to stop")
            XCTAssertNotNil(try kind.accept(RunSweep(workload: trees)).summary, "mt-gcbench under \(kind)")
            XCTAssertNotNil(try kind.accept(RunSweep(workload: split)).summary, "mt-binarytrees under \(kind)")
        }
        XCTAssertNil(try BarrierKind.none.accept(RunSweep(workload: store)).summary, "the none barrier passed shared-store")
    }

    func testRemsetSweepValidatesAndCatchesTheNoneBarrier() throws {
        let small = RemsetSweepWorkload(arrayBytes: 1 << 20, storesPerPage: 4, storesPerStep: 1024, steps: 4)
        for kind in BarrierKind.sound { XCTAssertNotNil(try kind.accept(RunSweep(workload: small)).summary, "\(kind)") }
        XCTAssertNil(try BarrierKind.none.accept(RunSweep(workload: small)).summary, "the none barrier passed validation")
    }
}
