import WriteWatch

/// Sorted, disjoint lists of ranges: what barriers report and what the
/// collector suspends, with the few set operations a minor collection needs.
extension Array where Element == PageRange {
    /// Whether one of these ranges (sorted, disjoint) holds `address`.
    func covers(_ address: UInt) -> Bool {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].end <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo].contains(address)
    }

    /// Pages of these ranges covered by neither `a` nor `b` (each sorted and
    /// disjoint). A binary search per page: the re-armed set of one minor
    /// collection is small.
    func pagesOutside(_ a: [PageRange], _ b: [PageRange]) -> Int {
        var n = 0
        for r in self {
            var page = r.start
            while page < r.end {
                if !a.covers(page) && !b.covers(page) { n += 1 }
                page += UInt(PageRange.pageSize)
            }
        }
        return n
    }
}
