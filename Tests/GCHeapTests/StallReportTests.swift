import Foundation
import GCHeap
import XCTest

/// A thread that blocks without deactivating holds up every collection.
/// The heap cannot fix that, but it must say so, naming the thread, instead
/// of hanging without a word.
final class StallReportTests: XCTestCase {
    /// The worker attaches and then blocks on a semaphore while active (the
    /// embedder's bug). The main thread's collection waits for it; after
    /// the configured 100 ms the heap reports once, naming the worker's
    /// thread, and the report's hook lets the worker go, so the collection
    /// finishes. Without the report the test would hang, and XCTest's
    /// time-out fails it.
    func testAStuckCollectionReportsTheThreadItWaitsFor() throws {
        var config = HeapConfiguration()
        config.nurseryBytes = 256 << 10
        config.stallReportMilliseconds = 100
        let heap = try Heap<SoftwareBarrier>(configuration: config)
        let box = UncheckedHeap(heap)
        let reports = Results()
        let attached = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let worker = WorkerID()
        heap.onDiagnostic = { message in
            reports.add(message)
            release.signal()
        }
        Thread {
            let m = box.heap.attach()
            worker.set(UInt(pthread_self()))
            attached.signal()
            release.wait()   // blocked while active: what the report is for
            m.safepoint()
            m.detach()
            finished.signal()
        }.start()
        attached.wait()
        try heap.collectMinor()
        finished.wait()

        XCTAssertEqual(reports.all.count, 1, "\(reports.all)")
        let report = reports.all.first ?? ""
        XCTAssertTrue(report.contains("thread 0x\(String(worker.value, radix: 16))"), report)
        XCTAssertTrue(report.contains("1 active thread(s)") && report.contains("ww_deactivate"), report)
        XCTAssertEqual(heap.diagnostics, reports.all)
    }

    /// The control: a worker that deactivates before blocking delays no
    /// collection, and nothing is reported.
    func testADeactivatedThreadIsNotReported() throws {
        var config = HeapConfiguration()
        config.nurseryBytes = 256 << 10
        config.stallReportMilliseconds = 100
        let heap = try Heap<SoftwareBarrier>(configuration: config)
        let box = UncheckedHeap(heap)
        let reports = Results()
        heap.onDiagnostic = { reports.add($0) }
        let attached = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            let m = box.heap.attach()
            m.deactivate()
            attached.signal()
            release.wait()
            m.activate()
            m.detach()
            finished.signal()
        }.start()
        attached.wait()
        try heap.collectMinor()
        Thread.sleep(forTimeInterval: 0.2)
        try heap.collectMinor()
        release.signal()
        finished.wait()
        XCTAssertEqual(reports.all, [])
    }
}

/// The worker's `pthread_self()`, written before the main thread reads it.
final class WorkerID: @unchecked Sendable {
    private let lock = NSLock()
    private var id: UInt = 0
    func set(_ value: UInt) { lock.lock(); id = value; lock.unlock() }
    var value: UInt { lock.lock(); defer { lock.unlock() }; return id }
}
