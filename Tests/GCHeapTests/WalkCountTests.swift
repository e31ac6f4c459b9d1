import XCTest
import GCHeap
import WriteWatch

/// A page barrier's kernel work per minor collection follows what was
/// written, not the size of old space: one walk reads the written pages
/// (one PAGEMAP_SCAN for hardware), and the re-arm is one call per range
/// written or suspended (while that costs less than a walk), so a minor
/// after which nothing needs re-arming makes no re-arming call at all. A
/// barrier that re-armed by walking old space again shows one call on an
/// idle minor, and fails here.
struct KernelWorkFollowsWrites: HeapScenario {
    /// Pages written far enough apart that no re-arm merges two, in an old
    /// space large enough (8,000 pages) that a call per range costs less
    /// than a walk (TrackerBarrier's cost model: one call per 1,000 pages).
    static let writtenPages = 4
    static let fieldsBetweenWrites = 2000 * PageRange.pageSize / 8

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        guard B.watchesPages else { return [] }
        let heap = try Heap<B>(configuration: smallConfig(promotionAge: 2))
        var problems: [String] = []
        let fields = Self.writtenPages * Self.fieldsBetweenWrites
        let table = try heap.allocateOld(pointers: fields, bytes: 0, tag: 1)
        try heap.collectMinor()

        func minor(_ what: String, churn: Bool) throws -> HeapStatistics {
            // Garbage only: nothing survives, nothing is promoted or suspended.
            if churn { for i in 0..<2000 { _ = try heap.allocate(pointers: 2, bytes: 16, tag: UInt32(i)) } }
            let suspendsBefore = heap.statistics.collectorSuspends
            try heap.collectMinor()
            let s = heap.statistics
            if B.kind == .hardware, s.lastMinorScanCalls != 1 {
                problems.append("\(what): \(s.lastMinorScanCalls) PAGEMAP_SCAN calls, not one walk")
            }
            if s.collectorSuspends - suspendsBefore < 0 { problems.append("\(what): suspends went down") }
            return s
        }

        for round in 0..<3 {
            let s = try minor("idle minor \(round)", churn: true)
            if s.lastMinorDirtyPages != 0 || s.lastMinorRearmCalls != 0 {
                problems.append("idle minor \(round): \(s.lastMinorDirtyPages) dirty pages, \(s.lastMinorRearmCalls) re-arming calls (0 and 0 expected)")
            }
        }

        for k in 0..<Self.writtenPages {
            heap.store(try heap.object(table)!, k * Self.fieldsBetweenWrites, try heap.allocate(pointers: 0, bytes: 8, tag: UInt32(100 + k)))
        }
        let written = try minor("minor after \(Self.writtenPages) scattered writes", churn: false)
        if written.lastMinorDirtyPages != Self.writtenPages || written.lastMinorRearmCalls != Self.writtenPages {
            problems.append("after \(Self.writtenPages) written pages: \(written.lastMinorDirtyPages) dirty pages, \(written.lastMinorRearmCalls) re-arming calls (\(Self.writtenPages) and \(Self.writtenPages) expected)")
        }
        // The targets are promoted now: their remembered slots' pages (armed
        // again) and the promotion arena are suspended, and re-armed by range.
        let suspendsBefore = heap.statistics.collectorSuspends
        let promoted = try minor("minor promoting the targets", churn: false)
        let suspends = promoted.collectorSuspends - suspendsBefore
        if promoted.lastMinorDirtyPages != 0 || suspends == 0 || promoted.lastMinorRearmCalls == 0 || promoted.lastMinorRearmCalls > suspends {
            problems.append("promoting minor: \(promoted.lastMinorDirtyPages) dirty pages, \(suspends) suspends, \(promoted.lastMinorRearmCalls) re-arming calls (0, >0, 1...suspends expected)")
        }
        if heap.statistics.collectorFaultPages != 0 { problems.append("\(heap.statistics.collectorFaultPages) collector protection faults") }
        for k in 0..<Self.writtenPages {
            guard let target = heap.load(try heap.object(table)!, k * Self.fieldsBetweenWrites).ref, heap.tag(target) == UInt32(100 + k) else {
                problems.append("the target stored into written page \(k) was lost")
                continue
            }
        }
        return problems + heap.verify()
    }
}

final class WalkCountTests: XCTestCase {
    /// Every page barrier; the none control loses the stored targets.
    func testKernelWorkPerMinorFollowsWrites() throws {
        try assertSoundAndCaught(KernelWorkFollowsWrites(), controlMustFail: false)
    }
}
