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
        var out = self + other
        out.sortAndCoalesce()
        return out
    }

    /// Sorts by start and merges ranges that overlap, touch, or lie at
    /// most `gapBytes` apart (one kernel call then covers both, and the
    /// pages between).
    public mutating func sortAndCoalesce(gapBytes: UInt = 0) {
        guard count > 1 else { return }
        sort { $0.start < $1.start }
        var out = 0
        for i in 1..<count {
            if self[i].start <= self[out].end + gapBytes {
                self[out].end = Swift.max(self[out].end, self[i].end)
            } else {
                out += 1
                self[out] = self[i]
            }
        }
        removeLast(count - out - 1)
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
