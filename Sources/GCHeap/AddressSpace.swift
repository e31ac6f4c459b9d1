#if canImport(Glibc)
import Glibc
#endif
import WriteWatch

/// The heap's one reservation of virtual memory:
///
///     [ eden | survivor A | survivor B | old space ............ ]
///
/// Young memory comes first so that "is this pointer young?" is one range
/// check, and so that a biased card table can cover every slot a store can
/// hit. Old space is carved from one range so a tracker scans it in one
/// PAGEMAP_SCAN. Reserved with MAP_NORESERVE: untouched memory costs nothing.
struct AddressSpace {
    let base: UInt
    let totalBytes: Int
    let eden: PageRange
    let survivors: (PageRange, PageRange)
    let old: PageRange

    var young: PageRange { PageRange(start: eden.start, end: survivors.1.end) }

    static let arenaBytes = 64 << 10

    init(configuration c: HeapConfiguration) throws(HeapError) {
        let page = PageRange.pageSize
        func roundUp(_ n: Int, _ to: Int) -> Int { (n + to - 1) / to * to }
        let policy = c.policy
        let edenBytes = roundUp(policy.nurseryBytes, page)
        let survivorBytes = roundUp(policy.nurseryBytes / 2, page)
        // Old space may overshoot its limit during one collection (promotion
        // cannot stop half-way), by at most one nursery plus a partly used
        // arena per size class; the limit is enforced after the collection.
        // Once exhausted, the heap hands out no eden until a full collection
        // brings it under the limit, so the survivors are promoted at most
        // once more: two nurseries of slack cover both, with room to spare.
        let slack = 2 * (edenBytes + 2 * survivorBytes) + 64 * AddressSpace.arenaBytes
        let oldBytes = roundUp(policy.oldLimitBytes + slack, AddressSpace.arenaBytes)
        let youngBytes = edenBytes + 2 * survivorBytes
        let total = roundUp(youngBytes, AddressSpace.arenaBytes) + oldBytes
        let p = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { throw .reservationFailed(bytes: total, errno: Errno(rawValue: errno)) }
        base = UInt(bitPattern: p)
        totalBytes = total
        eden = PageRange(start: base, end: base + UInt(edenBytes))
        let s0 = PageRange(start: eden.end, end: eden.end + UInt(survivorBytes))
        survivors = (s0, PageRange(start: s0.end, end: s0.end + UInt(survivorBytes)))
        let oldStart = base + UInt(roundUp(youngBytes, AddressSpace.arenaBytes))
        old = PageRange(start: oldStart, end: oldStart + UInt(oldBytes))
    }

    func release() { munmap(UnsafeMutableRawPointer(bitPattern: base), totalBytes) }

    /// Gives pages back to the OS; they read as zero afterwards.
    static func discardPages(_ range: PageRange) {
        _ = madvise(UnsafeMutableRawPointer(bitPattern: range.start), range.byteCount, MADV_DONTNEED)
    }
}
