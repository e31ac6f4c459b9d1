#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Stopping the world: every attached mutator that is *active* parks at a
/// safepoint before a collection starts, and none runs again until it ends.
///
/// Invariant: while `collecting` is true, every active mutator other than
/// the collecting one is parked (counted in `parked`, waiting on `resumed`),
/// and no inactive one can become active or attach. A mutator is at a
/// safepoint only inside this lock: in the allocation slow path, in an
/// explicit `safepoint()`, or while inactive (blocked in a system call or
/// native code, touching no heap memory). So the collector is the only
/// thread touching the heap for as long as it holds the lock, which is what
/// lets the heap keep its collector state unchecked, and what makes the
/// minor collection's read-write-re-arm bracket exact (DESIGN.md).
///
/// Parked and blocked threads wait in `pthread_cond_wait`, never spin: a
/// spinning thread on another CPU would receive the TLB-flush IPI of every
/// page-table change the collection makes.
///
/// A collection that waits too long for a thread that never parks (one
/// that blocked without deactivating) says so once, through `stalled`:
/// otherwise the embedder sees only a silent hang.
@usableFromInline
final class Safepoints {
    /// Set while a collection waits for or runs with the world stopped; the
    /// one word the mutator's `safepoint()` fast path reads.
    @usableFromInline let requested = Atomic<Bool>(false)
    /// Collections finished, readable from any thread without the lock.
    let completed = Atomic<Int>(0)

    private let mutex = PosixLock()
    private let parkedChanged = PosixCondition()
    private let resumed = PosixCondition()
    // Guarded by `mutex`: no two threads touch them at once.
    @exclusivity(unchecked) private(set) var active = 0
    @exclusivity(unchecked) private var parked = 0
    @exclusivity(unchecked) private(set) var collecting = false
    @exclusivity(unchecked) private var epoch = 0
    /// Nanoseconds from requesting a collection to the last mutator parking,
    /// and how many other mutators it waited for.
    @exclusivity(unchecked) private(set) var lastTimeToSafepoint: UInt64 = 0
    @exclusivity(unchecked) private(set) var lastStopped = 0
    /// The threads now parked (`pthread_self()`), so that a stalled
    /// collection can name the ones it still waits for.
    @exclusivity(unchecked) private(set) var parkedThreads = RawStack<UInt>()
    /// How long a collection waits before calling its `stalled` report;
    /// 0: never.
    let stallReportNanoseconds: UInt64

    init(stallReportMilliseconds: Int) {
        stallReportNanoseconds = UInt64(stallReportMilliseconds) * 1_000_000
    }

    func lock() { mutex.lock() }
    func unlock() { mutex.unlock() }

    /// Runs `body` with the lock held.
    func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R { try mutex.locked(body) }

    /// An active mutator, lock held, stops until the current collection ends.
    func park() {
        parked += 1
        parkedThreads.append(currentThread())
        parkedChanged.signal()
        let e = epoch
        while epoch == e { resumed.wait(mutex) }
        parked -= 1
        for i in 0..<parkedThreads.count where parkedThreads[i] == currentThread() {
            parkedThreads[i] = parkedThreads[parkedThreads.count - 1]
            _ = parkedThreads.popLast()
            break
        }
    }

    /// Lock held, by an active mutator: returns with every other active
    /// mutator parked. If another collection is under way, parks for it
    /// first and returns false: the caller decides whether it still needs one.
    func stopTheWorld(now: () -> UInt64, stalled: (UInt64) -> Void) -> Bool {
        if collecting {
            park()
            return false
        }
        return stopOthers(now: now, callerIsMutator: true, stalled: stalled)
    }

    /// Lock held, by the concurrent marker (not a mutator) or a mutator:
    /// returns with every active mutator other than the caller parked,
    /// after any collection under way has ended. Calls `stalled` (lock
    /// held, with the nanoseconds waited) once if that takes longer than
    /// `stallReportNanoseconds`, and goes on waiting.
    @discardableResult
    func stopOthers(now: () -> UInt64, callerIsMutator: Bool, stalled: (UInt64) -> Void) -> Bool {
        waitWhileCollecting()
        collecting = true
        requested.store(true, ordering: .releasing)
        let start = now()
        var reported = stallReportNanoseconds == 0
        // Re-read `active` on every wake-up: a mutator that deactivates
        // instead of parking lowers it.
        while parked < (callerIsMutator ? active - 1 : active) {
            if reported {
                parkedChanged.wait(mutex)
                continue
            }
            let waited = now() - start
            if waited >= stallReportNanoseconds {
                reported = true
                stalled(waited)
            } else {
                parkedChanged.wait(mutex, microseconds: Int((stallReportNanoseconds - waited) / 1000) + 1)
            }
        }
        lastTimeToSafepoint = now() - start
        lastStopped = parked
        return true
    }

    /// Lock held: lets every parked and waiting mutator run again.
    func resumeTheWorld() {
        collecting = false
        requested.store(false, ordering: .releasing)
        epoch += 1
        resumed.broadcast()
    }

    /// Lock held: waits for a collection under way to end (a thread that is
    /// not active, becoming active or attaching).
    func waitWhileCollecting() {
        while collecting { resumed.wait(mutex) }
    }

    /// Lock held: one more, or one fewer, active mutator.
    func becameActive() { active += 1 }
    func becameInactive() {
        active -= 1
        parkedChanged.signal()
    }
}
