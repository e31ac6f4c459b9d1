import XCTest
import Foundation
import GCHeap
import WriteWatch

/// Starts `count` threads running `body(index)` and waits for all of them.
func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
    group.wait()
}

/// A box for results written by one thread and read after it is joined.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var problems: [String] = []
    func add(_ p: String) { lock.lock(); problems.append(p); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return problems }
}

/// T threads on one heap. Each keeps a model of what it stored: into an old
/// array of its own, and into its interleaved slots of one shared old array
/// (slot i * T + t), so threads store old-to-young pointers next to each
/// other's. Every thread checks its slots against its model after each of
/// its own explicit collections and at the end, while the others keep
/// allocating and triggering collections of their own. The main thread
/// verifies the whole heap after joining. The `none` barrier must be caught.
struct ThreadedDifferential: HeapScenario {
    var threads = 3
    var rounds = 150
    var slots = 64

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var config = smallConfig(promotionAge: 2)
        config.allocationBufferBytes = 4 << 10
        let heap = try Heap<B>(configuration: config)
        let promotionAge = config.promotionAge
        let shared = try heap.allocateOld(pointers: slots * threads, bytes: 0, tag: 7)
        let results = Results()
        let box = UncheckedHeap(heap)
        // The main thread waits outside the heap: inactive, or the others'
        // collections would wait for it forever.
        heap.deactivate()
        defer { heap.activate() }
        runThreads(threads) { t in
            let heap = box.heap
            let m = heap.attach()
            defer { m.detach() }
            do {
                let own = heap.makeRoot(try m.allocate(pointers: slots, bytes: 0, tag: UInt32(100 + t)))
                for _ in 0..<promotionAge { try m.collectMinor() }
                var model = [UInt32](repeating: 0, count: slots)        // own array
                var sharedModel = [UInt32](repeating: 0, count: slots)  // my slots of the shared one
                var seq: UInt32 = 0
                func check(_ when: String) throws {
                    for i in 0..<slots {
                        for (array, index, expected) in [(own, i, model[i]), (shared, i * threads + t, sharedModel[i])] where expected != 0 {
                            let holder = try heap.object(array)!
                            guard let o = m.load(holder, index).ref, heap.isPlausible(o), heap.tag(o) == expected,
                                  try heap.loadByte(o, 0) == UInt8(truncatingIfNeeded: expected) else {
                                results.add("thread \(t) \(when): slot \(index) lost object \(expected)")
                                return
                            }
                        }
                    }
                }
                for round in 0..<rounds {
                    for i in 0..<slots {
                        // Garbage between the stores: the nursery fills and
                        // any thread may start a collection here.
                        _ = try m.allocate(pointers: 2, bytes: 32, tag: 1)
                        seq += 1
                        let tag = UInt32(t + 1) << 24 | seq
                        let o = try m.allocate(pointers: 1, bytes: 8, tag: tag)
                        try heap.storeByte(o, 0, UInt8(truncatingIfNeeded: tag))
                        if (i + round) % 2 == 0 {
                            m.store(try heap.object(own)!, i, o)
                            model[i] = tag
                        } else {
                            m.store(try heap.object(shared)!, i * threads + t, o)
                            sharedModel[i] = tag
                        }
                    }
                    if round % 7 == t { try m.collectMinor(); try check("after a minor") }
                    if round % 23 == t { try m.collectMajor(); try check("after a major") }
                    m.safepoint()
                }
                try check("at the end")
            } catch {
                results.add("thread \(t): \(error)")
            }
        }
        heap.activate()
        var problems = results.all + heap.verify()
        if heap.statistics.threadsStopped == 0 { problems.append("no collection ever had another thread to stop: the threads never overlapped") }
        heap.deactivate()
        return problems
    }
}

/// A heap reference handed to threads that use it only through their own
/// mutators (the heap is built for that; Swift cannot see it).
struct UncheckedHeap<B: Barrier>: @unchecked Sendable {
    let heap: Heap<B>
    init(_ heap: Heap<B>) { self.heap = heap }
}

final class ThreadTests: XCTestCase {
    func testThreadsStoringIntoSharedOldArraysMatchTheirModels() throws {
        try assertSoundAndCaught(ThreadedDifferential())
    }

    /// A thread blocked in read(2) into a heap buffer, marked inactive, does
    /// not stop collections; under the hardware barrier the kernel's write
    /// into the (old, never moving) buffer is tracked like any other write.
    func testInactiveThreadBlockedInReadDoesNotStopCollections() throws {
        for kind in [BarrierKind.hardware, .software] {
            try kind.accept(BlockedReader())
        }
    }

    struct BlockedReader: BarrierVisitor {
        func visit<B: Barrier>(_: B.Type) throws {
            let heap = try Heap<B>(configuration: smallConfig())
            let buffer = heap.makeRoot(try heap.allocate(pointers: 0, bytes: 64 << 10, tag: 9))   // large: old at once
            try heap.collectMinor()
            var pipeEnds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&pipeEnds), 0)
            let fds = pipeEnds
            let address = try heap.object(buffer)!.address
            let box = UncheckedHeap(heap)
            let blocked = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            let readResult = Results()
            Thread {
                let m = box.heap.attach()
                let data = UnsafeMutableRawPointer(bitPattern: address + 16)!
                let n = m.inactive { () -> Int in
                    blocked.signal()
                    return read(fds[0], data, 4096)
                }
                if n != 4096 { readResult.add("read returned \(n), errno \(errno)") }
                m.detach()
                done.signal()
            }.start()
            blocked.wait()
            usleep(20_000)   // let it block in read(2)
            // Collections while the reader is blocked: they must not wait
            // for it. They run on a third thread so that a hang fails the
            // test instead of stopping it; the main thread waits inactive.
            let collections = DispatchSemaphore(value: 0)
            Thread {
                let c = box.heap.attach()
                do { for _ in 0..<5 { try c.collectMinor() } } catch { readResult.add("\(error)") }
                c.detach()
                collections.signal()
            }.start()
            heap.deactivate()
            let collected = collections.wait(timeout: .now() + 20)
            XCTAssertEqual(collected, .success, "\(B.name): a blocked inactive thread stopped collections")
            let page = [UInt8](repeating: 0x5A, count: 4096)
            XCTAssertEqual(page.withUnsafeBytes { write(fds[1], $0.baseAddress, 4096) }, 4096)
            XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "\(B.name): the reader never returned")
            heap.activate()
            XCTAssertEqual(readResult.all, [], B.name)
            try heap.collectMinor()
            if B.name == "hardware" {
                XCTAssertGreaterThanOrEqual(heap.statistics.lastMinorDirtyPages, 1, "the kernel's write into the heap buffer was not reported")
            }
            XCTAssertEqual(try heap.loadByte(try heap.object(buffer)!, 100), 0x5A)
            XCTAssertEqual(heap.verify(), [], B.name)
            close(fds[0])
            close(fds[1])
        }
    }

    func testInactiveMutatorGetsATypedError() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig())
        heap.deactivate()
        XCTAssertThrowsError(try heap.collectMinor()) { XCTAssertEqual($0 as? HeapError, .inactiveMutator) }
        heap.activate()
        try heap.collectMinor()
        XCTAssertEqual(HeapError.inactiveMutator.description.contains("activate()"), true)
    }

    /// Misuse that could corrupt the heap traps with a message instead:
    /// a mutator used from a thread that did not attach it, or after detach.
    func testMisusedMutatorTraps() {
        let fromOtherThread = inChild {
            guard let heap = try? Heap<SoftwareBarrier>(configuration: smallConfig()) else { return 20 }
            let box = UncheckedHeap(heap)
            nonisolated(unsafe) var stolen: Mutator<SoftwareBarrier>?
            let attached = DispatchSemaphore(value: 0)
            Thread { stolen = box.heap.attach(); attached.signal(); sleep(30) }.start()
            attached.wait()
            _ = try? stolen!.allocate(pointers: 1, bytes: 0)   // from the wrong thread
            return 0
        }
        XCTAssertGreaterThan(fromOtherThread, 128, "using another thread's mutator must trap")
        let afterDetach = inChild {
            guard let heap = try? Heap<SoftwareBarrier>(configuration: smallConfig()) else { return 20 }
            let box = UncheckedHeap(heap)
            let finished = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var code: Int32 = 0
            Thread {
                let m = box.heap.attach()
                m.detach()
                _ = try? m.allocate(pointers: 1, bytes: 0)
                code = 0
                finished.signal()
            }.start()
            finished.wait()
            return code
        }
        XCTAssertGreaterThan(afterDetach, 128, "a detached mutator must trap")
    }

    /// Detaching drops what only that thread held: unreachable, as documented.
    func testDetachDropsWhatOnlyTheThreadHeld() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig())
        let box = UncheckedHeap(heap)
        heap.deactivate()
        runThreads(1) { _ in
            let m = box.heap.attach()
            m.push(try! m.allocate(pointers: 0, bytes: 8, tag: 77))
            m.detach()
        }
        heap.activate()
        XCTAssertEqual(heap.attachedThreads, 1)
        try heap.collectMinor()
        XCTAssertFalse(heap.reachableObjects().contains { heap.tag($0) == 77 })
        XCTAssertEqual(heap.verify(), [])
    }
}
