#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX error number, as returned by a failed system call.
///
/// Modelled on swift-system's `Errno`: a typed value instead of a bare
/// `Int32`, with the symbolic name in its description so that messages read
/// `EPERM (Operation not permitted)` rather than `1`.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let notPermitted = Errno(rawValue: EPERM)
    public static let noSuchFile = Errno(rawValue: ENOENT)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let badAddress = Errno(rawValue: EFAULT)
    public static let noMemory = Errno(rawValue: ENOMEM)
    public static let accessDenied = Errno(rawValue: EACCES)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let resourceBusy = Errno(rawValue: EBUSY)
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let noFunction = Errno(rawValue: ENOSYS)
    public static let notTTY = Errno(rawValue: ENOTTY)
    public static let noSpace = Errno(rawValue: ENOSPC)

    /// The symbolic name, e.g. `EPERM`.
    public var name: String {
        switch rawValue {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case EBADF: "EBADF"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EFAULT: "EFAULT"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case EINVAL: "EINVAL"
        case ENOSPC: "ENOSPC"
        case ENOTTY: "ENOTTY"
        case ENOSYS: "ENOSYS"
        default: "errno \(rawValue)"
        }
    }

    public var description: String { "\(name) (\(String(cString: strerror(rawValue))))" }

    /// Converts a shim return value (`>= 0` or `-errno`) into a result.
    @inlinable
    static func check(_ result: Int32) -> Errno? {
        result < 0 ? Errno(rawValue: -result) : nil
    }
}
