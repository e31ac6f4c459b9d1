import WriteWatch

/// Errors the heap reports to its embedder, each naming what went wrong and
/// what to do.
public enum HeapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A full collection could not free enough: `liveBytes` of old space
    /// survived it, more than the heap limit leaves for old space, or than a
    /// new object would fit in. The heap stays usable: drop references and
    /// allocate again.
    case heapExhausted(liveBytes: Int, limitBytes: Int)
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
        case let .heapExhausted(live, limit):
            "heap exhausted: \(live) bytes live after a full collection, over what a heap limit of \(limit) bytes allows; raise heapLimitBytes or keep less alive"
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
