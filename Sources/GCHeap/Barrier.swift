import WriteWatch

/// Where the heap lives, as a barrier needs to know it.
public struct HeapRegions: Sendable {
    /// The whole reservation: every slot a store can hit is inside.
    public let whole: PageRange
    /// The nursery: eden and both survivor spaces.
    public let young: PageRange
    /// Old and large-object space (reserved; only a prefix is in use).
    public let old: PageRange
}

/// What a barrier learnt about old space since the previous minor
/// collection, and what it did to re-arm afterwards.
public struct WrittenRegions {
    /// Old-space address ranges that may hold new old-to-young pointers,
    /// sorted by address.
    public var regions: [PageRange] = []
    public var dirtyPages = 0
    public var dirtyCards = 0
    /// Kernel calls that read the written pages (PAGEMAP_SCAN for hardware).
    public var scanCalls = 0
    /// Kernel calls that re-armed pages at the end of the minor collection
    /// (one per range re-armed, or a re-arming scan's calls).
    public var rearmCalls = 0
    /// Old pages the collector wrote while they were armed: each was a
    /// protection fault taken by the collector. Zero when the collector
    /// suspended everything it wrote outside `regions`. Counted only when
    /// the heap audits the collector's writes.
    public var collectorFaultPages = 0
    /// Why some ranges were reported wholesale (a failed scan, a fork).
    public var degraded: [Degradation] = []
    /// Scratch for the re-arming step, kept to avoid allocating per minor.
    var rearmed: [PageRange] = []

    public init() {}

    mutating func reset() {
        regions.removeAll(keepingCapacity: true)
        rearmed.removeAll(keepingCapacity: true)
        dirtyPages = 0
        dirtyCards = 0
        scanCalls = 0
        rearmCalls = 0
        collectorFaultPages = 0
        degraded.removeAll()
    }
}

/// A write barrier: how the heap remembers old-to-young pointers between
/// minor collections. The heap is generic over it, so the choice is made at
/// compile time: `recordStore` is inlined into every pointer store, and a
/// barrier whose `recordStore` is empty costs the mutator nothing.
///
/// A barrier has two halves, like MMTk's barriers and Whippet's
/// gc-barrier.h: the inline fast path (`recordStore`) and the collector's
/// side, which brackets each minor collection. `beginMinor` must return a
/// superset of the old-space ranges holding pointers stored since the
/// previous minor. A page-watching barrier returns them *without* re-arming
/// them, so the collector updates slots there with plain writes; the
/// collector `suspend`s any other old memory before writing it; `endMinor`
/// then re-arms everything written since `beginMinor`, the mutator's pages
/// and the collector's, before the mutator resumes. While the mutator is
/// stopped nothing else writes, so nothing is lost and the collector's
/// writes are never reported as the mutator's.
///
/// The heap's threads (attached mutators, the concurrent marker) use `B`'s
/// static members, so `B.Type` crosses threads: a barrier's metatype must be
/// Sendable. Every barrier keeps its state in instances, never in mutable
/// statics, so this holds for all of them.
public protocol Barrier: SendableMetatype {
    /// Which barrier this is: its identity, compared as a value, never by
    /// name.
    static var kind: BarrierKind { get }
    /// Whether the barrier watches pages, so that the collector must
    /// `suspend` old memory before writing it.
    static var watchesPages: Bool { get }

    init(regions: HeapRegions, configuration: HeapConfiguration) throws(HeapError)

    /// The fast path: runs after every pointer store, with the slot's address.
    func recordStore(slot: UInt)

    /// What `recordStore` does, as data, for code that inlines the barrier
    /// without calling Swift (the C API's `ww_store`).
    var storeFastPath: StoreFastPath { get }

    /// Old space in use grew by `range`: start watching it.
    func oldSpaceGrew(_ range: PageRange) throws(HeapError)

    /// Appends the ranges within `inUse` written since the previous minor
    /// collection. Page barriers leave them writable until `endMinor`.
    func beginMinor(_ written: inout WrittenRegions, inUse: PageRange)

    /// The collector is about to write `range`, which is not among the
    /// written ranges: stop trapping writes there until `endMinor`.
    func suspend(_ range: PageRange)

    /// Re-arms every page written since `beginMinor`, including the
    /// `suspended` ranges (sorted, disjoint), and counts in `written` the
    /// calls it made and the pages the collector wrote while they were armed.
    func endMinor(_ written: inout WrittenRegions, suspended: [PageRange])

    /// The written ranges, without consuming them (for the verifier).
    func peekWritten(into regions: inout [PageRange], inUse: PageRange)

    /// Forgets writes to `range` and re-arms it: the collector freed it.
    func discard(_ range: PageRange)

    /// Whether `collectForMarking` may run while mutators write (the
    /// uffd-async scan and the card barriers' peek); if not, the concurrent
    /// marker stops the world around it.
    static var marksWhileMutatorsRun: Bool { get }

    /// For the concurrent marker: appends ranges within `inUse` written
    /// since the previous call or minor, and returns whether it consumed
    /// them (re-armed them), in which case the next minor must be told.
    func collectForMarking(into regions: inout [PageRange], inUse: PageRange) -> Bool

    /// Releases the barrier's resources.
    func close()
}

/// The pointer store's fast path described as data: enough for code in
/// another language to inline it (Whippet's gc-barrier.h does the same
/// for its embedders).
public enum StoreFastPath: Equatable, Sendable {
    /// A plain store: the kernel (or nothing) notices the write.
    case plain
    /// After the store, set byte `biasedTable + (slot >> shift)` to 1;
    /// if `conditional`, only when it is 0.
    case cardMark(biasedTable: UInt, shift: Int, conditional: Bool)
}

extension Barrier {
    public var storeFastPath: StoreFastPath { .plain }
    public static var marksWhileMutatorsRun: Bool { true }
    /// Barriers with nothing to consume report what they would at a minor.
    public func collectForMarking(into regions: inout [PageRange], inUse: PageRange) -> Bool {
        peekWritten(into: &regions, inUse: inUse)
        return false
    }
}

extension Barrier {
    /// The name on command lines: hardware, software, mprotect, uffd-sync, none.
    public static var name: String { kind.rawValue }
}
