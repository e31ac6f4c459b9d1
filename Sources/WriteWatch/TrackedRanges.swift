/// The sorted, disjoint set of ranges a tracker watches.
///
/// Invariant: `ranges` is sorted by start and no two overlap; adjacent ranges
/// stay separate entries (each is its own registration) but `spans` merges
/// them, so memory tracked in growing steps is still scanned in one call.
struct TrackedRanges {
    private(set) var ranges: [PageRange] = []

    /// Checks `range` can be added; returns the index it goes at.
    func insertionIndex(for range: PageRange) throws(WriteWatchError) -> Int {
        guard !range.isEmpty, range.isPageAligned else { throw .unaligned(range) }
        let index = ranges.firstIndex { $0.start >= range.end } ?? ranges.count
        if index > 0, ranges[index - 1].overlaps(range) { throw .overlapping(range, existing: ranges[index - 1]) }
        if index < ranges.count, ranges[index].overlaps(range) { throw .overlapping(range, existing: ranges[index]) }
        return index
    }

    mutating func insert(_ range: PageRange, at index: Int) { ranges.insert(range, at: index) }

    /// The index of exactly `range`, or an error.
    func index(of range: PageRange) throws(WriteWatchError) -> Int {
        guard let index = ranges.firstIndex(of: range) else { throw .notTracked(range) }
        return index
    }

    mutating func remove(at index: Int) { ranges.remove(at: index) }

    /// Checks `range` lies inside one tracked range (for reset).
    func checkCovered(_ range: PageRange) throws(WriteWatchError) {
        guard !range.isEmpty, range.isPageAligned else { throw .unaligned(range) }
        var cursor = range.start
        for r in ranges where r.end > cursor && r.start <= cursor {
            cursor = r.end
            if cursor >= range.end { return }
        }
        throw .notTracked(range)
    }

    /// Contiguous stretches of tracked memory: one scan each.
    var spans: [PageRange] {
        var out: [PageRange] = []
        out.reserveCapacity(ranges.count)
        for r in ranges { out.appendCoalescing(r) }
        return out
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// From the first tracked byte to the last.
    var whole: PageRange { PageRange(start: ranges.first?.start ?? 0, end: ranges.last?.end ?? 0) }

    /// Reports every tracked page as written, because of `why`: what a
    /// tracker does when it had to re-establish tracking and cannot know
    /// what was written meanwhile.
    func reportAll(into written: inout [PageRange], because why: WriteWatchError, in report: inout CollectReport) {
        for r in ranges { written.appendCoalescing(r) }
        report.degraded.append(Degradation(range: whole, error: why))
    }
}
