import WriteWatch

/// Errors the heap reports to its embedder, each naming what went wrong and
/// what to do.
public enum HeapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A collection could not free enough: the live data exceeds the limit.
    case heapExhausted(limitBytes: Int)
    /// A configuration field is out of range: which, what it must be, and
    /// the value given.
    case invalidConfiguration(field: HeapConfiguration.Field, requirement: String, value: String)
    /// The barrier's mechanism cannot run here (which feature, which kernel).
    case barrierUnavailable(String, WriteWatchError)
    /// The address space for the heap could not be reserved.
    case reservationFailed(bytes: Int, errno: Errno)
    /// An object shape the heap cannot represent.
    case invalidObjectSize(pointers: Int, bytes: Int)
    /// A root was released, or belongs to another heap.
    case staleRoot
    /// A pointer field index outside the object.
    case fieldOutOfRange(field: Int, count: Int)
    /// A data byte offset outside the object.
    case offsetOutOfRange(offset: Int, count: Int)
    /// An inactive mutator allocated or asked for a collection.
    case inactiveMutator
    /// An object of one kind given where another is needed (a plain object
    /// to a weak-box call, say).
    case wrongObjectKind(expected: ObjectKind, found: ObjectKind)
    /// A word that must be an object is nil or an immediate.
    case notAnObject(what: String)
    /// A guardian that was destroyed (or belongs to another heap).
    case staleGuardian

    public var description: String {
        switch self {
        case let .heapExhausted(limit):
            "heap exhausted (\(limit) bytes): live data exceeds heapLimitBytes; raise the limit or keep less alive"
        case let .invalidConfiguration(field, requirement, value):
            "invalid heap configuration: \(field.rawValue) must be \(requirement), not \(value)"
        case let .barrierUnavailable(name, error):
            "the \(name) barrier cannot run here: \(error)"
        case let .reservationFailed(bytes, errno):
            "reserving \(bytes) bytes of address space failed: \(errno); lower heapLimitBytes or check ulimit -v"
        case let .invalidObjectSize(pointers, bytes):
            "cannot allocate an object with \(pointers) pointer fields and \(bytes) data bytes: both must be 0 to 2^31-1"
        case .staleRoot:
            "stale root: it was released (or belongs to another heap); make a new root while the object is reachable"
        case let .fieldOutOfRange(field, count):
            "pointer field \(field) is out of range: the object has \(count)"
        case let .offsetOutOfRange(offset, count):
            "data offset \(offset) is out of range: the object has \(count) data bytes"
        case .inactiveMutator:
            "this thread's mutator is inactive: call activate() after the blocking call before touching the heap"
        case let .wrongObjectKind(expected, found):
            "the object is \(found.article) \(found.name), not \(expected.article) \(expected.name): use the calls for its kind"
        case let .notAnObject(what):
            "\(what) must be an object, not nil or an immediate"
        case .staleGuardian:
            "stale guardian: it was destroyed (or belongs to another heap); create a new one"
        }
    }
}
