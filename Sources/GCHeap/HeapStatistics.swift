/// Counters and timings since the heap was created. Everything a test or
/// benchmark needs to see what the collector did.
///
/// Invariant: its size is fixed. Per-collection figures are counters or
/// `LatencyHistogram`s, never arrays, so a heap running for a day uses the
/// same memory for its statistics as one running for a second.
public struct HeapStatistics: Codable, Sendable {
    public var minorCollections = 0
    public var majorCollections = 0
    /// Kernel calls that read the written pages at the start of a minor
    /// (PAGEMAP_SCAN for the hardware barrier).
    public var scanCalls = 0
    /// Kernel calls that re-armed old pages at the end of a minor (one
    /// PAGEMAP_SCAN walk for hardware; one per run for the baselines).
    public var rearmCalls = 0
    /// Pages a tracker reported written, summed over minor collections.
    public var dirtyPages = 0
    /// Cards found dirty (software barrier), summed over minor collections.
    public var dirtyCards = 0
    /// Dirty pages or cards found by the most recent minor collection.
    public var lastMinorDirtyPages = 0
    public var lastMinorDirtyCards = 0
    public var lastMinorScanCalls = 0
    public var lastMinorRearmCalls = 0
    public var promotedBytes = 0
    public var allocatedBytes = 0
    public var largeObjectsAllocated = 0
    public var verifyFailures = 0
    /// Minor collections whose tracker had to report ranges wholesale.
    public var degradedCollections = 0
    /// Old-to-young slots carried from one collection to the next.
    public var rememberedSlots = 0
    /// Ranges the collector suspended before writing them (promotion
    /// arenas, pages of remembered slots): one kernel call each.
    public var collectorSuspends = 0
    /// Old pages the collector wrote while they were armed, each a
    /// protection fault taken during a collection. Zero for every page
    /// barrier: the collector writes only pages already written by the
    /// mutator or suspended first. Counted only by heaps that audit the
    /// collector's writes (tests); 0 otherwise.
    public var collectorFaultPages = 0
    public var oldBytesInUse = 0
    /// Old-space bytes given back to the OS (MADV_DONTNEED) as arenas and
    /// large objects died, summed: RSS falls by this much, less reuse.
    public var releasedBytes = 0
    /// Collections that ended over the heap limit and reported exhaustion.
    public var exhaustions = 0
    /// Weak boxes and ephemerons a collection found with a dead target or
    /// key, and cleared.
    public var weakBoxesCleared = 0
    public var ephemeronsCleared = 0
    /// Guardian registrations whose object a collection found unreachable
    /// and queued.
    public var guardedObjectsReady = 0
    public var minorNanoseconds: UInt64 = 0
    public var majorNanoseconds: UInt64 = 0
    /// Minor collections' pauses, in nanoseconds.
    public var minorPauses = LatencyHistogram()
    /// Per collection, nanoseconds from the request to the last active
    /// mutator parking (0 with one mutator).
    public var timeToSafepointNanoseconds = LatencyHistogram()
    /// Other active mutators parked for collections, summed: 0 unless
    /// collections really ran while other threads were using the heap.
    public var threadsStopped = 0
    /// Every pause a major collection caused, in nanoseconds: a
    /// stop-the-world major's whole collection; a concurrent one's initial
    /// and final pauses and, under mprotect and uffd-sync, each re-marking
    /// round's stop to re-protect.
    public var majorPauses = LatencyHistogram()
    /// Concurrent marking: re-marking rounds, how many of them stopped the
    /// world, and the pages (or card-covered pages) scanned again.
    public var markRounds = 0
    public var markRoundPauses = 0
    public var pagesRemarked = 0
    /// Concurrent cycles finished before the marker asked: old space grew
    /// past twice the threshold, or a full major was requested.
    public var forcedFinishes = 0

    public init() {}
}
