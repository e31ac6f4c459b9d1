#if canImport(Glibc)
import Glibc
#endif
import WriteWatch

/// The card table both card-marking barriers share.
///
/// Invariant: after a pointer store into any slot, the byte for that slot's
/// card is non-zero until the next minor collection scans and cleans it.
/// The table is biased so the fast path is one shift, one add and one byte
/// store, with no test for old or young: it covers the whole reservation,
/// young cards are simply ignored and wiped at each minor. The table lives
/// in its own mapping, off the heap. Several threads may mark at once: each
/// writes the same value, so racing stores cannot lose a mark.
public struct CardTable {
    @usableFromInline let biasedTable: UInt
    @usableFromInline let shift: UInt
    let table: UnsafeMutablePointer<UInt8>
    let tableBytes: Int
    let regions: HeapRegions
    let cardBytes: Int

    init(regions: HeapRegions, configuration: HeapConfiguration) throws(HeapError) {
        cardBytes = configuration.cardBytes
        shift = UInt(cardBytes.trailingZeroBitCount)
        tableBytes = regions.whole.byteCount / cardBytes
        let p = mmap(nil, tableBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { throw .reservationFailed(bytes: tableBytes, errno: Errno(rawValue: errno)) }
        table = p.assumingMemoryBound(to: UInt8.self)
        biasedTable = UInt(bitPattern: p) &- (regions.whole.start >> shift)
        self.regions = regions
    }

    /// The card byte of `slot`.
    @inlinable @inline(__always)
    func byte(_ slot: UInt) -> UnsafeMutablePointer<UInt8> {
        UnsafeMutablePointer<UInt8>(bitPattern: biasedTable &+ (slot >> shift)).unsafelyUnwrapped
    }

    @inline(__always)
    private func card(_ address: UInt) -> Int { Int((address - regions.whole.start) >> shift) }

    func beginMinor(_ written: inout WrittenRegions, inUse: PageRange) {
        forEachDirtyRun(inUse) { first, last in
            written.dirtyCards += last - first
            table.advanced(by: first).update(repeating: 0, count: last - first)
            written.regions.appendCoalescing(cardRange(first, last))
        }
        // Stores into young objects mark young cards: meaningless, wiped.
        let young = card(regions.young.start)
        table.advanced(by: young).update(repeating: 0, count: card(regions.young.end) - young)
    }

    func peekWritten(into out: inout [PageRange], inUse: PageRange) {
        forEachDirtyRun(inUse) { first, last in out.appendCoalescing(cardRange(first, last)) }
    }

    private func cardRange(_ first: Int, _ last: Int) -> PageRange {
        PageRange(start: regions.whole.start + UInt(first << Int(shift)), end: regions.whole.start + UInt(last << Int(shift)))
    }

    private func forEachDirtyRun(_ range: PageRange, _ body: (Int, Int) -> Void) {
        let end = card(range.end)
        var c = card(range.start)
        while c < end {
            if c & 7 == 0, c + 8 <= end, UnsafeRawPointer(table + c).load(as: UInt64.self) == 0 {
                c += 8
                continue
            }
            guard table[c] != 0 else { c += 1; continue }
            var last = c + 1
            while last < end, table[last] != 0 { last += 1 }
            body(c, last)
            c = last
        }
    }

    /// Cleans the cards of `range` (page-aligned): pages given back to the
    /// OS hold no slots, so a mark left there would only send the next minor
    /// to scan zeros in pages another arena may by then have taken.
    func clear(_ range: PageRange) {
        let first = card(range.start)
        table.advanced(by: first).update(repeating: 0, count: card(range.end) - first)
    }

    func close() { munmap(table, tableBytes) }
}

/// A barrier made of a card table; only the store path differs.
public protocol CardMarkingBarrier: Barrier {
    var cards: CardTable { get }
    init(cards: CardTable)
    /// Whether the store tests the card before marking it.
    static var conditional: Bool { get }
}

extension CardMarkingBarrier {
    public static var watchesPages: Bool { false }
    public init(regions: HeapRegions, configuration: HeapConfiguration) throws(HeapError) {
        self.init(cards: try CardTable(regions: regions, configuration: configuration))
    }
    public func oldSpaceGrew(_ range: PageRange) throws(HeapError) {}
    public func beginMinor(_ written: inout WrittenRegions, inUse: PageRange) { cards.beginMinor(&written, inUse: inUse) }
    public func peekWritten(into regions: inout [PageRange], inUse: PageRange) { cards.peekWritten(into: &regions, inUse: inUse) }
    public func suspend(_ range: PageRange) {}
    public func endMinor(_ written: inout WrittenRegions, suspended: [PageRange]) {}
    public func discard(_ range: PageRange) { cards.clear(range) }
    public func close() { cards.close() }
    public var storeFastPath: StoreFastPath {
        .cardMark(biasedTable: cards.biasedTable, shift: Int(cards.shift), conditional: Self.conditional)
    }
}

/// The reference barrier: unconditional card marking, one shift, one add
/// and one byte store per pointer store.
public struct SoftwareBarrier: CardMarkingBarrier {
    public static var kind: BarrierKind { .software }
    public static let conditional = false
    public let cards: CardTable
    public init(cards: CardTable) { self.cards = cards }

    @inlinable @inline(__always)
    public func recordStore(slot: UInt) { cards.byte(slot).pointee = 1 }
}

/// Conditional card marking (HotSpot's -XX:+UseCondCardMark): test the card
/// and store only if it is clean. A load more per store, but threads storing
/// into the same card no longer write its cache line over and over, which is
/// what makes unconditional marking scale badly when several cores store
/// near each other (false sharing on the card bytes).
public struct ConditionalSoftwareBarrier: CardMarkingBarrier {
    public static var kind: BarrierKind { .softwareCond }
    public static let conditional = true
    public let cards: CardTable
    public init(cards: CardTable) { self.cards = cards }

    @inlinable @inline(__always)
    public func recordStore(slot: UInt) {
        let card = cards.byte(slot)
        if card.pointee == 0 { card.pointee = 1 }
    }
}

/// No remembered set at all: wrong on purpose. The negative control that the
/// verifier and the differential tests must catch.
public struct NoBarrier: Barrier {
    public static var kind: BarrierKind { .none }
    public static let watchesPages = false
    public init(regions: HeapRegions, configuration: HeapConfiguration) {}
    @inlinable @inline(__always) public func recordStore(slot: UInt) {}
    public func oldSpaceGrew(_ range: PageRange) {}
    public func beginMinor(_ written: inout WrittenRegions, inUse: PageRange) {}
    public func peekWritten(into regions: inout [PageRange], inUse: PageRange) {}
    public func suspend(_ range: PageRange) {}
    public func endMinor(_ written: inout WrittenRegions, suspended: [PageRange]) {}
    public func discard(_ range: PageRange) {}
    public func close() {}
}
