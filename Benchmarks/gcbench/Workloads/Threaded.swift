import Foundation
import GCHeap
import WriteWatch

/// A value handed to worker threads that the heap's design makes safe to
/// share (each thread uses only its own mutator) but Swift cannot see so.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
}

/// Runs `body` on `count` threads, each attached to `heap` with its own
/// mutator; the calling thread (the heap's main mutator) waits inactive, so
/// it never holds up their collections. Returns each thread's summary, and
/// throws the first thread's failure.
func onThreads<B: Barrier>(_ heap: Heap<B>, _ count: Int, _ body: @escaping (Mutator<B>, Int) throws -> String) throws -> [String] {
    let outcome = Outcome()
    let sharedHeap = Unchecked(value: heap), sharedBody = Unchecked(value: body)
    let group = DispatchGroup()
    heap.deactivate()
    for t in 0..<count {
        group.enter()
        let thread = Thread {
            let m = sharedHeap.value.attach()
            do {
                let s = try sharedBody.value(m, t)
                outcome.lock.lock(); outcome.summaries[t] = s; outcome.lock.unlock()
            } catch {
                outcome.lock.lock(); if outcome.failure == nil { outcome.failure = error }; outcome.lock.unlock()
            }
            m.detach()
            group.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    group.wait()
    heap.activate()
    if let failure = outcome.failure { throw failure }
    return (0..<count).map { outcome.summaries[$0] ?? "" }
}

/// What the threads of `onThreads` report, guarded by its lock.
private final class Outcome: @unchecked Sendable {
    let lock = NSLock()
    var summaries: [Int: String] = [:]
    var failure: (any Error)?
}

/// A workload that can run on attached threads: `threadCount` of them, or
/// nil when it runs on the heap's own mutator alone.
protocol ThreadedWorkload: Workload {
    var threadCount: Int? { get }
}

/// Whippet's mt-gcbench: `threads` threads, each running the whole of
/// GCBench on the shared heap (its own long-lived tree and array), so the
/// work grows with the threads and the wall time shows how the heap and the
/// barrier scale.
struct MTGCBenchWorkload: ThreadedWorkload {
    var threads = 1
    var gcbench = GCBenchWorkload()

    var name: String { "mt-gcbench:\(threads)" }
    var threadCount: Int? { threads }
    var parameters: String { "\(threads) threads, each GCBench \(gcbench.parameters)" }
    var configuration: HeapConfiguration { .benchmark() }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let summaries = try onThreads(heap, threads) { m, _ in try gcbench.body(m) }
        return "\(threads) threads: \(summaries[0])"
    }
}

/// Threads storing into neighbouring slots of one old array, where card
/// marking shares a cache line between cores and page tracking shares
/// nothing. Within each 512-byte card, thread t owns the 64-byte lines
/// t, t + T, t + 2T, ...: the array's lines are never shared, the card byte
/// always is. Each step every thread makes `storesPerStep` stores of pool
/// objects (old, plus a few young ones per step) and polls a safepoint;
/// thread 0 then runs a minor collection.
struct SharedStoreWorkload: ThreadedWorkload {
    var threads = 1
    var arrayBytes = 1 << 20
    var storesPerStep = 262_144
    var steps = 40
    var poolSize = 1024

    var name: String { "shared-store:\(threads)" }
    var threadCount: Int? { threads }
    var parameters: String { "\(threads) threads, \(arrayBytes >> 20) MB array, \(storesPerStep) stores per thread per step, \(steps) steps" }
    var configuration: HeapConfiguration { .benchmark() }

    /// The slot of thread t's s-th store: its own 64-byte lines of every card.
    static func slot(thread t: Int, threads: Int, store s: Int, fields: Int) -> Int {
        let line = (s >> 3) &* threads &+ t     // the thread's (s / 8)-th line
        return (line &* 8 &+ (s & 7)) % fields
    }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let fields = arrayBytes / 8
        let array = heap.makeRoot(try heap.allocate(pointers: fields, bytes: 0, tag: 1))
        let pool = heap.makeRoot(try heap.allocate(pointers: poolSize, bytes: 0, tag: 2))
        for i in 0..<poolSize { heap.store(try heap.object(pool)!, i, try heap.allocate(pointers: 0, bytes: 8, tag: UInt32(i))) }
        for _ in 0...heap.configuration.promotionAge { try heap.collectMinor() }
        let (threads, steps, storesPerStep, poolSize) = (self.threads, self.steps, self.storesPerStep, self.poolSize)
        let barrier = Unchecked(value: StepBarrier(threads))
        _ = try onThreads(heap, threads) { m, t in
            let heap = m.heap
            for step in 0..<steps {
                // One young object per thread and step, stored first.
                let young = try m.allocate(pointers: 0, bytes: 8, tag: UInt32(1_000_000 + step * threads + t))
                m.store(try heap.object(array)!, SharedStoreWorkload.slot(thread: t, threads: threads, store: 0, fields: fields), young)
                let a = try heap.object(array)!, p = try heap.object(pool)!
                for s in 1..<storesPerStep {
                    m.store(a, SharedStoreWorkload.slot(thread: t, threads: threads, store: s, fields: fields),
                            m.load(p, (s &* 7 &+ step) & (poolSize - 1)))
                }
                barrier.value.arrive(m)
                if t == 0 { try m.collectMinor() }
                barrier.value.arrive(m)
            }
            return ""
        }
        // Every thread's last step decides its slots; check them all.
        let a = try heap.object(array)!
        var checked = 0
        for t in 0..<threads {
            var expected: [Int: UInt32] = [:]
            let step = steps - 1
            for s in 0..<storesPerStep {
                let slot = SharedStoreWorkload.slot(thread: t, threads: threads, store: s, fields: fields)
                expected[slot] = s == 0 ? UInt32(1_000_000 + step * threads + t) : UInt32((s &* 7 &+ step) & (poolSize - 1))
            }
            for (slot, tag) in expected {
                guard let o = heap.load(a, slot).ref, heap.isPlausible(o), heap.tag(o) == tag else {
                    throw WorkloadFailure("thread \(t): slot \(slot) should hold the object tagged \(tag)")
                }
                checked += 1
            }
        }
        return "\(threads) threads x \(storesPerStep) stores x \(steps) steps; \(checked) slots hold the expected objects"
    }

    /// A reusable barrier for the step loop that waits at safepoints, so a
    /// thread waiting here never holds up the collection it waits for.
    final class StepBarrier: @unchecked Sendable {
        let count: Int
        let lock = NSLock()
        var arrived = 0
        var generation = 0

        init(_ count: Int) { self.count = count }

        func arrive<B>(_ m: Mutator<B>) {
            lock.lock()
            let g = generation
            arrived += 1
            if arrived == count {
                arrived = 0
                generation += 1
                lock.unlock()
                return
            }
            lock.unlock()
            while true {
                m.safepoint()
                lock.lock()
                let done = generation != g
                lock.unlock()
                if done { return }
                sched_yield()
            }
        }
    }
}
