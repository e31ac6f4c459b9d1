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
@usableFromInline
final class Safepoints {
    /// Set while a collection waits for or runs with the world stopped; the
    /// one word the mutator's `safepoint()` fast path reads.
    @usableFromInline let requested = Atomic<Bool>(false)
    /// Collections finished, readable from any thread without the lock.
    let completed = Atomic<Int>(0)

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let parkedChanged: UnsafeMutablePointer<pthread_cond_t>
    private let resumed: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`: no two threads touch them at once.
    @exclusivity(unchecked) private(set) var active = 0
    @exclusivity(unchecked) private var parked = 0
    @exclusivity(unchecked) private(set) var collecting = false
    @exclusivity(unchecked) private var epoch = 0
    /// Nanoseconds from requesting a collection to the last mutator parking,
    /// and how many other mutators it waited for.
    @exclusivity(unchecked) private(set) var lastTimeToSafepoint: UInt64 = 0
    @exclusivity(unchecked) private(set) var lastStopped = 0

    init() {
        mutex = .allocate(capacity: 1)
        parkedChanged = .allocate(capacity: 1)
        resumed = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(parkedChanged, nil)
        pthread_cond_init(resumed, nil)
    }

    deinit {
        pthread_cond_destroy(resumed)
        pthread_cond_destroy(parkedChanged)
        pthread_mutex_destroy(mutex)
        resumed.deallocate()
        parkedChanged.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }

    /// An active mutator, lock held, stops until the current collection ends.
    func park() {
        parked += 1
        pthread_cond_signal(parkedChanged)
        let e = epoch
        while epoch == e { pthread_cond_wait(resumed, mutex) }
        parked -= 1
    }

    /// Lock held, by an active mutator: returns with every other active
    /// mutator parked. If another collection is under way, parks for it
    /// first and returns false: the caller decides whether it still needs one.
    func stopTheWorld(now: () -> UInt64) -> Bool {
        if collecting {
            park()
            return false
        }
        return stopOthers(now: now, callerIsMutator: true)
    }

    /// Lock held, by the concurrent marker (not a mutator) or a mutator:
    /// returns with every active mutator other than the caller parked,
    /// after any collection under way has ended.
    @discardableResult
    func stopOthers(now: () -> UInt64, callerIsMutator: Bool) -> Bool {
        waitWhileCollecting()
        collecting = true
        requested.store(true, ordering: .releasing)
        let start = now()
        // Re-read `active` on every wake-up: a mutator that deactivates
        // instead of parking lowers it.
        while parked < (callerIsMutator ? active - 1 : active) { pthread_cond_wait(parkedChanged, mutex) }
        lastTimeToSafepoint = now() - start
        lastStopped = parked
        return true
    }

    /// Lock held: lets every parked and waiting mutator run again.
    func resumeTheWorld() {
        collecting = false
        requested.store(false, ordering: .releasing)
        epoch += 1
        pthread_cond_broadcast(resumed)
    }

    /// Lock held: waits for a collection under way to end (a thread that is
    /// not active, becoming active or attaching).
    func waitWhileCollecting() {
        while collecting { pthread_cond_wait(resumed, mutex) }
    }

    /// Lock held: one more, or one fewer, active mutator.
    func becameActive() { active += 1 }
    func becameInactive() {
        active -= 1
        pthread_cond_signal(parkedChanged)
    }
}
