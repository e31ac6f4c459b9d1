import WriteWatch

/// Every size of the heap derived from one number, the heap limit (as
/// `-Xmx`), and every collection decision derived from what the heap
/// observed: a pure value, so each rule is tested without a heap.
///
/// Invariant: eden + both survivor spaces + old space never exceed the
/// limit after a collection, and the major threshold never exceeds old
/// space's share of it, so a heap under the limit collects before it can
/// exhaust, and one over the limit has already run a full collection.
///
/// Rules (docs/sizing.md measures them):
/// - Nursery (eden): a sixth of the limit, so that the young generation
///   (eden and its two half-size survivors, twice eden) is a third of the
///   heap, HotSpot's default split; at least 256 KiB, at most 32 MiB (past
///   that, minors are already rare and the extra young memory is all RSS).
///   An explicit `nurseryBytes` overrides it. The nursery is sized once, at
///   creation: the benefit is in its size, and growing it later would need a
///   larger reservation and a moving young/old boundary for the card table
///   and the "is young" range check.
/// - Old space may hold the limit minus the young generation.
/// - Major threshold: a major runs when old space exceeds the threshold;
///   after each major it is `growthFactor` times what survived, at least the
///   floor (an eighth of old space's share, at least 8 MiB), at most old
///   space's share. The first threshold is the floor.
/// - Within a tenth of old space's share, every collection is a full one.
/// - Concurrent mode starts marking at 3/4 of the threshold (CMS's
///   initiating occupancy) and finishes at once past twice the threshold.
public struct CollectionPolicy: Sendable, Hashable {
    /// The limit the user gave: young and old generations together.
    public let heapLimitBytes: Int
    /// Bytes of eden; each survivor space is half of it.
    public let nurseryBytes: Int
    /// What old space (arenas and large objects) may hold.
    public let oldLimitBytes: Int
    /// Old space's growth between majors, relative to what survived.
    public let growthFactor: Double
    /// The least the major threshold ever is.
    public let floorBytes: Int
    /// A major runs when old space holds more than this.
    public private(set) var majorThresholdBytes: Int

    /// The smallest nursery the policy derives (a minor per 256 KiB).
    public static let minimumNurseryBytes = 256 << 10
    /// The largest nursery the policy derives on its own.
    public static let maximumDerivedNurseryBytes = 32 << 20

    /// The nursery the policy gives a heap of `limit` bytes: a sixth of it,
    /// page-aligned, within 256 KiB to 32 MiB.
    public static func derivedNurseryBytes(heapLimitBytes limit: Int) -> Int {
        let page = PageRange.pageSize
        let sixth = limit / 6 / page * page
        return min(maximumDerivedNurseryBytes, max(minimumNurseryBytes, sixth))
    }

    /// The young generation's bytes for an eden of `nursery` bytes: eden and
    /// two survivor spaces of half its size, each page-aligned.
    public static func youngBytes(nurseryBytes nursery: Int) -> Int {
        let page = PageRange.pageSize
        func roundUp(_ n: Int) -> Int { (n + page - 1) / page * page }
        return roundUp(nursery) + 2 * roundUp(nursery / 2)
    }

    /// The policy for a heap of `heapLimitBytes`, with the nursery derived
    /// unless `nurseryBytes` is given. Old space gets what the young
    /// generation leaves, but never less than a quarter of the limit (an
    /// explicit nursery may take more than the rest; the limit then bounds
    /// old space only).
    public init(heapLimitBytes: Int, nurseryBytes: Int? = nil, growthFactor: Double = 2.0) {
        self.heapLimitBytes = heapLimitBytes
        let nursery = nurseryBytes ?? Self.derivedNurseryBytes(heapLimitBytes: heapLimitBytes)
        self.nurseryBytes = nursery
        oldLimitBytes = max(heapLimitBytes / 4, heapLimitBytes - Self.youngBytes(nurseryBytes: nursery))
        self.growthFactor = growthFactor
        floorBytes = min(oldLimitBytes, max(8 << 20, oldLimitBytes / 8))
        majorThresholdBytes = floorBytes
    }

    /// What a collection does with old space once its minor is done.
    public enum MajorAction: Hashable, Sendable {
        /// Nothing more.
        case none
        /// Snapshot the roots and start concurrent marking.
        case startConcurrent
        /// Finish the concurrent cycle under way in this pause.
        case finishConcurrent
        /// Mark and sweep all of old space in this pause.
        case full
    }

    /// What the heap knows after a minor collection, for `afterMinor`.
    public struct Observation: Hashable, Sendable {
        /// Bytes of old-space pages in use (after the minor's promotions).
        public var oldBytesInUse: Int
        /// Majors run concurrently (`MajorMode.concurrent`).
        public var concurrent = false
        /// A concurrent cycle is marking.
        public var marking = false
        /// A concurrent cycle is sweeping (the threshold is stale till it ends).
        public var sweeping = false
        /// The marker asked for its final pause.
        public var finishRequested = false
        /// The caller asked for a complete major collection.
        public var majorRequested = false
        /// The caller asked to start a concurrent cycle.
        public var startRequested = false

        public init(oldBytesInUse: Int) { self.oldBytesInUse = oldBytesInUse }
    }

    /// Within a tenth of old space's share only a full collection will do.
    public func isNearLimit(oldBytesInUse: Int) -> Bool { oldBytesInUse > oldLimitBytes / 10 * 9 }

    /// Whether old space holds more than it may: after a full collection,
    /// the heap is exhausted.
    public func isOverLimit(oldBytesInUse: Int) -> Bool { oldBytesInUse > oldLimitBytes }

    /// The one decision every collection makes after its minor.
    public func afterMinor(_ o: Observation) -> MajorAction {
        let nearLimit = isNearLimit(oldBytesInUse: o.oldBytesInUse)
        if o.marking {
            let finish = o.majorRequested || nearLimit || o.finishRequested || o.oldBytesInUse > majorThresholdBytes * 2
            return finish ? .finishConcurrent : .none
        }
        if o.startRequested && !o.majorRequested { return .startConcurrent }
        if o.majorRequested || nearLimit || (!o.concurrent && o.oldBytesInUse > majorThresholdBytes) { return .full }
        if o.concurrent && !o.sweeping && o.oldBytesInUse > majorThresholdBytes / 4 * 3 { return .startConcurrent }
        return .none
    }

    /// Before a large object of `requestBytes` is placed: whether to collect
    /// first, and whether that collection must be full (the object would
    /// pass the limit; otherwise concurrent mode may start a cycle).
    public func beforeLargeAllocation(oldBytesInUse: Int, requestBytes: Int, marking: Bool) -> (collect: Bool, full: Bool) {
        let over = isOverLimit(oldBytesInUse: oldBytesInUse + requestBytes)
        return (over || (oldBytesInUse > majorThresholdBytes && !marking), over)
    }

    /// After a major's sweep, from what survived it: the next threshold.
    public mutating func majorFinished(liveBytes: Int) {
        let grown = Double(liveBytes) * growthFactor
        let next = grown >= Double(oldLimitBytes) ? oldLimitBytes : Int(grown)
        majorThresholdBytes = min(oldLimitBytes, max(floorBytes, next))
    }
}
