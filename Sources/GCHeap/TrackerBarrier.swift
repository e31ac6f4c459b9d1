import WriteWatch

/// A tracker the heap can open for itself.
public protocol HeapTracker: WriteTracker {
    static var barrierName: String { get }
    static func open(_ configuration: HeapConfiguration) throws(WriteWatchError) -> Self
}

extension UffdAsyncTracker: HeapTracker {
    public static var barrierName: String { "hardware" }
    public static func open(_ c: HeapConfiguration) throws(WriteWatchError) -> UffdAsyncTracker {
        try UffdAsyncTracker(options: .init(vectorCapacity: c.scanVectorCapacity, maskedFeatures: c.maskedTrackerFeatures))
    }
}

extension MprotectTracker: HeapTracker {
    public static var barrierName: String { "mprotect" }
    public static func open(_ c: HeapConfiguration) throws(WriteWatchError) -> MprotectTracker { try MprotectTracker() }
}

extension UffdSyncTracker: HeapTracker {
    public static var barrierName: String { "uffd-sync" }
    public static func open(_ c: HeapConfiguration) throws(WriteWatchError) -> UffdSyncTracker { try UffdSyncTracker() }
}

/// A barrier made of page protection: the mutator's pointer store is a
/// plain store, and the OS tells the collector which pages were written.
///
/// Invariant: every old-space page in use is tracked, and every write to it
/// since the previous minor collection is either reported by the tracker or
/// was made by the collector itself, which re-arms (discards) what it wrote
/// before the mutator resumes. The price is granularity: a dirty page is
/// 4 KiB of old objects to scan, against a card's 512 bytes.
public struct TrackerBarrier<Tracker: HeapTracker>: Barrier {
    public static var name: String { Tracker.barrierName }
    public static var watchesPages: Bool { true }

    public let tracker: Tracker

    public init(regions: HeapRegions, configuration: HeapConfiguration) throws(HeapError) {
        do { tracker = try Tracker.open(configuration) } catch {
            throw .barrierUnavailable(Tracker.barrierName, error)
        }
    }

    @inlinable @inline(__always)
    public func recordStore(slot: UInt) {}

    public func oldSpaceGrew(_ range: PageRange) throws(HeapError) {
        do { try tracker.track(range) } catch { throw .barrierUnavailable(Tracker.barrierName, error) }
    }

    public func takeWritten(_ written: inout WrittenRegions, inUse: PageRange) {
        let before = written.regions.count
        do {
            let report = try tracker.collect(into: &written.regions)
            written.scanCalls += report.scanCalls
            written.degraded += report.degraded
        } catch {
            // Closed underneath us: nothing is known, so everything is written.
            written.regions.appendCoalescing(inUse)
            written.degraded.append(Degradation(range: inUse, error: error))
        }
        for r in written.regions[before...] { written.dirtyPages += r.pageCount }
    }

    public func peekWritten(into regions: inout [PageRange], inUse: PageRange) {
        do { try tracker.peek(into: &regions) } catch { regions.appendCoalescing(inUse) }
    }

    public func suspend(_ range: PageRange) {
        // If it fails the collector's writes fault and are discarded later:
        // slower, still right.
        try? tracker.suspend(range)
    }

    public func discard(_ range: PageRange) {
        // If re-arming fails the page stays reported as written: harmless.
        try? tracker.reset(range)
    }

    public func close() { tracker.close() }
}

/// userfaultfd WP_ASYNC + PAGEMAP_SCAN: no barrier code at all.
public typealias HardwareBarrier = TrackerBarrier<UffdAsyncTracker>
/// mprotect + SIGSEGV baseline.
public typealias MprotectBarrier = TrackerBarrier<MprotectTracker>
/// Synchronous userfaultfd baseline.
public typealias UffdSyncBarrier = TrackerBarrier<UffdSyncTracker>
