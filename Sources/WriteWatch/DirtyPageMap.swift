import CWriteWatch

/// One byte per page of a tracked range, set by a fault handler (the SIGSEGV
/// handler of the mprotect baseline, the handler thread of uffd-sync) when it
/// lets a write through.
///
/// Invariant: a byte is cleared only after its page was protected again, so a
/// failure to re-protect leaves the page reported on every collect until it
/// succeeds. The map is malloc'ed, never in tracked memory: the handler must
/// not fault on its own bookkeeping.
final class DirtyPageMap: @unchecked Sendable {  // shared with a handler; the bytes are atomics
    let range: PageRange
    let bytes: UnsafeMutablePointer<UInt8>

    init(_ range: PageRange) {
        self.range = range
        bytes = .allocate(capacity: range.pageCount)
        bytes.initialize(repeating: 0, count: range.pageCount)
    }

    deinit { bytes.deallocate() }

    /// Reports each run of dirty pages, protects it again with `reprotect`
    /// and only then clears it.
    func collect(into written: inout [PageRange], reprotect: (PageRange) -> WriteWatchError?) -> Degradation? {
        let pages = range.pageCount
        let pageSize = UInt(PageRange.pageSize)
        var degradation: Degradation?
        var page = 0
        while page < pages {
            // Skip clean words quickly; the per-byte loads below are the
            // authoritative ones.
            if page & 7 == 0, page + 8 <= pages,
               UnsafeRawPointer(bytes + page).loadUnaligned(as: UInt64.self) == 0 {
                page += 8
                continue
            }
            guard ww_dirty_peek(bytes + page) != 0 else { page += 1; continue }
            var end = page + 1
            while end < pages, ww_dirty_peek(bytes + end) != 0 { end += 1 }
            let run = PageRange(start: range.start + UInt(page) * pageSize, end: range.start + UInt(end) * pageSize)
            if let error = reprotect(run) {
                degradation = degradation ?? Degradation(range: run, error: error)
            } else {
                for p in page..<end { _ = ww_dirty_take(bytes + p) }
            }
            written.appendCoalescing(run)
            page = end
        }
        return degradation
    }

    /// Reports dirty pages without clearing them.
    func peek(into written: inout [PageRange]) {
        let pageSize = UInt(PageRange.pageSize)
        for page in 0..<range.pageCount where ww_dirty_peek(bytes + page) != 0 {
            let start = range.start + UInt(page) * pageSize
            written.appendCoalescing(PageRange(start: start, end: start + pageSize))
        }
    }

    /// Clears the bytes of `part` (after the caller re-protected it).
    func clear(_ part: PageRange) {
        let pageSize = UInt(PageRange.pageSize)
        let first = Int((max(part.start, range.start) - range.start) / pageSize)
        let last = Int((min(part.end, range.end) - range.start) / pageSize)
        for p in first..<max(first, last) { _ = ww_dirty_take(bytes + p) }
    }

    func mark(_ address: UInt) {
        ww_dirty_mark(bytes + Int((address - range.start) / UInt(PageRange.pageSize)))
    }
}
