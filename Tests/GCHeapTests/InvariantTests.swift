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
        // One PAGEMAP_SCAN reads the written pages; re-arming is by range
        // (WalkCountTests counts those calls).
        if B.kind == .hardware, heap.statistics.lastMinorScanCalls != 1 {
            problems.append("\(heap.statistics.lastMinorScanCalls) PAGEMAP_SCAN calls in one minor collection")
        }
        return problems
    }
}

/// The collector's own writes to old space (forwarding remembered slots and
/// slots on written pages, promotion) never take a protection fault: it
/// writes only pages the mutator already wrote, or ranges it suspended.
/// With suspension turned off, the same workload must show faults, counted
/// by the audit walk from the pages written outside both sets; for
/// mprotect the count must equal the SIGSEGV handler's own.
struct CollectorTakesNoProtectionFaults: HeapScenario {
    var suspend = true

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var config = smallConfig(promotionAge: 3)
        config.collectorSuspendsArmedPages = suspend
        let heap = try Heap<B>(configuration: config)
        var problems: [String] = []
        let table = try heap.allocateOld(pointers: 3000, bytes: 0, tag: 1)   // a large object
        var holders: [Root] = []
        for i in 0..<300 { holders.append(heap.makeRoot(try heap.allocate(pointers: 4, bytes: 8, tag: UInt32(i)))) }
        for _ in 0..<3 { try heap.collectMinor() }
        var signals = 0, counted = 0, mostRemembered = 0
        for round in 0..<12 {
            for i in stride(from: round % 5, to: 300, by: 5) {
                heap.store(try heap.object(holders[i])!, round % 4, try heap.allocate(pointers: 1, bytes: 8, tag: UInt32(10_000 + round)))
            }
            heap.store(try heap.object(table)!, round * 250, try heap.allocate(pointers: 0, bytes: 8, tag: UInt32(round)))
            // Minors with no mutator writes in between: remembered slots sit
            // on armed pages, and survivors are promoted on the third.
            for _ in 0..<3 {
                let before = (MprotectTracker.faultCount, heap.statistics.collectorFaultPages)
                try heap.collectMinor()
                signals += Int(MprotectTracker.faultCount - before.0)
                counted += heap.statistics.collectorFaultPages - before.1
                mostRemembered = max(mostRemembered, heap.rememberedSlotCount)
            }
        }
        let s = heap.statistics
        if suspend {
            if s.collectorFaultPages != 0 { problems.append("\(s.collectorFaultPages) protection faults taken by the collector") }
            if B.watchesPages, s.collectorSuspends == 0 { problems.append("nothing was suspended: the scenario never wrote an armed page") }
            if s.promotedBytes == 0 || mostRemembered == 0 { problems.append("no promotion or no remembered slots: the scenario proves nothing") }
        } else if s.collectorFaultPages == 0 {
            problems.append("with suspension off the collector faulted and nothing was counted")
        }
        if B.kind == .mprotect, signals != counted {
            problems.append("SIGSEGV handler saw \(signals) faults during collections, the heap counted \(counted)")
        }
        return problems + heap.verify()
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
        if B.kind == .none {
        } else if B.watchesPages {
            if s.lastMinorDirtyPages != 1 { problems.append("\(s.lastMinorDirtyPages) dirty pages for one store") }
        } else if s.lastMinorDirtyCards != 1 {
            problems.append("\(s.lastMinorDirtyCards) dirty cards for one store")
        }
        if heap.load(try heap.object(array)!, 77_777).ref.map({ heap.isPlausible($0) && heap.tag($0) == 2 }) != true {
            problems.append("the young object stored in the large array was lost")
        }
        return problems + heap.verify()
    }
}

/// Old pages given back to the OS after a major and then reused by new old
/// objects still report the mutator's writes: an old-to-young pointer
/// stored into an object on such a page keeps its target alive through the
/// next minor. The barrier's `discard` re-arms released pages (mprotect,
/// uffd-sync), cleans their cards (software), or lets them read as written
/// once (uffd WP_ASYNC); without a barrier the pointer is lost. Also: the
/// major that frees most of old space gives its pages back (the heap's own
/// count of released bytes), so RSS falls.
struct ReleasedPagesStayTracked: HeapScenario {
    static let objects = 8000

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        let heap = try Heap<B>(configuration: smallConfig(promotionAge: 2))
        var problems: [String] = []
        let page = UInt(PageRange.pageSize)
        /// A list of `objects` objects of 4 pointer fields and 200 data
        /// bytes (field 0 the next), all promoted: built young-first, so it
        /// needs no barrier, and even the `none` heap gets it intact.
        func fillOld(tag: UInt32) throws -> Root {
            let head = heap.makeRoot(.null)
            for _ in 0..<Self.objects {
                let o = try heap.allocate(pointers: 4, bytes: 200, tag: tag)
                heap.store(o, 0, try heap.get(head))
                try heap.set(head, Value(o))
            }
            for _ in 0...heap.configuration.promotionAge { try heap.collectMinor() }
            return head
        }
        /// The list's objects: old, so they stay put until a major.
        func nodes(_ head: Root) throws -> [ObjectRef] {
            var out: [ObjectRef] = [], next = try heap.object(head)
            while let o = next, out.count < Self.objects {
                out.append(o)
                next = heap.load(o, 0).ref
            }
            return out
        }

        let firstHead = try fillOld(tag: 2)
        let first = try nodes(firstHead)
        if first.count != Self.objects || first.contains(where: { heap.isYoung($0) }) { return ["the first list is not all old"] }
        // Written and re-armed once, so the pages released below were armed.
        for i in stride(from: 0, to: first.count - 1, by: 7) { heap.store(first[i], 1, first[i + 1]) }
        try heap.collectMinor()
        let released = Set(first.map { $0.address & ~(page - 1) })
        let inUse = heap.statistics.oldBytesInUse
        let releasedBefore = heap.statistics.releasedBytes
        try heap.set(firstHead, .null)
        try heap.collectMajor()
        let given = heap.statistics.releasedBytes - releasedBefore
        if given < inUse / 2 || heap.statistics.oldBytesInUse > inUse / 4 {
            problems.append("a major that freed old space gave back \(given) of \(inUse) bytes, \(heap.statistics.oldBytesInUse) still in use")
        }

        let second = try nodes(fillOld(tag: 3))
        let reused = second.filter { released.contains($0.address & ~(page - 1)) }
        if reused.count < Self.objects / 2 { problems.append("only \(reused.count) new old objects on released pages") }
        // One young object per reused page, stored into an old object there.
        var seen = Set<UInt>(), holders: [ObjectRef] = []
        for o in reused where seen.insert(o.address & ~(page - 1)).inserted {
            let young = try heap.allocate(pointers: 0, bytes: 16, tag: 4)
            try heap.storeByte(young, 15, 0xCD)
            heap.store(o, 3, young)
            holders.append(o)
        }
        try heap.collectMinor()
        let failures = heap.verify()
        if !failures.isEmpty { problems.append("verify: \(failures[0])") }
        let lost = try holders.filter { holder in
            guard let t = heap.load(holder, 3).ref else { return true }
            return try !heap.isPlausible(t) || heap.tag(t) != 4 || heap.loadByte(t, 15) != 0xCD
        }
        if !lost.isEmpty { problems.append("\(lost.count) of \(holders.count) young targets stored on released-then-reused pages were lost") }
        return problems
    }
}

final class InvariantTests: XCTestCase {
    func testReleasedThenReusedPagesStillReportWrites() throws {
        try assertSoundAndCaught(ReleasedPagesStayTracked())
    }

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

    func testCollectorTakesNoProtectionFaults() throws {
        try assertSoundAndCaught(CollectorTakesNoProtectionFaults(), controlMustFail: false)
        // The negative control: without suspension every page barrier must
        // show the collector's faults, or the count above proves nothing.
        for kind in BarrierKind.sound where kind.mechanism != nil {
            XCTAssertEqual(try kind.accept(CollectorTakesNoProtectionFaults(suspend: false)), [], "\(kind)")
        }
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
