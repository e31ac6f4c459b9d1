#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch

/// A file descriptor owned by exactly one value and closed exactly once:
/// when it is consumed by `close()`, or when it goes out of scope.
struct OwnedDescriptor: ~Copyable {
    let rawValue: Int32

    init(adopting rawValue: Int32) { self.rawValue = rawValue }

    /// Opens `path` read-only with O_CLOEXEC.
    static func open(_ path: String) throws(WriteWatchError) -> OwnedDescriptor {
        let fd = ww_open_readonly(path)
        if let errno = Errno.check(fd) { throw .system(operation: "open(\(path))", errno: errno) }
        return OwnedDescriptor(adopting: fd)
    }

    consuming func close() {
        let fd = rawValue
        discard self
        _ = Glibc.close(fd)
    }

    deinit { _ = Glibc.close(rawValue) }
}
