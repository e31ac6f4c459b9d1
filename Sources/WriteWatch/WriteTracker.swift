/// A set of ranges whose written pages can be collected, like Windows'
/// GetWriteWatch with WRITE_WATCH_FLAG_RESET.
///
/// Every tracker keeps one promise: **a page written since the previous
/// collect is in the next collect's result**. When a mechanism cannot tell
/// exactly (a failed scan, a forked child), it reports more pages, never
/// fewer, and says why in `CollectReport.degraded`.
///
/// Trackers are not thread-safe: call them from one thread at a time. Writers
/// on other threads are fine. The mprotect and uffd-sync baselines also need
/// writers paused during `collect` and `reset` (a stop-the-world collector
/// does that); uffd-async does not.
public protocol WriteTracker: AnyObject {
    /// The mechanism behind this tracker.
    var mechanism: Mechanism { get }

    /// The ranges being watched, sorted.
    var trackedRanges: [PageRange] { get }

    /// Running totals since the tracker was created.
    var statistics: TrackerStatistics { get }

    /// Starts watching `range` (page-aligned, disjoint from the others).
    /// Writes before this call are not reported.
    func track(_ range: PageRange) throws(WriteWatchError)

    /// Stops watching exactly `range`, one of the tracked ranges.
    func untrack(_ range: PageRange) throws(WriteWatchError)

    /// Appends every page written since the previous collect, in address
    /// order and coalesced, to `written`, and re-arms them.
    ///
    /// It throws only when nothing was collected (the tracker is closed). A
    /// collect that failed part-way returns normally with the affected
    /// ranges reported as wholly written and listed in the report.
    @discardableResult
    func collect(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport

    /// Appends the pages written since the previous collect without
    /// re-arming them: the next collect still reports them, and they stay
    /// writable without a fault. For verifiers, and for a collector that
    /// updates slots on the written pages before re-arming them with the
    /// next collect.
    @discardableResult
    func peek(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport

    /// Forgets writes to `range` (inside the tracked ranges) and re-arms it,
    /// like ResetWriteWatch. A collector uses it to discard its own writes.
    func reset(_ range: PageRange) throws(WriteWatchError)

    /// Stops watching `range` until the next `reset` of it: writes there
    /// cost no protection fault. For a collector about to write memory it
    /// will re-arm afterwards. With uffd-async the next collect also reports
    /// the suspended pages the collector touched (they read as written) and
    /// re-arms them; with mprotect and uffd-sync only `reset` re-arms them.
    func suspend(_ range: PageRange) throws(WriteWatchError)

    /// Stops watching everything and releases the descriptors. Idempotent.
    func close()
}

/// What one collect did.
public struct CollectReport: Sendable {
    /// PAGEMAP_SCAN calls made (uffd-async only).
    public var scanCalls = 0
    /// Ranges reported wholly written because exact tracking failed there.
    public var degraded: [Degradation] = []

    public init() {}
}

/// A range reported conservatively, and the error that made it so.
public struct Degradation: Sendable, Hashable, CustomStringConvertible {
    public var range: PageRange
    public var error: WriteWatchError

    public init(range: PageRange, error: WriteWatchError) {
        self.range = range
        self.error = error
    }

    public var description: String { "\(range) reported wholly written: \(error)" }
}

/// Running totals of a tracker.
public struct TrackerStatistics: Sendable {
    public var collects = 0
    public var scanCalls = 0
    public var pagesReported = 0
    public var degradedCollects = 0
}

/// Opens a tracker for `mechanism`, or says why it cannot run here.
public func makeTracker(_ mechanism: Mechanism) throws(WriteWatchError) -> any WriteTracker {
    switch mechanism {
    case .uffdAsync: try UffdAsyncTracker()
    case .mprotect: try MprotectTracker()
    case .uffdSync: try UffdSyncTracker()
    }
}

extension WriteTracker {
    /// A convenience: collect into a fresh array.
    public func collect() throws(WriteWatchError) -> [PageRange] {
        var out: [PageRange] = []
        try collect(into: &out)
        return out
    }

    func record(_ report: CollectReport, reported: Int, into stats: inout TrackerStatistics) {
        stats.collects += 1
        stats.scanCalls += report.scanCalls
        stats.pagesReported += reported
        if !report.degraded.isEmpty { stats.degradedCollects += 1 }
    }
}
