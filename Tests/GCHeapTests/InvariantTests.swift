import XCTest
import GCHeap
import WriteWatch

/// An old-to-young pointer stored once must keep its target alive through
/// any number of minor collections (the page is not written again), and
/// across majors, at every promotion age.
struct OldToYoungSurvives: HeapScenario {
    var promotionAge: Int
    var large: Bool

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        let heap = try Heap<B>(configuration: smallConfig(promotionAge: promotionAge))
        var problems: [String] = []
        let fields = large ? 5000 : 4   // 5000 fields: a 40 KB large object
        let old = try heap.allocateOld(pointers: fields, bytes: 0, tag: 1)
        guard let o = try heap.object(old), !heap.isYoung(o) else { return ["object did not become old"] }
        let field = fields - 1
        let young = try heap.allocate(pointers: 0, bytes: 16, tag: 2)
        try heap.storeByte(young, 15, 0xAB)
        heap.store(try heap.object(old)!, field, young)
        for round in 0..<4 {
            if round == 2 { try heap.collectMajor() } else { try heap.collectMinor() }
            let failures = heap.verify()
            if !failures.isEmpty { problems.append("round \(round): \(failures[0])"); break }
            let holder = try heap.object(old)!
            guard let target = heap.load(holder, field).ref, heap.isPlausible(target), heap.tag(target) == 2,
                  try heap.loadByte(target, 15) == 0xAB else {
                problems.append("round \(round): the young target was lost")
                break
            }
        }
        return problems
    }
}

/// After any collection, a minor collection with no mutator writes in
/// between finds nothing dirty: the collector's own writes (promotion, slot
/// updates, sweeping, returning memory) are never taken for the mutator's.
struct CollectorWritesAreInvisible: HeapScenario {
    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        let heap = try Heap<B>(configuration: smallConfig(promotionAge: 2))
        var problems: [String] = []
        let anchor = heap.makeRoot(try heap.allocate(pointers: 64, bytes: 0, tag: 0))
        for i in 0..<20_000 {
            let o = try heap.allocate(pointers: 2, bytes: 24, tag: UInt32(i))
            heap.store(try heap.object(anchor)!, i % 64, o)
            if i % 5 == 0 { heap.store(o, 0, try heap.object(anchor)!) }
        }
        for (name, collect) in [("minor", heap.collectMinor), ("major", heap.collectMajor)] as [(String, () throws(HeapError) -> Void)] {
            try collect()
            try heap.collectMinor()
            let s = heap.statistics
            if s.lastMinorDirtyPages != 0 || s.lastMinorDirtyCards != 0 {
                problems.append("after a \(name): \(s.lastMinorDirtyPages) dirty pages, \(s.lastMinorDirtyCards) dirty cards with no mutator writes")
            }
        }
        if B.name == "hardware", heap.statistics.lastMinorScanCalls != 1 {
            problems.append("\(heap.statistics.lastMinorScanCalls) PAGEMAP_SCAN calls in one minor collection")
        }
        return problems
    }
}

/// A write to one field of a large pointer array shows up as one dirty page
/// (hardware) or one dirty card (software), not the whole object.
struct LargeObjectScansOnlyWrittenPages: HeapScenario {
    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        let heap = try Heap<B>(configuration: smallConfig())
        let array = heap.makeRoot(try heap.allocate(pointers: 100_000, bytes: 0, tag: 1))   // 800 KB
        try heap.collectMinor()
        let young = try heap.allocate(pointers: 0, bytes: 8, tag: 2)
        heap.store(try heap.object(array)!, 77_777, young)
        try heap.collectMinor()
        var problems: [String] = []
        let s = heap.statistics
        switch B.name {
        case "software": if s.lastMinorDirtyCards != 1 { problems.append("\(s.lastMinorDirtyCards) dirty cards for one store") }
        case "none": break
        default: if s.lastMinorDirtyPages != 1 { problems.append("\(s.lastMinorDirtyPages) dirty pages for one store") }
        }
        if heap.load(try heap.object(array)!, 77_777).ref.map({ heap.isPlausible($0) && heap.tag($0) == 2 }) != true {
            problems.append("the young object stored in the large array was lost")
        }
        return problems + heap.verify()
    }
}

final class InvariantTests: XCTestCase {
    func testOldToYoungPointerSurvivesAtEveryPromotionAge() throws {
        for age in 1...3 {
            try assertSoundAndCaught(OldToYoungSurvives(promotionAge: age, large: false))
        }
    }

    func testOldToYoungPointerInLargeObjectSurvives() throws {
        try assertSoundAndCaught(OldToYoungSurvives(promotionAge: 2, large: true))
    }

    func testCollectorWritesNeverLookLikeMutatorWrites() throws {
        try assertSoundAndCaught(CollectorWritesAreInvisible(), controlMustFail: false)
    }

    func testLargeObjectOnlyWrittenPagesScanned() throws {
        try assertSoundAndCaught(LargeObjectScansOnlyWrittenPages())
    }

    func testVerifierFindsTheNoneBarriersLostObject() throws {
        let heap = try Heap<NoBarrier>(configuration: smallConfig())
        let old = try heap.allocateOld(pointers: 1, bytes: 0, tag: 1)
        heap.store(try heap.object(old)!, 0, try heap.allocate(pointers: 0, bytes: 8, tag: 2))
        XCTAssertFalse(heap.verify().isEmpty, "an unremembered old-to-young pointer before the minor")
        try heap.collectMinor()
        XCTAssertFalse(heap.verify().isEmpty, "a dangling pointer after the minor")
        XCTAssertGreaterThan(heap.statistics.verifyFailures, 0)
    }
}
