#if canImport(Glibc)
import Glibc
#endif
import CWriteWatchAPI
import GCHeap
import WriteWatch

/// Every failure the C API reports: the Swift errors unchanged (so a C
/// caller reads the same text a Swift caller does) and the few that only a
/// C caller can cause: a dead handle, a null pointer, the wrong thread.
enum APIError: Error, CustomStringConvertible {
    case heap(HeapError)
    case tracker(WriteWatchError)
    case invalidArgument(String)
    case invalidHandle(String)
    case unsupported(String)
    case bufferTooSmall(needed: Int, what: String)
    case wrongThread
    case inactive(String)
    case busy(String)
    case verifyFailed([String])
    case tooMany(String, limit: Int)

    var status: ww_status {
        switch self {
        case let .heap(error):
            switch error {
            case .heapExhausted: ww_status(WW_ERR_HEAP_EXHAUSTED)
            case .invalidConfiguration, .invalidObjectSize, .fieldOutOfRange, .offsetOutOfRange, .wrongObjectKind, .notAnObject:
                ww_status(WW_ERR_INVALID_ARGUMENT)
            case .staleGuardian: ww_status(WW_ERR_INVALID_HANDLE)
            case let .barrierUnavailable(_, cause): APIError.tracker(cause).status
            case .reservationFailed: ww_status(WW_ERR_SYSTEM)
            case .staleRoot: ww_status(WW_ERR_INVALID_HANDLE)
            case .inactiveMutator: ww_status(WW_ERR_INACTIVE)
            }
        case let .tracker(error):
            switch error {
            case .unsupported: ww_status(WW_ERR_UNSUPPORTED)
            case .unaligned, .overlapping, .notTracked: ww_status(WW_ERR_INVALID_ARGUMENT)
            case .closed: ww_status(WW_ERR_INVALID_HANDLE)
            case .system, .inheritedAcrossFork: ww_status(WW_ERR_SYSTEM)
            }
        case .invalidArgument: ww_status(WW_ERR_INVALID_ARGUMENT)
        case .invalidHandle: ww_status(WW_ERR_INVALID_HANDLE)
        case .unsupported: ww_status(WW_ERR_UNSUPPORTED)
        case .bufferTooSmall: ww_status(WW_ERR_BUFFER_TOO_SMALL)
        case .wrongThread: ww_status(WW_ERR_WRONG_THREAD)
        case .inactive: ww_status(WW_ERR_INACTIVE)
        case .busy: ww_status(WW_ERR_BUSY)
        case .verifyFailed: ww_status(WW_ERR_VERIFY_FAILED)
        case .tooMany: ww_status(WW_ERR_TOO_MANY)
        }
    }

    var description: String {
        switch self {
        case let .heap(error): APIError.inCTerms(error)
        case let .tracker(error): error.description
        case let .invalidArgument(message), let .unsupported(message), let .inactive(message), let .busy(message): message
        case let .invalidHandle(what): "invalid \(what) handle: it was destroyed, detached, closed or released, or never created; use a handle from a successful call"
        case let .bufferTooSmall(needed, what): "the buffer is too small: \(needed) \(what) needed; nothing was lost, call again with room for them"
        case .wrongThread: "this mutator belongs to another thread: each thread uses the mutator it got from ww_heap_create or ww_attach"
        case let .verifyFailed(problems):
            "the heap verifier found \(problems.count) problem(s): " + problems.prefix(3).joined(separator: "; ")
        case let .tooMany(what, limit): "too many live \(what) handles (at most \(limit)): destroy or close some first"
        }
    }

    /// The heap's message with the C API's names: a C caller sets
    /// `nursery_bytes` and calls `ww_activate`, not their Swift spellings.
    static func inCTerms(_ error: HeapError) -> String {
        switch error {
        case let .invalidConfiguration(field, requirement, value):
            "invalid heap options: options.\(cName(field)) must be \(requirement), not \(value)"
        case let .heapExhausted(live, limit):
            "heap exhausted: \(live) bytes live after a full collection, over what options.heap_limit_bytes (\(limit)) allows; raise the limit or keep less alive"
        case let .reservationFailed(bytes, errno):
            "reserving \(bytes) bytes of address space failed: \(errno); lower options.heap_limit_bytes or check ulimit -v"
        case .inactiveMutator:
            "this thread's mutator is inactive: call ww_activate after the blocking call, before touching the heap"
        case let .fieldOutOfRange(field, count):
            "field \(field) is out of range: the object has \(count) pointer fields"
        case let .wrongObjectKind(expected, found):
            "the object is \(cKind(found)), not \(cKind(expected)): use the calls for its kind (ww_weak_get and ww_weak_set for a weak box, ww_ephemeron_get for an ephemeron)"
        case let .notAnObject(what):
            "\(what) must be an object, not WW_NULL or an immediate"
        case .staleGuardian:
            "invalid guardian handle: it was destroyed with ww_guardian_destroy (or belongs to another heap), or never came from ww_guardian_create; create a new one"
        default:
            error.description
        }
    }

    /// An object kind with its article, as the C API's messages name it: a
    /// plain object is one from ww_allocate.
    static func cKind(_ kind: ObjectKind) -> String {
        switch kind {
        case .plain: "a plain object (from ww_allocate)"
        case .weakBox: "a weak box (from ww_weak_create)"
        case .ephemeron: "an ephemeron (from ww_ephemeron_create)"
        }
    }

    static func cName(_ field: HeapConfiguration.Field) -> String {
        switch field {
        case .nurseryBytes: "nursery_bytes"
        case .heapLimitBytes: "heap_limit_bytes"
        case .promotionAge: "promotion_age"
        case .cardBytes: "card_bytes"
        case .allocationBufferBytes: "allocation_buffer_bytes"
        case .stallReportMilliseconds: "stall_report_ms"
        // Not in ww_heap_options: their defaults always pass.
        case .scanVectorCapacity, .majorGrowthFactor, .concurrentMarkMaxRounds: field.rawValue
        }
    }

    static func null(_ parameter: String) -> APIError { .invalidArgument("\(parameter) is NULL: pass a valid pointer") }
}

/// Runs one C API call: WW_OK, or the error's status with its message kept
/// for `ww_last_error` on this thread.
@inline(__always)
func api(_ body: () throws(APIError) -> Void) -> ww_status {
    do {
        try body()
        return ww_status(WW_OK)
    } catch {
        LastError.set(error.description)
        return error.status
    }
}

/// Converts the heap's typed errors at the boundary.
@inline(__always)
func heapCall<R>(_ body: () throws(HeapError) -> R) throws(APIError) -> R {
    do { return try body() } catch { throw .heap(error) }
}

@inline(__always)
func trackerCall<R>(_ body: () throws(WriteWatchError) -> R) throws(APIError) -> R {
    do { return try body() } catch { throw .tracker(error) }
}

/// Writes an out-parameter, refusing NULL.
@inline(__always)
func output<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String, _ value: T) throws(APIError) {
    guard let pointer else { throw .null(name) }
    pointer.pointee = value
}

/// The message of each thread's last failed call: a C string owned by the
/// thread, freed when it is replaced or the thread exits.
enum LastError {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { free($0) }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    static func set(_ message: String) {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(old)
    }

    static var current: UnsafePointer<CChar> {
        guard let p = pthread_getspecific(key) else { return cString("") }
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
}

@_cdecl("ww_last_error")
public func cLastError() -> UnsafePointer<CChar> { LastError.current }

@_cdecl("ww_status_name")
public func cStatusName(_ status: ww_status) -> UnsafePointer<CChar> {
    let name: StaticString = switch Int(status) {
    case Int(WW_OK): "WW_OK"
    case Int(WW_ERR_INVALID_ARGUMENT): "WW_ERR_INVALID_ARGUMENT"
    case Int(WW_ERR_INVALID_HANDLE): "WW_ERR_INVALID_HANDLE"
    case Int(WW_ERR_UNSUPPORTED): "WW_ERR_UNSUPPORTED"
    case Int(WW_ERR_SYSTEM): "WW_ERR_SYSTEM"
    case Int(WW_ERR_HEAP_EXHAUSTED): "WW_ERR_HEAP_EXHAUSTED"
    case Int(WW_ERR_BUFFER_TOO_SMALL): "WW_ERR_BUFFER_TOO_SMALL"
    case Int(WW_ERR_WRONG_THREAD): "WW_ERR_WRONG_THREAD"
    case Int(WW_ERR_INACTIVE): "WW_ERR_INACTIVE"
    case Int(WW_ERR_BUSY): "WW_ERR_BUSY"
    case Int(WW_ERR_VERIFY_FAILED): "WW_ERR_VERIFY_FAILED"
    case Int(WW_ERR_TOO_MANY): "WW_ERR_TOO_MANY"
    default: "unknown status"
    }
    return cString(name)
}

/// A static string's bytes as a C string (literals are NUL-terminated and
/// live for the whole program).
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}
