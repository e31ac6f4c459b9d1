import WriteWatch

/// A tracker the heap can open for itself.
public protocol HeapTracker: WriteTracker {
    /// The barrier this tracker makes.
    static var barrierKind: BarrierKind { get }
    /// Whether `collect` re-arms suspended pages the collector wrote (they
    /// read as written), so that `endMinor` needs no `reset` per suspended
    /// range.
    static var collectRearmsSuspended: Bool { get }
    /// Whether `collect` may run while other threads write tracked memory.
    static var collectsWhileWritersRun: Bool { get }
    static func open(_ configuration: HeapConfiguration) throws(WriteWatchError) -> Self
}

extension UffdAsyncTracker: HeapTracker {
    public static var barrierKind: BarrierKind { .hardware }
    public static var collectRearmsSuspended: Bool { true }
    public static var collectsWhileWritersRun: Bool { true }
    public static func open(_ c: HeapConfiguration) throws(WriteWatchError) -> UffdAsyncTracker {
        try UffdAsyncTracker(options: .init(vectorCapacity: c.scanVectorCapacity, maskedFeatures: c.maskedTrackerFeatures))
    }
}

extension MprotectTracker: HeapTracker {
    public static var barrierKind: BarrierKind { .mprotect }
    public static var collectRearmsSuspended: Bool { false }
    public static var collectsWhileWritersRun: Bool { false }
    public static func open(_ c: HeapConfiguration) throws(WriteWatchError) -> MprotectTracker { try MprotectTracker() }
}

extension UffdSyncTracker: HeapTracker {
    public static var barrierKind: BarrierKind { .uffdSync }
    public static var collectRearmsSuspended: Bool { false }
    public static var collectsWhileWritersRun: Bool { false }
    public static func open(_ c: HeapConfiguration) throws(WriteWatchError) -> UffdSyncTracker { try UffdSyncTracker() }
}

/// A barrier made of page protection: the mutator's pointer store is a
/// plain store, and the OS tells the collector which pages were written.
///
/// Invariant: every old-space page in use is armed or was written since the
/// last `endMinor`. A minor collection reads the written pages without
/// re-arming them (`peek`, for uffd-async the minor's one PAGEMAP_SCAN
/// walk), so the collector's slot updates there are plain writes; it
/// suspends every other page it writes (promotion arenas, pages of
/// remembered slots); and `endMinor` re-arms exactly those two sets, by
/// range (UFFDIO_WRITEPROTECT, mprotect), without walking old space again,
/// unless the calls would cost more than one re-arming walk (then one walk
/// re-arms, as it must: written and suspended pages alike read as written).
/// With the mutator stopped between the two, every page the mutator wrote
/// is in the first set, so re-arming by range loses nothing, and what the
/// minor costs the kernel is one read of old space plus the smaller of what
/// was written and suspended or a second walk.
///
/// A page the collector wrote outside both sets was written while armed: a
/// protection fault. Only an audit (`auditCollectorWrites`, on in tests)
/// sees those, with a second, non-re-arming walk before the re-arm; such a
/// page stays unarmed, so the next minor over-reports it, never loses it.
/// When the walk degraded (a failed scan, a fork) or a re-arm by range
/// fails, `endMinor` falls back to the tracker's re-arming collect, which
/// repairs registration and over-reports what it cannot vouch for.
///
/// The price is granularity: a dirty page is 4 KiB of old objects to scan,
/// against a card's 512 bytes.
public struct TrackerBarrier<Tracker: HeapTracker>: Barrier {
    public static var kind: BarrierKind { Tracker.barrierKind }
    public static var watchesPages: Bool { true }

    public let tracker: Tracker
    /// Count the collector's protection faults at each `endMinor` (a second
    /// walk): for tests and audits, off in benchmarks.
    let auditsCollectorWrites: Bool

    public init(regions: HeapRegions, configuration: HeapConfiguration) throws(HeapError) {
        auditsCollectorWrites = configuration.auditCollectorWrites
        do { tracker = try Tracker.open(configuration) } catch {
            throw .barrierUnavailable(Tracker.barrierKind.rawValue, error)
        }
    }

    @inlinable @inline(__always)
    public func recordStore(slot: UInt) {}

    public func oldSpaceGrew(_ range: PageRange) throws(HeapError) {
        do { try tracker.track(range) } catch { throw .barrierUnavailable(Tracker.barrierKind.rawValue, error) }
    }

    public func beginMinor(_ written: inout WrittenRegions, inUse: PageRange) {
        let before = written.regions.count
        do {
            let report = try tracker.peek(into: &written.regions)
            written.scanCalls += report.scanCalls
            written.degraded += report.degraded
        } catch {
            // Closed underneath us: nothing is known, so everything is written.
            written.regions.appendCoalescing(inUse)
            written.degraded.append(Degradation(range: inUse, error: error))
        }
        for r in written.regions[before...] { written.dirtyPages += r.pageCount }
    }

    public func suspend(_ range: PageRange) {
        // If it fails the collector's writes fault (and are counted): slower,
        // still right, since endMinor re-arms whatever was written.
        try? tracker.suspend(range)
    }

    public func endMinor(_ written: inout WrittenRegions, suspended: [PageRange]) {
        if auditsCollectorWrites {
            written.rearmed.removeAll(keepingCapacity: true)
            _ = try? tracker.peek(into: &written.rearmed)
            written.collectorFaultPages = written.rearmed.pagesOutside(written.regions, suspended)
        }
        if written.degraded.isEmpty && rearmByRange(&written, suspended: suspended) { return }
        // A failed re-arming collect has re-armed or re-registered what it
        // could and reports the rest written: over-reporting at the next
        // minor, never a lost page.
        written.rearmed.removeAll(keepingCapacity: true)
        let report = try? tracker.collect(into: &written.rearmed)
        written.degraded += report?.degraded ?? []
        written.rearmCalls += report?.scanCalls ?? 0
        if !Tracker.collectRearmsSuspended {
            for range in suspended {
                try? tracker.reset(range)
                written.rearmCalls += 1
            }
        }
    }

    /// Re-arms the reported and the suspended ranges, runs closer than
    /// `rearmGapBytes` in one call. Returns false if it did not: a call
    /// failed, or (uffd-async) one re-arming walk of old space costs less
    /// than the calls would; the caller then re-arms with a collect.
    private func rearmByRange(_ written: inout WrittenRegions, suspended: [PageRange]) -> Bool {
        written.rearmed.removeAll(keepingCapacity: true)
        written.rearmed.append(contentsOf: written.regions)
        written.rearmed.append(contentsOf: suspended)
        written.rearmed.sortAndCoalesce(gapBytes: Self.rearmGapBytes)
        if Tracker.collectRearmsSuspended,
           written.rearmed.count * Self.pagesWalkedPerCall > tracker.trackedRanges.pageCount { return false }
        for range in written.rearmed {
            written.rearmCalls += 1
            do { try tracker.reset(range) } catch { return false }
        }
        return true
    }

    /// Measured here (docs/per-minor-cost.md): UFFDIO_WRITEPROTECT costs
    /// about 1 us a call and 25 ns per page it covers, armed or not, while a
    /// re-arming PAGEMAP_SCAN walks about 1 ns per tracked page. So runs
    /// more than 16 pages apart take a call each (merging them would cost
    /// more than the call), and once the calls would cost more than a walk
    /// of all tracked pages (one call per 1,000 pages), one walk re-arms.
    static var rearmGapBytes: UInt { UInt(16 * PageRange.pageSize) }
    static var pagesWalkedPerCall: Int { 1000 }

    public func peekWritten(into regions: inout [PageRange], inUse: PageRange) {
        do { try tracker.peek(into: &regions) } catch { regions.appendCoalescing(inUse) }
    }

    public static var marksWhileMutatorsRun: Bool { Tracker.collectsWhileWritersRun }

    /// A re-arming collect: with uffd-async one PAGEMAP_SCAN walk while the
    /// mutators run; the baselines need them stopped. A failed collect
    /// reports conservatively, so nothing is lost either way.
    public func collectForMarking(into regions: inout [PageRange], inUse: PageRange) -> Bool {
        do { try tracker.collect(into: &regions) } catch { regions.appendCoalescing(inUse) }
        return true
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
