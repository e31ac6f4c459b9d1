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

/// What a barrier learnt about old space since the previous minor collection.
public struct WrittenRegions {
    /// Old-space address ranges that may hold new old-to-young pointers.
    public var regions: [PageRange] = []
    public var dirtyPages = 0
    public var dirtyCards = 0
    public var scanCalls = 0
    /// Why some ranges were reported wholesale (a failed scan, a fork).
    public var degraded: [Degradation] = []

    public init() {}

    mutating func reset() {
        regions.removeAll(keepingCapacity: true)
        dirtyPages = 0
        dirtyCards = 0
        scanCalls = 0
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
/// side (`takeWritten`), which must return a superset of the old-space
/// ranges holding pointers stored since the previous call.
public protocol Barrier {
    /// The name on command lines: hardware, software, mprotect, uffd-sync, none.
    static var name: String { get }
    /// Whether the barrier watches pages, so that the collector's own writes
    /// to old space must be handed back with `discard`.
    static var watchesPages: Bool { get }

    init(regions: HeapRegions, configuration: HeapConfiguration) throws(HeapError)

    /// The fast path: runs after every pointer store, with the slot's address.
    func recordStore(slot: UInt)

    /// Old space in use grew by `range`: start watching it.
    func oldSpaceGrew(_ range: PageRange) throws(HeapError)

    /// Appends the written ranges within `inUse` and starts watching afresh.
    func takeWritten(_ written: inout WrittenRegions, inUse: PageRange)

    /// The written ranges, without consuming them (for the verifier).
    func peekWritten(into regions: inout [PageRange], inUse: PageRange)

    /// The collector is about to write `range` and will `discard` it
    /// afterwards: stop trapping writes there meanwhile.
    func suspend(_ range: PageRange)

    /// Forgets writes to `range`: the collector wrote or freed it.
    func discard(_ range: PageRange)

    /// Releases the barrier's resources.
    func close()
}
