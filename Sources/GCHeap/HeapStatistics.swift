/// Counters and timings since the heap was created. Everything a test or
/// benchmark needs to see what the collector did.
public struct HeapStatistics: Codable, Sendable {
    public var minorCollections = 0
    public var majorCollections = 0
    /// PAGEMAP_SCAN calls (hardware barrier).
    public var scanCalls = 0
    /// Pages a tracker reported written, summed over minor collections.
    public var dirtyPages = 0
    /// Cards found dirty (software barrier), summed over minor collections.
    public var dirtyCards = 0
    /// Dirty pages or cards found by the most recent minor collection.
    public var lastMinorDirtyPages = 0
    public var lastMinorDirtyCards = 0
    public var lastMinorScanCalls = 0
    public var promotedBytes = 0
    public var allocatedBytes = 0
    public var largeObjectsAllocated = 0
    public var verifyFailures = 0
    /// Minor collections whose tracker had to report ranges wholesale.
    public var degradedCollections = 0
    /// Old-to-young slots carried from one collection to the next.
    public var rememberedSlots = 0
    /// Page runs the collector re-armed after writing them itself.
    public var collectorDiscards = 0
    public var oldBytesInUse = 0
    public var minorNanoseconds: UInt64 = 0
    public var majorNanoseconds: UInt64 = 0
    /// Each minor collection's pause, for percentiles.
    public var minorPauses: [UInt64] = []

    public init() {}
}
