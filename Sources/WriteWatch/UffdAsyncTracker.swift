#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch

/// Hardware dirty tracking: userfaultfd WP_ASYNC + PAGEMAP_SCAN.
///
/// Invariant: between two collects every tracked page is either
/// write-protected in its page table entry or reported by the next collect.
/// Registration arms every page (WP_UNPOPULATED covers pages never touched);
/// a write clears the protection in the kernel without waking us (WP_ASYNC);
/// one PAGEMAP_SCAN per contiguous span reads the written pages and
/// re-protects them in the same walk, so there is no window in which a write
/// can slip between reading and re-arming.
///
/// Everything that could break the invariant is turned into over-reporting:
/// - a scan that fails (EPERM when part of a span lost its registration,
///   EFAULT, ENOMEM, EINTR) has already re-armed pages it found, so the rest
///   of the span is re-registered, re-armed and reported wholly written;
/// - PM_SCAN_CHECK_WPASYNC makes an unregistered stretch an error instead of
///   a silent skip;
/// - after fork() the inherited descriptors describe the parent (a pagemap fd
///   reads the parent's pages and would re-arm them), so the child never
///   touches them: it opens its own, re-registers, and reports everything.
public final class UffdAsyncTracker: WriteTracker {
    /// How the tracker is opened.
    public struct Options: Sendable {
        /// Entries in the PAGEMAP_SCAN region vector. A collect needs one
        /// call per `vectorCapacity` dirty regions.
        public var vectorCapacity = 256
        /// Open the descriptor with UFFD_USER_MODE_ONLY, which unprivileged
        /// processes need when vm.unprivileged_userfaultfd is 0.
        public var userModeOnly = true
        /// Feature bits to pretend the kernel lacks (for testing fallbacks).
        public var maskedFeatures: UInt64 = 0

        public init(vectorCapacity: Int = 256, userModeOnly: Bool = true, maskedFeatures: UInt64 = 0) {
            self.vectorCapacity = vectorCapacity
            self.userModeOnly = userModeOnly
            self.maskedFeatures = maskedFeatures
        }
    }

    /// The descriptors of one process: replaced, never shared, after fork().
    private final class Session {
        let uffd: Userfaultfd
        let scanner: PagemapScanner
        init(_ options: Options) throws(WriteWatchError) {
            uffd = try Userfaultfd(features: WW_FEATURE_WP_ASYNC | WW_FEATURE_WP_UNPOPULATED, userModeOnly: options.userModeOnly)
            scanner = try PagemapScanner(capacity: options.vectorCapacity)
        }
    }

    public let mechanism = Mechanism.uffdAsync
    public let options: Options
    public private(set) var statistics = TrackerStatistics()
    public var trackedRanges: [PageRange] { ranges.ranges }

    private var ranges = TrackedRanges()
    private var session: Session?
    private var isClosed = false
    private var ownerPID: pid_t
    /// Set when tracking had to be re-established: the next collect reports
    /// every tracked page, with this as the reason.
    private var reportEverythingNext: WriteWatchError?

    /// Makes the next PAGEMAP_SCAN call (of a collect or a peek) fail with
    /// this error after the kernel has done its work: the worst case of a
    /// real failure. For tests.
    public var injectNextScanFailure: Errno?

    /// Opens a tracker, or throws `.unsupported` naming the missing feature
    /// and the kernel version that has it.
    public init(options: Options = Options()) throws(WriteWatchError) {
        let probe = Probe.run(maskedFeatures: options.maskedFeatures, userModeOnly: options.userModeOnly)
        try probe.require(.uffdAsync)
        self.options = options
        self.session = try Session(options)
        self.ownerPID = getpid()
    }

    deinit { close() }

    public func track(_ range: PageRange) throws(WriteWatchError) {
        let session = try liveSession()
        let index = try ranges.insertionIndex(for: range)
        try session.uffd.registerAndArm(range)
        ranges.insert(range, at: index)
    }

    public func untrack(_ range: PageRange) throws(WriteWatchError) {
        let session = try liveSession()
        let index = try ranges.index(of: range)
        ranges.remove(at: index)
        if let errno = session.uffd.unregister(range) {
            throw .system(operation: "UFFDIO_UNREGISTER(\(range))", errno: errno)
        }
    }

    @discardableResult
    public func collect(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport {
        if isClosed { throw .closed }
        let before = written.pageCount
        var report = CollectReport()
        let session = establishSession()
        if let why = reportEverythingNext {
            ranges.reportAll(into: &written, because: why, in: &report)
            if session != nil { reportEverythingNext = nil }
        } else if let session {
            for span in ranges.spans {
                guard let failure = session.scanner.scan(span, into: &written, calls: &report.scanCalls, inject: &injectNextScanFailure) else { continue }
                let lost = PageRange(start: failure.from, end: span.end)
                rearm(lost, session)
                written.appendCoalescing(lost)
                report.degraded.append(Degradation(range: lost, error: .system(operation: "PAGEMAP_SCAN(\(lost))", errno: failure.errno)))
            }
        }
        record(report, reported: written.pageCount - before, into: &statistics)
        return report
    }

    @discardableResult
    public func peek(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport {
        let session = try liveSession()
        var report = CollectReport()
        if let why = reportEverythingNext {
            ranges.reportAll(into: &written, because: why, in: &report)
            return report
        }
        for span in ranges.spans {
            if let failure = session.scanner.scan(span, into: &written, calls: &report.scanCalls, inject: &injectNextScanFailure, rearm: false) {
                let rest = PageRange(start: failure.from, end: span.end)
                written.appendCoalescing(rest)
                report.degraded.append(Degradation(range: rest, error: .system(operation: "PAGEMAP_SCAN(\(rest))", errno: failure.errno)))
            }
        }
        return report
    }

    public func reset(_ range: PageRange) throws(WriteWatchError) {
        let session = try liveSession()
        try ranges.checkCovered(range)
        if let errno = session.uffd.writeProtect(range, true) {
            throw .system(operation: "UFFDIO_WRITEPROTECT(\(range))", errno: errno)
        }
    }

    public func suspend(_ range: PageRange) throws(WriteWatchError) {
        let session = try liveSession()
        try ranges.checkCovered(range)
        if let errno = session.uffd.writeProtect(range, false) {
            throw .system(operation: "UFFDIO_WRITEPROTECT(\(range), off)", errno: errno)
        }
    }

    public func close() {
        isClosed = true
        session = nil
        ranges = TrackedRanges()
    }

    // MARK: - Recovery

    private func liveSession() throws(WriteWatchError) -> Session {
        if isClosed { throw .closed }
        guard let session = establishSession() else { throw reportEverythingNext ?? .closed }
        return session
    }

    /// The session of this process, opening one if tracking was lost. Any
    /// reopen arms every range and leaves `reportEverythingNext` set, since
    /// what was written before is unknown.
    private func establishSession() -> Session? {
        if getpid() != ownerPID {
            // Close, never use: the inherited descriptors act on the parent.
            session = nil
            ownerPID = getpid()
            reportEverythingNext = .inheritedAcrossFork
        }
        if let session { return session }
        do {
            let fresh = try Session(options)
            for r in ranges.ranges { try fresh.uffd.registerAndArm(r) }
            session = fresh
        } catch {
            if reportEverythingNext == nil { reportEverythingNext = error }
        }
        return session
    }

    /// Re-registers and re-arms the tracked parts of `lost`, best effort: if
    /// it fails, the next scan fails there again and over-reports again.
    private func rearm(_ lost: PageRange, _ session: Session) {
        for r in ranges.ranges where r.overlaps(lost) {
            let part = PageRange(start: max(r.start, lost.start), end: min(r.end, lost.end))
            _ = session.uffd.register(part)
            _ = session.uffd.writeProtect(part, true)
        }
    }
}
