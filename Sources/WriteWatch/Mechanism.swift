/// The ways WriteWatch can learn which pages were written.
public enum Mechanism: String, CaseIterable, Sendable, CustomStringConvertible {
    /// userfaultfd with `UFFD_FEATURE_WP_ASYNC`: the kernel resolves write
    /// faults itself, and `PAGEMAP_SCAN` reads and re-arms in one call.
    case uffdAsync = "uffd-async"
    /// `mprotect(PROT_READ)` and a SIGSEGV handler that records and unprotects.
    case mprotect = "mprotect"
    /// Synchronous userfaultfd write-protect with a handler thread, as bdwgc's
    /// UFFDWP_VDB does.
    case uffdSync = "uffd-sync"

    public var description: String { rawValue }
}
