/// Everything that can go wrong in WriteWatch, each case naming the problem
/// and what to do about it.
public enum WriteWatchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed. `operation` names the call and its subject.
    case system(operation: String, errno: Errno)
    /// The mechanism cannot run on this machine; `reason` says which feature
    /// is missing and which kernel version or setting provides it.
    case unsupported(Mechanism, reason: String)
    /// A range handed to the tracker is not page-aligned or is empty.
    case unaligned(PageRange)
    /// A range overlaps one the tracker already watches.
    case overlapping(PageRange, existing: PageRange)
    /// A range is not one the tracker watches.
    case notTracked(PageRange)
    /// The tracker was closed.
    case closed
    /// The tracker was inherited across `fork()`: its descriptors belong to
    /// the parent. The child's collect re-established tracking and reported
    /// every page as written.
    case inheritedAcrossFork

    public var description: String {
        switch self {
        case let .system(operation, errno):
            "\(operation) failed: \(errno)"
        case let .unsupported(mechanism, reason):
            "\(mechanism.rawValue) is not available here: \(reason)"
        case let .unaligned(range):
            "range \(range) is empty or not aligned to the \(PageRange.pageSize)-byte page size: pass page-aligned start and end"
        case let .overlapping(range, existing):
            "range \(range) overlaps the tracked range \(existing): track disjoint ranges, or untrack the old one first"
        case let .notTracked(range):
            "range \(range) is not tracked: untrack or reset only ranges inside what was tracked"
        case .closed:
            "the tracker is closed: create a new one"
        case .inheritedAcrossFork:
            "the tracker was inherited across fork(): tracking was re-established in the child and every tracked page reported as written"
        }
    }
}
