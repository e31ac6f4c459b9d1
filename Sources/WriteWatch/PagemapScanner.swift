#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch

/// Reads and re-arms written pages with PAGEMAP_SCAN.
///
/// Invariant: every page written since the last scan of a span is returned
/// exactly once by the next scan of it, or the scan reports failure from a
/// known address on. The kernel re-arms a page as it reports it, so:
/// - a call is partial only when it filled the vector; the next call resumes
///   from max(walk_end, end of the last region), because walk_end alone stops
///   short once a call has produced more than 512 regions;
/// - a failed call has already re-armed part of what it found and copied out
///   nothing we can trust, so the caller must treat everything from that
///   call's start as written.
/// The region vector is allocated here, outside tracked memory: the kernel's
/// copy-out into a tracked page would itself be a write.
struct PagemapScanner: ~Copyable {
    let descriptor: OwnedDescriptor
    let vector: UnsafeMutablePointer<page_region>
    let capacity: Int

    init(capacity: Int) throws(WriteWatchError) {
        precondition(capacity > 0, "PAGEMAP_SCAN needs a region vector of at least one entry")
        descriptor = try OwnedDescriptor.open("/proc/self/pagemap")
        vector = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit { vector.deallocate() }

    /// Where a failed scan left off.
    struct Failure: Error {
        var from: UInt
        var errno: Errno
    }

    /// Appends the written pages of `span` to `written` and re-arms them.
    /// `calls` counts the ioctls. `inject` makes the next call fail after the
    /// kernel has done its work, which is the worst case a real failure has.
    func scan(_ span: PageRange, into written: inout [PageRange], calls: inout Int, inject: inout Errno?, rearm: Bool = true) -> Failure? {
        var cursor = span.start
        while cursor < span.end {
            var arg = pm_scan_arg()
            arg.flags = (rearm ? WW_PM_SCAN_WP_MATCHING : 0) | WW_PM_SCAN_CHECK_WPASYNC
            arg.start = UInt64(cursor)
            arg.end = UInt64(span.end)
            arg.vec = UInt64(UInt(bitPattern: vector))
            arg.vec_len = UInt64(capacity)
            arg.category_mask = WW_PAGE_IS_WRITTEN
            arg.return_mask = WW_PAGE_IS_WRITTEN
            let n = ww_pagemap_scan(descriptor.rawValue, &arg)
            calls += 1
            if let errno = Errno.check(n) { return Failure(from: cursor, errno: errno) }
            if let errno = inject {
                inject = nil
                return Failure(from: cursor, errno: errno)
            }
            for i in 0..<Int(n) {
                written.appendCoalescing(PageRange(start: UInt(vector[i].start), end: UInt(vector[i].end)))
            }
            guard Int(n) == capacity else { return nil }
            cursor = max(UInt(arg.walk_end), UInt(vector[Int(n) - 1].end))
        }
        return nil
    }
}
