#if canImport(Glibc)
import Glibc
#endif

/// A half-open range of virtual addresses, `start ..< end`.
///
/// Ranges handed to a tracker must be page-aligned; ranges a tracker reports
/// always are.
public struct PageRange: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var start: UInt
    public var end: UInt

    public init(start: UInt, end: UInt) {
        self.start = start
        self.end = end
    }

    public init(start: UnsafeRawPointer, byteCount: Int) {
        self.start = UInt(bitPattern: start)
        self.end = self.start + UInt(byteCount)
    }

    /// The system page size in bytes.
    public static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))

    public var byteCount: Int { Int(end - start) }
    public var pageCount: Int { byteCount / PageRange.pageSize }
    public var isEmpty: Bool { end <= start }

    public var isPageAligned: Bool {
        let mask = UInt(PageRange.pageSize - 1)
        return start & mask == 0 && end & mask == 0
    }

    public func contains(_ address: UInt) -> Bool { address >= start && address < end }
    public func contains(_ other: PageRange) -> Bool { other.start >= start && other.end <= end }
    public func overlaps(_ other: PageRange) -> Bool { start < other.end && other.start < end }

    public var description: String {
        "0x\(String(start, radix: 16))..<0x\(String(end, radix: 16)) (\(byteCount / PageRange.pageSize) pages)"
    }
}

extension Array where Element == PageRange {
    /// Appends `range`, merging it into the last element when they touch.
    /// Trackers report through this so that a dense run comes back as one range.
    @inlinable
    public mutating func appendCoalescing(_ range: PageRange) {
        if let last = self.last, last.end == range.start {
            self[self.count - 1].end = range.end
        } else {
            append(range)
        }
    }

    /// The total number of pages in these ranges.
    public var pageCount: Int { reduce(0) { $0 + $1.pageCount } }

    /// Both lists' ranges, sorted and coalesced (each list sorted or not).
    public func merged(with other: [PageRange]) -> [PageRange] {
        if other.isEmpty { return self }
        var out: [PageRange] = []
        out.reserveCapacity(count + other.count)
        for r in (self + other).sorted(by: { $0.start < $1.start }) {
            if let last = out.last, r.start <= last.end {
                out[out.count - 1].end = Swift.max(last.end, r.end)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// These ranges minus `range`.
    public func subtracting(_ range: PageRange) -> [PageRange] {
        flatMap { r -> [PageRange] in
            guard r.overlaps(range) else { return [r] }
            return [PageRange(start: r.start, end: range.start), PageRange(start: range.end, end: r.end)].filter { !$0.isEmpty }
        }
    }

    /// The pages the ranges touch, counting a page partly covered (a card)
    /// as one.
    public var pagesTouched: Int {
        let size = UInt(PageRange.pageSize)
        return reduce(0) { $0 + Int(($1.end + size - 1) / size - $1.start / size) }
    }
}
