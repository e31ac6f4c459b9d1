import XCTest
import Foundation
import GCHeap
import HeapTrace
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
    private var counted = 0
    func add(_ p: String) { lock.lock(); problems.append(p); lock.unlock() }
    func count() { lock.lock(); counted += 1; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return counted }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return problems }
}

/// T threads on one heap, each running a generated program (a seeded random
/// sequence of operations) against its own model: allocate and store into an
/// old array of its own or into its interleaved slots of one shared old
/// array (slot i * T + t, so threads store old-to-young pointers next to
/// each other's), store an object it already holds into another slot, drop
/// a slot, poke data bytes, allocate garbage, collect. Whenever a thread
/// sees that any collection has completed (its own or another thread's), it
/// checks every slot and every byte it knows against its model. The main
/// thread verifies the whole heap after joining, and checks that the threads
/// really overlapped. The `none` barrier must be caught.
struct ThreadedDifferential: HeapScenario {
    var threads = 3
    var operations = 4000
    var slots = 48
    var seed: UInt64 = 0x7EAD

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var config = smallConfig(promotionAge: 2)
        config.allocationBufferBytes = 4 << 10
        let heap = try Heap<B>(configuration: config)
        let shared = try heap.allocateOld(pointers: slots * threads, bytes: 0, tag: 7)
        let results = Results()
        let box = UncheckedHeap(heap)
        let (threads, operations, slots, seed) = (self.threads, self.operations, self.slots, self.seed)
        // The main thread waits outside the heap: inactive, or the others'
        // collections would wait for it forever.
        heap.deactivate()
        runThreads(threads) { t in
            let heap = box.heap
            let m = heap.attach()
            defer { m.detach() }
            var random = SplitMix64(seed: seed &+ UInt64(t) &* 0x9E37)
            func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
            do {
                let own = heap.makeRoot(try m.allocate(pointers: slots, bytes: 0, tag: UInt32(100 + t)))
                var ownModel = [UInt32](repeating: 0, count: slots), sharedModel = ownModel
                var bytes: [UInt32: [UInt8]] = [:]
                var seq: UInt32 = 0
                var seen = heap.collectionsCompleted
                func holder(_ isOwn: Bool) throws -> ObjectRef { try heap.object(isOwn ? own : shared)! }
                func index(_ isOwn: Bool, _ i: Int) -> Int { isOwn ? i : i * threads + t }
                func check(_ when: String) throws -> Bool {
                    results.count()
                    for isOwn in [true, false] {
                        for i in 0..<slots {
                            let expected = isOwn ? ownModel[i] : sharedModel[i]
                            let value = m.load(try holder(isOwn), index(isOwn, i))
                            if expected == 0 {
                                if !value.isNull { results.add("thread \(t) \(when): slot \(i) should be nil"); return false }
                                continue
                            }
                            guard let o = value.ref, heap.isPlausible(o), heap.tag(o) == expected,
                                  try (0..<8).map({ try heap.loadByte(o, $0) }) == bytes[expected]! else {
                                results.add("thread \(t) \(when): \(isOwn ? "own" : "shared") slot \(i) lost object \(expected)")
                                return false
                            }
                        }
                    }
                    return true
                }
                for step in 0..<operations {
                    let isOwn = pick(2) == 0, i = pick(slots)
                    switch pick(100) {
                    case 0..<55:   // a new object into a slot: old-to-young once the array is old
                        seq += 1
                        let tag = UInt32(t + 1) << 24 | seq
                        let o = try m.allocate(pointers: 1, bytes: 8, tag: tag)
                        m.store(try holder(isOwn), index(isOwn, i), o)
                        bytes[tag] = [UInt8](repeating: 0, count: 8)
                        if isOwn { ownModel[i] = tag } else { sharedModel[i] = tag }
                    case 55..<65:  // an object already held, into another slot
                        let j = pick(slots)
                        let value = m.load(try holder(true), j)
                        m.store(try holder(isOwn), index(isOwn, i), value)
                        if isOwn { ownModel[i] = ownModel[j] } else { sharedModel[i] = ownModel[j] }
                    case 65..<72:  // drop
                        m.store(try holder(isOwn), index(isOwn, i), Value.null)
                        if isOwn { ownModel[i] = 0 } else { sharedModel[i] = 0 }
                    case 72..<82:  // poke a data byte of a held object
                        let tag = isOwn ? ownModel[i] : sharedModel[i]
                        if tag != 0, let o = m.load(try holder(isOwn), index(isOwn, i)).ref {
                            let k = pick(8), byte = UInt8(pick(256))
                            try heap.storeByte(o, k, byte)
                            bytes[tag]![k] = byte
                        }
                    case 82..<95:  // garbage
                        for _ in 0..<(1 + pick(24)) { _ = try m.allocate(pointers: 2, bytes: 8 * pick(8), tag: 1) }
                    case 95..<98: try m.collectMinor()
                    case 98: try m.collectMajor()
                    default: m.safepoint()
                    }
                    let now = heap.collectionsCompleted
                    if now != seen {
                        seen = now
                        if try !check("after a collection (step \(step))") { return }
                    }
                }
                _ = try check("at the end")
            } catch {
                results.add("thread \(t): \(error)")
            }
        }
        heap.activate()
        var problems = results.all + heap.verify()
        if heap.statistics.threadsStopped == 0 { problems.append("no collection ever had another thread to stop: the threads never overlapped") }
        if B.name != "none", results.total < threads * 10 {
            problems.append("only \(results.total) model checks: too few collections were seen")
        }
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
        for seed: UInt64 in [0x7EAD, 0xBEEF, 0x5EED] {
            try assertSoundAndCaught(ThreadedDifferential(seed: seed))
        }
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
            if B.kind == .hardware {
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
        let fromOtherThread = trapInChild {
            guard let heap = try? Heap<SoftwareBarrier>(configuration: smallConfig()) else { return 20 }
            let box = UncheckedHeap(heap)
            nonisolated(unsafe) var stolen: Mutator<SoftwareBarrier>?
            let attached = DispatchSemaphore(value: 0)
            Thread { stolen = box.heap.attach(); attached.signal(); sleep(30) }.start()
            attached.wait()
            _ = try? stolen!.allocate(pointers: 1, bytes: 0)   // from the wrong thread
            return 0
        }
        assertTrapped(fromOtherThread, "mutator used from a thread other than the one that attached it")
        let afterDetach = trapInChild {
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
        assertTrapped(afterDetach, "mutator used after detach")
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
