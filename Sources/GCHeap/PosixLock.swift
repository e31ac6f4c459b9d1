#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex, for the heap's two locks (the safepoint lock and the
/// concurrent marker's). Not Synchronization's `Mutex`: both need condition
/// variables that wait on the lock, and threads that must block in the
/// kernel rather than spin (a spinning thread receives the TLB-flush IPI of
/// every page-table change a collection makes).
final class PosixLock {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
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
}

/// A condition variable waited on with a `PosixLock` held.
final class PosixCondition {
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() { pthread_cond_init(cond, nil) }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    /// Lock held: sleeps until signalled.
    func wait(_ lock: PosixLock) { pthread_cond_wait(cond, lock.mutex) }

    /// Lock held: sleeps until signalled or for `microseconds`.
    func wait(_ lock: PosixLock, microseconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let ns = Int(now.tv_nsec) + microseconds * 1000
        var deadline = timespec(tv_sec: now.tv_sec + ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
        pthread_cond_timedwait(cond, lock.mutex, &deadline)
    }

    func signal() { pthread_cond_signal(cond) }
    func broadcast() { pthread_cond_broadcast(cond) }
}
