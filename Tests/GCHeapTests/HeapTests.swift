import XCTest
import GCHeap
import WriteWatch

/// Allocation, reclamation, limits and misuse, under the software barrier
/// unless the barrier matters.
final class HeapTests: XCTestCase {
    func testGarbageIsFreedAndMemoryReturned() throws {
        let heap = try Heap<HardwareBarrier>(configuration: smallConfig(promotionAge: 1))
        var keep: [Root] = []
        for i in 0..<50_000 {
            let o = try heap.allocate(pointers: 1, bytes: 100, tag: UInt32(i))
            if i % 2 == 0 { keep.append(heap.makeRoot(o)) }
        }
        try heap.collectMajor()
        let full = heap.statistics.oldBytesInUse
        XCTAssertGreaterThan(full, 2 << 20)
        for r in keep { try heap.release(r) }
        try heap.collectMajor()
        XCTAssertLessThan(heap.statistics.oldBytesInUse, full / 10, "empty arenas go back")
        try heap.collectMinor()
        XCTAssertEqual(heap.statistics.lastMinorDirtyPages, 0, "returned pages are re-armed, not reported")
        XCTAssertEqual(heap.verify(), [])
    }

    func testFreedCellsAreReused() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig(promotionAge: 1))
        for round in 0..<5 {
            var roots: [Root] = []
            for i in 0..<20_000 { roots.append(heap.makeRoot(try heap.allocate(pointers: 2, bytes: 40, tag: UInt32(i)))) }
            try heap.collectMinor()
            for r in roots { try heap.release(r) }
            try heap.collectMajor()
            if round == 0 { continue }
            XCTAssertLessThan(heap.statistics.oldBytesInUse, 4 << 20, "round \(round)")
        }
    }

    func testHeapExhaustionIsATypedErrorAfterAFullCollectionAndTheHeapStaysUsable() throws {
        var c = smallConfig()
        c.heapLimitBytes = 2 << 20
        let heap = try Heap<SoftwareBarrier>(configuration: c)
        var roots: [Root] = []
        var thrown: HeapError?
        do {
            for _ in 0..<100_000 { roots.append(heap.makeRoot(try heap.allocate(pointers: 0, bytes: 1000))) }
        } catch { thrown = error }
        guard case let .heapExhausted(live, limit)? = thrown else { return XCTFail("no exhaustion: \(String(describing: thrown))") }
        XCTAssertEqual(limit, 2 << 20)
        XCTAssertGreaterThan(live, heap.policy.oldLimitBytes, "the error names what survived, over old space's share")
        XCTAssertGreaterThan(heap.statistics.majorCollections, 0, "reported only after a full collection")
        // Retrying without freeing anything fails the same way, never a crash.
        for _ in 0..<5 {
            XCTAssertThrowsError(try heap.allocate(pointers: 0, bytes: 1000)) {
                guard case .heapExhausted? = $0 as? HeapError else { return XCTFail("\($0)") }
            }
        }
        XCTAssertThrowsError(try heap.allocate(pointers: 0, bytes: 4 << 20)) {
            guard case let .heapExhausted(_, limit)? = $0 as? HeapError else { return XCTFail("\($0)") }
            XCTAssertEqual(limit, 2 << 20)
        }
        // Dropping the roots makes the heap usable again.
        for r in roots { try heap.release(r) }
        roots.removeAll()
        for _ in 0..<1000 { roots.append(heap.makeRoot(try heap.allocate(pointers: 0, bytes: 1000))) }
        try heap.collectMajor()
        XCTAssertEqual(heap.verify(), [])
        XCTAssertLessThanOrEqual(heap.statistics.oldBytesInUse, heap.policy.oldLimitBytes)
    }

    func testMisuseGetsTypedErrors() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig())
        let o = try heap.allocate(pointers: 2, bytes: 3)
        XCTAssertThrowsError(try heap.checkedLoad(o, 2)) { XCTAssertEqual($0 as? HeapError, .fieldOutOfRange(field: 2, count: 2)) }
        XCTAssertThrowsError(try heap.checkedStore(o, -1, .null)) { XCTAssertEqual($0 as? HeapError, .fieldOutOfRange(field: -1, count: 2)) }
        XCTAssertThrowsError(try heap.storeByte(o, 3, 1)) { XCTAssertEqual($0 as? HeapError, .offsetOutOfRange(offset: 3, count: 3)) }
        XCTAssertThrowsError(try heap.loadByte(o, -1)) { XCTAssertEqual($0 as? HeapError, .offsetOutOfRange(offset: -1, count: 3)) }
        XCTAssertThrowsError(try heap.allocate(pointers: -1, bytes: 0)) { XCTAssertEqual($0 as? HeapError, .invalidObjectSize(pointers: -1, bytes: 0)) }
        let r = heap.makeRoot(o)
        try heap.release(r)
        XCTAssertThrowsError(try heap.get(r)) { XCTAssertEqual($0 as? HeapError, .staleRoot) }
        XCTAssertThrowsError(try heap.release(r)) { XCTAssertEqual($0 as? HeapError, .staleRoot) }
        let reused = heap.makeRoot(o)   // same slot, new generation
        XCTAssertThrowsError(try heap.get(r)) { XCTAssertEqual($0 as? HeapError, .staleRoot) }
        XCTAssertEqual(try heap.object(reused), o)
        var bad = HeapConfiguration()
        bad.promotionAge = 4
        XCTAssertThrowsError(try Heap<SoftwareBarrier>(configuration: bad)) {
            XCTAssertEqual("\($0)", "invalid heap configuration: promotionAge must be 1, 2 or 3, not 4")
        }
    }

    func testImmediatesAreNeverTraced() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig())
        let r = heap.makeRoot(try heap.allocate(pointers: 2, bytes: 0))
        heap.store(try heap.object(r)!, 0, Value(immediate: -12345))
        try heap.collectMajor()
        XCTAssertEqual(heap.load(try heap.object(r)!, 0).immediate, -12345)
        XCTAssertEqual(heap.verify(), [])
    }

    func testHardwareBarrierUnavailableNamesTheFeature() throws {
        // The probe with WP_ASYNC masked stands in for a pre-6.7 kernel.
        let masked = Probe.run(maskedFeatures: 1 << 15)
        guard case .unavailable(let reason) = BarrierKind.hardware.availability(masked) else { return XCTFail() }
        XCTAssertTrue(reason.contains("UFFD_FEATURE_WP_ASYNC") && reason.contains("6.7"), reason)
        let (kind, notice) = BarrierKind.parse("auto", probe: masked)!
        XCTAssertEqual(kind, .software)
        XCTAssertTrue(notice?.contains("software") == true)
    }
}
