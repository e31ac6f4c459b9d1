import WriteWatch

/// Hands out runs of old-space pages to arenas and large objects.
///
/// Invariant: `owner[i]` says who holds page i (`PageOwner`), and lives
/// outside the heap, so no collector bookkeeping
/// is ever written to a tracked page. Freed runs are given back to the OS
/// (MADV_DONTNEED) and reused first-fit; otherwise the frontier advances, and
/// the tracked part of old space grows with it in steps of an eighth, so that
/// a heap of any size has few registrations (mprotect allows 256) and little
/// unused tracked memory for each scan to walk.
struct PageAllocator {
    let space: PageRange
    let pageSize = PageRange.pageSize
    let owner: UnsafeMutablePointer<PageOwner>
    private(set) var frontier: UInt
    private(set) var trackedEnd: UInt
    private var freeRuns: [(start: UInt, pages: Int)] = []
    private(set) var pagesInUse = 0

    init(space: PageRange) {
        self.space = space
        owner = .allocate(capacity: space.pageCount)
        owner.initialize(repeating: .free, count: space.pageCount)
        frontier = space.start
        trackedEnd = space.start
    }

    func deallocate() { owner.deallocate() }

    @inline(__always)
    func ownerOf(_ address: UInt) -> PageOwner {
        owner[Int((address &- space.start) / UInt(pageSize))]
    }

    /// A run of `pages` pages, and the newly tracked range if the frontier
    /// passed the tracked end (the caller registers it with the barrier).
    mutating func allocate(pages: Int, owner id: PageOwner) -> (PageRange, grew: PageRange?)? {
        let bytes = UInt(pages * pageSize)
        var run: PageRange?
        if let i = freeRuns.firstIndex(where: { $0.pages >= pages }) {
            let start = freeRuns[i].start
            if freeRuns[i].pages == pages { freeRuns.remove(at: i) } else {
                freeRuns[i].start += bytes
                freeRuns[i].pages -= pages
            }
            run = PageRange(start: start, end: start + bytes)
        } else if frontier + bytes <= space.end {
            run = PageRange(start: frontier, end: frontier + bytes)
            frontier += bytes
        }
        guard let run else { return nil }
        setOwner(run, id)
        pagesInUse += pages
        var grew: PageRange?
        if frontier > trackedEnd {
            // Grow by an eighth: a PAGEMAP_SCAN costs ~1 ns for every tracked
            // page, used or not, so tracked space stays within 12.5% of the
            // frontier, in a few dozen registrations even for gigabytes.
            let step = max(UInt(4 << 20), ((trackedEnd - space.start) / 8 + UInt(pageSize) - 1) & ~UInt(pageSize - 1))
            let end = min(space.end, max(frontier, trackedEnd + step))
            grew = PageRange(start: trackedEnd, end: end)
            trackedEnd = end
        }
        return (run, grew)
    }

    /// Frees a run: its memory goes back to the OS and reads as zero.
    mutating func free(_ run: PageRange) {
        AddressSpace.discardPages(run)
        setOwner(run, .free)
        pagesInUse -= run.pageCount
        var start = run.start, pages = run.pageCount
        // Keep the list sorted and coalesced.
        let i = freeRuns.firstIndex { $0.start > start } ?? freeRuns.count
        if i < freeRuns.count, start + UInt(pages * pageSize) == freeRuns[i].start {
            pages += freeRuns[i].pages
            freeRuns.remove(at: i)
        }
        if i > 0, freeRuns[i - 1].start + UInt(freeRuns[i - 1].pages * pageSize) == start {
            start = freeRuns[i - 1].start
            pages += freeRuns[i - 1].pages
            freeRuns.remove(at: i - 1)
            freeRuns.insert((start, pages), at: i - 1)
        } else {
            freeRuns.insert((start, pages), at: i)
        }
    }

    var tracked: PageRange { PageRange(start: space.start, end: trackedEnd) }

    private func setOwner(_ run: PageRange, _ id: PageOwner) {
        let first = Int((run.start - space.start) / UInt(pageSize))
        for i in first..<first + run.pageCount { owner[i] = id }
    }
}
