#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch
import Synchronization

/// Baseline: synchronous userfaultfd write-protect with a handler thread, the
/// mechanism of bdwgc's UFFDWP_VDB.
///
/// Invariant: every tracked page is write-protected or has its dirty byte
/// set. A write to a protected page blocks the writer and queues a message;
/// the handler thread records the page and then unprotects it, which wakes
/// the writer. The thread blocks in poll(2) on the descriptor and a wake-up
/// pipe and never spins. As with mprotect, writers must be paused during
/// collect; and read(2) into a protected page fails with EFAULT, because
/// the kernel will not wait on a user-space handler for its own copy.
public final class UffdSyncTracker: WriteTracker {
    /// The descriptor, the handler thread and the maps it writes into.
    private final class Handler: @unchecked Sendable {
        let uffd: Userfaultfd
        let wake: (read: Int32, write: Int32)
        let maps = Mutex<[DirtyPageMap]>([])
        let ownerPID = getpid()
        var thread = pthread_t()

        init(userModeOnly: Bool) throws(WriteWatchError) {
            let supported = try Userfaultfd.supportedFeatures(userModeOnly: userModeOnly)
            // EVENT_REMOVE: MADV_DONTNEED drops protected PTEs, and a write to
            // the fresh page would not fault; the event lets us mark the
            // pages written so the next collect re-arms them.
            uffd = try Userfaultfd(features: supported & (WW_FEATURE_WP_UNPOPULATED | WW_FEATURE_EVENT_REMOVE), userModeOnly: userModeOnly)
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw .system(operation: "pipe", errno: Errno(rawValue: errno)) }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            wake = (fds[0], fds[1])
            let context = Unmanaged.passRetained(self).toOpaque()
            let r = pthread_create(&thread, nil, { context in
                let handler = Unmanaged<Handler>.fromOpaque(context!).takeRetainedValue()
                handler.run()
                return nil
            }, context)
            if r != 0 {
                Unmanaged<Handler>.fromOpaque(context).release()
                throw .system(operation: "pthread_create", errno: Errno(rawValue: r))
            }
        }

        private func mark(_ pages: PageRange) {
            maps.withLock { maps in
                for map in maps where map.range.overlaps(pages) {
                    var page = max(pages.start, map.range.start)
                    while page < min(pages.end, map.range.end) {
                        map.mark(page)
                        page += UInt(PageRange.pageSize)
                    }
                }
            }
        }

        /// Stops and joins the thread, in the process that started it only.
        func stop() {
            guard getpid() == ownerPID else { return }
            var byte: UInt8 = 1
            _ = write(wake.write, &byte, 1)
            pthread_join(thread, nil)
        }

        deinit {
            _ = Glibc.close(wake.read)
            _ = Glibc.close(wake.write)
        }

        private func run() {
            let pageMask = ~UInt(PageRange.pageSize - 1)
            var fds = [pollfd(fd: uffd.rawValue, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            while true {
                if poll(&fds, 2, -1) < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if fds[1].revents != 0 { return }
                if fds[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return }
                // Drain the queue; EAGAIN sends us back to poll, never round a loop.
                while true {
                    var a: UInt64 = 0, b: UInt64 = 0
                    let r = ww_uffd_read_event(uffd.rawValue, &a, &b)
                    if r == -EAGAIN { break }
                    if r == -EINTR { continue }
                    if r < 0 { return }
                    if r == 1 {
                        let page = UInt(a) & pageMask
                        mark(PageRange(start: page, end: page + UInt(PageRange.pageSize)))
                        _ = uffd.writeProtect(PageRange(start: page, end: page + UInt(PageRange.pageSize)), false)
                    } else if r == 2 {
                        mark(PageRange(start: UInt(a) & pageMask, end: UInt(b)))
                    }
                }
            }
        }
    }

    public let mechanism = Mechanism.uffdSync
    public private(set) var statistics = TrackerStatistics()
    public var trackedRanges: [PageRange] { ranges.ranges }

    private let userModeOnly: Bool
    private var ranges = TrackedRanges()
    private var handler: Handler?
    private var isClosed = false
    private var reportEverythingNext: WriteWatchError?

    public init(userModeOnly: Bool = true) throws(WriteWatchError) {
        try Probe.run(userModeOnly: userModeOnly).require(.uffdSync)
        self.userModeOnly = userModeOnly
        self.handler = try Handler(userModeOnly: userModeOnly)
    }

    deinit { close() }

    public func track(_ range: PageRange) throws(WriteWatchError) {
        let handler = try liveHandler()
        let index = try ranges.insertionIndex(for: range)
        let map = DirtyPageMap(range)
        handler.maps.withLock { $0.append(map) }
        do {
            try handler.uffd.registerAndArm(range)
        } catch {
            handler.maps.withLock { $0.removeAll { $0 === map } }
            throw error
        }
        ranges.insert(range, at: index)
    }

    public func untrack(_ range: PageRange) throws(WriteWatchError) {
        let handler = try liveHandler()
        let index = try ranges.index(of: range)
        ranges.remove(at: index)
        let errno = handler.uffd.unregister(range)
        handler.maps.withLock { $0.removeAll { $0.range == range } }
        if let errno { throw .system(operation: "UFFDIO_UNREGISTER(\(range))", errno: errno) }
    }

    @discardableResult
    public func collect(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport {
        if isClosed { throw .closed }
        let before = written.pageCount
        var report = CollectReport()
        let handler = establishHandler()
        if let why = reportEverythingNext {
            ranges.reportAll(into: &written, because: why, in: &report)
            if handler != nil { reportEverythingNext = nil }
        } else if let handler {
            let maps = handler.maps.withLock { $0 }.sorted { $0.range.start < $1.range.start }
            for map in maps {
                let d = map.collect(into: &written) { run in
                    handler.uffd.writeProtect(run, true).map { .system(operation: "UFFDIO_WRITEPROTECT(\(run))", errno: $0) }
                }
                if let d { report.degraded.append(d) }
            }
        }
        record(report, reported: written.pageCount - before, into: &statistics)
        return report
    }

    @discardableResult
    public func peek(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport {
        let handler = try liveHandler()
        var report = CollectReport()
        if let why = reportEverythingNext {
            ranges.reportAll(into: &written, because: why, in: &report)
            return report
        }
        for map in handler.maps.withLock({ $0 }).sorted(by: { $0.range.start < $1.range.start }) { map.peek(into: &written) }
        return report
    }

    public func reset(_ range: PageRange) throws(WriteWatchError) {
        let handler = try liveHandler()
        try ranges.checkCovered(range)
        if let errno = handler.uffd.writeProtect(range, true) {
            throw .system(operation: "UFFDIO_WRITEPROTECT(\(range))", errno: errno)
        }
        handler.maps.withLock { maps in for m in maps where m.range.overlaps(range) { m.clear(range) } }
    }

    public func suspend(_ range: PageRange) throws(WriteWatchError) {
        let handler = try liveHandler()
        try ranges.checkCovered(range)
        if let errno = handler.uffd.writeProtect(range, false) {
            throw .system(operation: "UFFDIO_WRITEPROTECT(\(range), off)", errno: errno)
        }
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if let handler, getpid() == handler.ownerPID {
            for r in ranges.ranges { _ = handler.uffd.writeProtect(r, false) }
        }
        handler?.stop()
        handler = nil
        ranges = TrackedRanges()
    }

    private func liveHandler() throws(WriteWatchError) -> Handler {
        if isClosed { throw .closed }
        guard let handler = establishHandler() else { throw reportEverythingNext ?? .closed }
        return handler
    }

    /// After fork() the child has no handler thread and its memory is no
    /// longer registered: start over with a descriptor and thread of its own,
    /// and report everything once.
    private func establishHandler() -> Handler? {
        if let handler, getpid() != handler.ownerPID {
            self.handler = nil
            reportEverythingNext = .inheritedAcrossFork
        }
        if let handler { return handler }
        do {
            let fresh = try Handler(userModeOnly: userModeOnly)
            for r in ranges.ranges {
                fresh.maps.withLock { $0.append(DirtyPageMap(r)) }
                try fresh.uffd.registerAndArm(r)
            }
            handler = fresh
        } catch {
            if reportEverythingNext == nil { reportEverythingNext = error }
        }
        return handler
    }
}
