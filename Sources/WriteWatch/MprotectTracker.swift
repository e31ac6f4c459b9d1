#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch

/// Baseline: `mprotect(PROT_READ)` plus a SIGSEGV handler (in C, so it is
/// async-signal-safe) that records the page and makes it writable.
///
/// Invariant: every tracked page is read-only or has its dirty byte set. The
/// handler sets the byte before unprotecting; a collect re-protects a run
/// before clearing its bytes. Writers must be paused during collect, as in a
/// stop-the-world collector: a write between the two steps would be lost.
///
/// Known costs, measured by the benchmarks rather than hidden: every first
/// write is a signal (microseconds); each protected run is its own VMA, so
/// scattered protection can exceed vm.max_map_count and fail with ENOMEM;
/// and the kernel cannot write into a protected page for us, so read(2) into
/// tracked memory fails with EFAULT instead of being reported.
public final class MprotectTracker: WriteTracker {
    private struct Entry {
        var map: DirtyPageMap
        var slot: Int32
    }

    public let mechanism = Mechanism.mprotect
    public private(set) var statistics = TrackerStatistics()
    public var trackedRanges: [PageRange] { ranges.ranges }

    private var ranges = TrackedRanges()
    private var entries: [Entry] = []   // parallel to ranges.ranges
    private var isClosed = false

    public init() throws(WriteWatchError) {
        if let errno = Errno.check(ww_mprotect_install()) {
            throw .system(operation: "sigaction(SIGSEGV)", errno: errno)
        }
    }

    deinit { close() }

    /// Write faults resolved by the handler in this process, all trackers.
    public static var faultCount: UInt64 { ww_mprotect_fault_count() }

    public func track(_ range: PageRange) throws(WriteWatchError) {
        if isClosed { throw .closed }
        let index = try ranges.insertionIndex(for: range)
        let map = DirtyPageMap(range)
        let slot = ww_mprotect_track(range.start, range.end, map.bytes)
        if let errno = Errno.check(slot) {
            throw .system(operation: "registering \(range) with the SIGSEGV handler (at most 256 ranges)", errno: errno)
        }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: range.start), range.byteCount, MADV_NOHUGEPAGE)
        if let error = MprotectTracker.protect(range, writable: false) {
            ww_mprotect_untrack(slot)
            throw error
        }
        ranges.insert(range, at: index)
        entries.insert(Entry(map: map, slot: slot), at: index)
    }

    public func untrack(_ range: PageRange) throws(WriteWatchError) {
        if isClosed { throw .closed }
        let index = try ranges.index(of: range)
        let error = MprotectTracker.protect(range, writable: true)
        ww_mprotect_untrack(entries[index].slot)
        ranges.remove(at: index)
        entries.remove(at: index)
        if let error { throw error }
    }

    @discardableResult
    public func collect(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport {
        if isClosed { throw .closed }
        let before = written.pageCount
        var report = CollectReport()
        for entry in entries {
            if let d = entry.map.collect(into: &written, reprotect: { MprotectTracker.protect($0, writable: false) }) {
                report.degraded.append(d)
            }
        }
        record(report, reported: written.pageCount - before, into: &statistics)
        return report
    }

    @discardableResult
    public func peek(into written: inout [PageRange]) throws(WriteWatchError) -> CollectReport {
        if isClosed { throw .closed }
        for entry in entries { entry.map.peek(into: &written) }
        return CollectReport()
    }

    public func reset(_ range: PageRange) throws(WriteWatchError) {
        if isClosed { throw .closed }
        try ranges.checkCovered(range)
        for entry in entries where entry.map.range.overlaps(range) {
            let part = PageRange(start: max(range.start, entry.map.range.start), end: min(range.end, entry.map.range.end))
            if let error = MprotectTracker.protect(part, writable: false) { throw error }
            entry.map.clear(part)
        }
    }

    public func suspend(_ range: PageRange) throws(WriteWatchError) {
        if isClosed { throw .closed }
        try ranges.checkCovered(range)
        if let error = MprotectTracker.protect(range, writable: true) { throw error }
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        for (range, entry) in zip(ranges.ranges, entries) {
            _ = MprotectTracker.protect(range, writable: true)
            ww_mprotect_untrack(entry.slot)
        }
        entries = []
        ranges = TrackedRanges()
    }

    static func protect(_ range: PageRange, writable: Bool) -> WriteWatchError? {
        let prot = writable ? PROT_READ | PROT_WRITE : PROT_READ
        guard mprotect(UnsafeMutableRawPointer(bitPattern: range.start), range.byteCount, prot) != 0 else { return nil }
        let errno = Errno(rawValue: Glibc.errno)
        let hint = errno == .noMemory
            ? " (every protected run is a VMA of its own: raise vm.max_map_count, or track fewer, larger runs)" : ""
        return .system(operation: "mprotect(\(range), \(writable ? "PROT_READ|PROT_WRITE" : "PROT_READ"))\(hint)", errno: errno)
    }
}
