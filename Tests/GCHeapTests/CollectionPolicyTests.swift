import XCTest
@testable import GCHeap
import WriteWatch

/// The policy's rules, each checked on the value alone: no heap is made.
final class CollectionPolicyTests: XCTestCase {
    func testTheNurseryIsASixthOfTheLimitWithinItsBounds() {
        XCTAssertEqual(CollectionPolicy.derivedNurseryBytes(heapLimitBytes: 96 << 20), 16 << 20)
        XCTAssertEqual(CollectionPolicy.derivedNurseryBytes(heapLimitBytes: 2 << 30), 32 << 20, "capped")
        XCTAssertEqual(CollectionPolicy.derivedNurseryBytes(heapLimitBytes: 1 << 20), 256 << 10, "floored")
        XCTAssertEqual(CollectionPolicy.derivedNurseryBytes(heapLimitBytes: 100 << 20) % PageRange.pageSize, 0)
    }

    func testTheYoungGenerationAndOldSpaceShareTheLimit() {
        let p = CollectionPolicy(heapLimitBytes: 96 << 20)
        XCTAssertEqual(CollectionPolicy.youngBytes(nurseryBytes: p.nurseryBytes), 32 << 20, "a third of the heap")
        XCTAssertEqual(p.oldLimitBytes, 64 << 20)
    }

    func testAnExplicitNurseryOverridesAndOldSpaceKeepsAQuarter() {
        let p = CollectionPolicy(heapLimitBytes: 256 << 20, nurseryBytes: 4 << 20)
        XCTAssertEqual(p.nurseryBytes, 4 << 20)
        XCTAssertEqual(p.oldLimitBytes, (256 - 8) << 20)
        let greedy = CollectionPolicy(heapLimitBytes: 8 << 20, nurseryBytes: 8 << 20)
        XCTAssertEqual(greedy.oldLimitBytes, 2 << 20, "old space keeps a quarter of the limit")
    }

    func testTheFirstThresholdIsTheFloorAndAMajorRunsPastIt() {
        let p = CollectionPolicy(heapLimitBytes: 1 << 30, nurseryBytes: 4 << 20)
        XCTAssertEqual(p.majorThresholdBytes, p.oldLimitBytes / 8)
        XCTAssertEqual(p.afterMinor(.init(oldBytesInUse: p.majorThresholdBytes)), .none)
        XCTAssertEqual(p.afterMinor(.init(oldBytesInUse: p.majorThresholdBytes + 1)), .full)
        let small = CollectionPolicy(heapLimitBytes: 16 << 20)
        XCTAssertEqual(small.floorBytes, min(small.oldLimitBytes, 8 << 20), "at least 8 MiB, never past old space's share")
    }

    func testTheThresholdGrowsWithWhatSurvivedWithinFloorAndLimit() {
        var p = CollectionPolicy(heapLimitBytes: 1 << 30, nurseryBytes: 4 << 20, growthFactor: 2)
        p.majorFinished(liveBytes: 300 << 20)
        XCTAssertEqual(p.majorThresholdBytes, 600 << 20)
        p.majorFinished(liveBytes: 1 << 20)
        XCTAssertEqual(p.majorThresholdBytes, p.floorBytes, "shrinks back to the floor")
        p.majorFinished(liveBytes: 900 << 20)
        XCTAssertEqual(p.majorThresholdBytes, p.oldLimitBytes, "never past the limit")
    }

    func testNearTheLimitEveryCollectionIsFullAndPastItTheHeapIsExhausted() {
        var p = CollectionPolicy(heapLimitBytes: 1 << 30, nurseryBytes: 4 << 20)
        p.majorFinished(liveBytes: 900 << 20)
        let near = p.oldLimitBytes / 10 * 9 + 1
        XCTAssertTrue(p.isNearLimit(oldBytesInUse: near))
        XCTAssertEqual(p.afterMinor(.init(oldBytesInUse: near)), .full)
        var concurrent = CollectionPolicy.Observation(oldBytesInUse: near)
        concurrent.concurrent = true
        XCTAssertEqual(p.afterMinor(concurrent), .full)
        XCTAssertFalse(p.isOverLimit(oldBytesInUse: p.oldLimitBytes))
        XCTAssertTrue(p.isOverLimit(oldBytesInUse: p.oldLimitBytes + 1))
    }

    func testConcurrentModeStartsAtThreeQuartersAndFinishesPastTwiceTheThreshold() {
        var p = CollectionPolicy(heapLimitBytes: 1 << 30, nurseryBytes: 4 << 20)
        p.majorFinished(liveBytes: 100 << 20)
        let t = p.majorThresholdBytes
        var o = CollectionPolicy.Observation(oldBytesInUse: t / 4 * 3)
        o.concurrent = true
        XCTAssertEqual(p.afterMinor(o), .none)
        o.oldBytesInUse += 1
        XCTAssertEqual(p.afterMinor(o), .startConcurrent)
        o.sweeping = true
        XCTAssertEqual(p.afterMinor(o), .none, "a sweep under way makes the threshold stale")
        o.sweeping = false
        o.marking = true
        o.oldBytesInUse = 2 * t
        XCTAssertEqual(p.afterMinor(o), .none)
        o.oldBytesInUse += 1
        XCTAssertEqual(p.afterMinor(o), .finishConcurrent)
        o.oldBytesInUse = t
        o.finishRequested = true
        XCTAssertEqual(p.afterMinor(o), .finishConcurrent)
    }

    func testRequestsComeFirst() {
        let p = CollectionPolicy(heapLimitBytes: 1 << 30)
        var o = CollectionPolicy.Observation(oldBytesInUse: 0)
        o.majorRequested = true
        XCTAssertEqual(p.afterMinor(o), .full)
        o.majorRequested = false
        o.startRequested = true
        XCTAssertEqual(p.afterMinor(o), .startConcurrent)
        o.marking = true
        o.majorRequested = true
        XCTAssertEqual(p.afterMinor(o), .finishConcurrent)
    }

    func testALargeObjectPastTheLimitForcesAFullCollection() {
        let p = CollectionPolicy(heapLimitBytes: 64 << 20, nurseryBytes: 1 << 20)
        let fits = p.beforeLargeAllocation(oldBytesInUse: 0, requestBytes: 1 << 20, marking: false)
        XCTAssertFalse(fits.collect)
        let over = p.beforeLargeAllocation(oldBytesInUse: p.oldLimitBytes - (1 << 20), requestBytes: 2 << 20, marking: true)
        XCTAssertTrue(over.collect)
        XCTAssertTrue(over.full)
        let past = p.beforeLargeAllocation(oldBytesInUse: p.majorThresholdBytes + 1, requestBytes: 4096, marking: false)
        XCTAssertTrue(past.collect)
        XCTAssertFalse(past.full, "concurrent mode may start a cycle instead")
        XCTAssertFalse(p.beforeLargeAllocation(oldBytesInUse: p.majorThresholdBytes + 1, requestBytes: 4096, marking: true).collect)
    }

    func testTheConfigurationDerivesThePolicyAndValidatesTheOverride() throws {
        var c = HeapConfiguration(heapLimitBytes: 96 << 20)
        XCTAssertEqual(c.policy.nurseryBytes, 16 << 20)
        c.nurseryBytes = 1 << 10
        XCTAssertThrowsError(try c.validate()) {
            guard case .invalidConfiguration(field: .nurseryBytes, _, _)? = $0 as? HeapError else { return XCTFail("\($0)") }
        }
    }
}
