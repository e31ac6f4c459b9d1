/// How a heap is sized and tuned. Every field has a default that suits tests
/// and small programs; `validate()` explains any value out of range.
public struct HeapConfiguration: Sendable {
    /// The heap limit, the one size a user gives (as `-Xmx`): the most bytes
    /// the young generation, old space and large objects hold together
    /// after a collection. `CollectionPolicy` derives every other size.
    public var heapLimitBytes = 1 << 30
    /// Bytes of eden, where new objects are bump-allocated (each of the two
    /// survivor spaces is half this size); nil (the default): derived from
    /// `heapLimitBytes` by `CollectionPolicy`. Set it only to override.
    public var nurseryBytes: Int?
    /// Minor collections an object survives before it is promoted (1 to 3).
    public var promotionAge = 2
    /// The software barrier's card size: a power of two from 64 to 4096.
    public var cardBytes = 512
    /// Overwrite evacuated nursery memory with a poison pattern after every
    /// minor collection, so that a lost pointer reads as garbage instead of a
    /// plausible stale object. Costs a memset of the used nursery per minor;
    /// off, freed nursery memory is left as it is (allocation zeroes).
    public var poisonFreedMemory = true
    /// Entries in the PAGEMAP_SCAN region vector (tracker barriers).
    public var scanVectorCapacity = 256
    /// userfaultfd feature bits the hardware barrier pretends the kernel
    /// lacks: simulates an older kernel, for testing fallbacks.
    package var maskedTrackerFeatures: UInt64 = 0
    /// Start a major collection when old space exceeds this multiple of what
    /// survived the previous one.
    public var majorGrowthFactor = 2.0
    /// Page barriers: suspend armed old pages before the collector writes
    /// them, so the collector takes no protection faults. Off only to show
    /// that `HeapStatistics.collectorFaultPages` sees the faults it avoids.
    package var collectorSuspendsArmedPages = true
    /// Page barriers: count the collector's protection faults
    /// (`HeapStatistics.collectorFaultPages`) with a second, non-re-arming
    /// walk of old space at the end of each minor. For tests and audits; it
    /// doubles the kernel's per-minor work, so benchmarks leave it off.
    package var auditCollectorWrites = false
    /// Bytes of eden each attached thread takes at a time for its own
    /// allocation (a TLAB). A sole mutator takes all of eden that is left.
    public var allocationBufferBytes = 32 << 10
    /// How major collections run: all in one pause (the default), or mostly
    /// concurrently, marking on a background thread (DESIGN.md).
    public var majorMode = MajorMode.stopTheWorld
    /// A collection that has waited this long for a thread to reach a
    /// safepoint reports, once, which threads it waits for (through
    /// `Heap.onDiagnostic`, or on standard error); 0: never.
    public var stallReportMilliseconds = 2000
    /// Concurrent marking: at most this many re-marking rounds before the
    /// final pause.
    public var concurrentMarkMaxRounds = 8
    /// Testing only: a concurrent marker that ignores dirty pages after its
    /// first pass. Wrong on purpose: the negative control the concurrent
    /// tests must catch.
    package var concurrentMarkIgnoresDirtyPages = false
    /// Testing only: microseconds the marker sleeps between steps of 8
    /// objects, so that marking surely overlaps the mutator's stores.
    package var concurrentMarkStepDelayMicroseconds = 0
    /// Testing only: whether a concurrent cycle's marker runs on its own
    /// thread. Off, the test drives it (`Heap.stepMarker`), so the marker's
    /// steps and the mutator's stores come in a fixed order and a negative
    /// control fails every time, not when the scheduler allows.
    package var concurrentMarkerThread = true
    /// Testing only, not API: a weak-reference mechanism broken on purpose,
    /// the negative control the weak tests must catch.
    package var weakControl = WeakControl.none

    public init() {}

    /// Creates a configuration for a heap of `heapLimitBytes`, every other
    /// size derived from it.
    public init(heapLimitBytes: Int) { self.heapLimitBytes = heapLimitBytes }

    /// The sizes and collection rules this configuration gives a heap.
    public var policy: CollectionPolicy {
        CollectionPolicy(heapLimitBytes: heapLimitBytes, nurseryBytes: nurseryBytes, growthFactor: majorGrowthFactor)
    }

    /// A deliberately wrong weak-reference mechanism (tests only).
    package enum WeakControl: Hashable, Sendable {
        case none
        /// Weak boxes keep their targets alive.
        case weakAsStrong
        /// Ephemeron values are traced whether or not their key lives.
        case ephemeronValuesStrong
        /// Guardians never queue anything: their unreachable objects die.
        case guardiansIgnored
    }

    /// How major collections run.
    public enum MajorMode: String, CaseIterable, Sendable {
        /// Mark and sweep with the world stopped.
        case stopTheWorld = "stw"
        /// Snapshot the roots in a short pause, mark beside the mutators,
        /// re-mark what they dirtied, then finish in a short final pause.
        case concurrent
    }

    /// A field `validate()` can refuse, named as Swift spells it; the C API
    /// renders the same error with its own field names.
    public enum Field: String, Sendable, Hashable {
        case nurseryBytes, heapLimitBytes, promotionAge, cardBytes, scanVectorCapacity
        case majorGrowthFactor, concurrentMarkMaxRounds, allocationBufferBytes, stallReportMilliseconds
    }

    /// Checks every field, naming the first bad one and its allowed range.
    public func validate() throws(HeapError) {
        func check(_ ok: Bool, _ field: Field, _ requirement: String, _ value: some Any) throws(HeapError) {
            if !ok { throw .invalidConfiguration(field: field, requirement: requirement, value: "\(value)") }
        }
        if let nurseryBytes {
            try check(nurseryBytes >= 64 << 10 && nurseryBytes <= 1 << 30, .nurseryBytes, "64 KiB to 1 GiB", nurseryBytes)
        }
        try check(heapLimitBytes >= 1 << 20 && heapLimitBytes <= 1 << 40, .heapLimitBytes, "1 MiB to 1 TiB", heapLimitBytes)
        try check((1...3).contains(promotionAge), .promotionAge, "1, 2 or 3", promotionAge)
        try check(cardBytes >= 64 && cardBytes <= 4096 && cardBytes & (cardBytes - 1) == 0,
                  .cardBytes, "a power of two from 64 to 4096", cardBytes)
        try check(scanVectorCapacity >= 1, .scanVectorCapacity, "at least 1", scanVectorCapacity)
        try check(majorGrowthFactor >= 1.1, .majorGrowthFactor, "at least 1.1", majorGrowthFactor)
        try check(concurrentMarkMaxRounds >= 0 && concurrentMarkMaxRounds <= 1000,
                  .concurrentMarkMaxRounds, "0 to 1000", concurrentMarkMaxRounds)
        try check(allocationBufferBytes >= 1 << 10 && allocationBufferBytes <= policy.nurseryBytes,
                  .allocationBufferBytes, "1 KiB to the nursery size", allocationBufferBytes)
        try check(stallReportMilliseconds >= 0 && stallReportMilliseconds <= 3_600_000,
                  .stallReportMilliseconds, "0 (never) to 3,600,000 (an hour)", stallReportMilliseconds)
    }
}
