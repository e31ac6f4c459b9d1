#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch

/// A userfaultfd descriptor after its one UFFDIO_API handshake.
///
/// Invariant: `features` is what the kernel granted on this descriptor; since
/// UFFDIO_API may be called once per descriptor, discovering what the kernel
/// supports happens on a separate, throwaway descriptor (`supportedFeatures`).
struct Userfaultfd: ~Copyable {
    let descriptor: OwnedDescriptor
    let features: UInt64

    /// The features this kernel supports, learnt on a throwaway descriptor.
    static func supportedFeatures(userModeOnly: Bool) throws(WriteWatchError) -> UInt64 {
        let probe = try openRaw(userModeOnly: userModeOnly)
        var features: UInt64 = 0
        if let errno = Errno.check(ww_uffdio_api(probe.rawValue, 0, &features, nil)) {
            throw .system(operation: "UFFDIO_API", errno: errno)
        }
        return features
    }

    /// Opens a descriptor and asks for exactly `features`.
    init(features requested: UInt64, userModeOnly: Bool) throws(WriteWatchError) {
        let fd = try Userfaultfd.openRaw(userModeOnly: userModeOnly)
        var granted: UInt64 = 0
        if let errno = Errno.check(ww_uffdio_api(fd.rawValue, requested, &granted, nil)) {
            throw .system(operation: "UFFDIO_API(features 0x\(String(requested, radix: 16)))", errno: errno)
        }
        descriptor = fd
        features = granted
    }

    private static func openRaw(userModeOnly: Bool) throws(WriteWatchError) -> OwnedDescriptor {
        // Kernel-mode faults are never ours to handle (WP_ASYNC resolves them
        // in the kernel anyway), and user-mode-only is what lets an
        // unprivileged process open the descriptor when
        // vm.unprivileged_userfaultfd is 0.
        let flags = O_CLOEXEC | O_NONBLOCK | (userModeOnly ? WW_UFFD_USER_MODE_ONLY : 0)
        let fd = ww_userfaultfd(flags)
        if let errno = Errno.check(fd) { throw .system(operation: "userfaultfd", errno: errno) }
        return OwnedDescriptor(adopting: fd)
    }

    var rawValue: Int32 { descriptor.rawValue }

    func register(_ range: PageRange) -> Errno? {
        Errno.check(ww_uffdio_register_wp(rawValue, UInt64(range.start), UInt64(range.byteCount)))
    }

    func unregister(_ range: PageRange) -> Errno? {
        Errno.check(ww_uffdio_unregister(rawValue, UInt64(range.start), UInt64(range.byteCount)))
    }

    /// Arms (`true`) or disarms (`false`, which also wakes a blocked writer).
    func writeProtect(_ range: PageRange, _ protect: Bool) -> Errno? {
        Errno.check(ww_uffdio_writeprotect(rawValue, UInt64(range.start), UInt64(range.byteCount), protect ? 1 : 0))
    }

    /// Registers and arms `range`, after keeping transparent huge pages off it:
    /// a huge page is reported as 2 MiB written and split on its next write.
    func registerAndArm(_ range: PageRange) throws(WriteWatchError) {
        if madvise(UnsafeMutableRawPointer(bitPattern: range.start), range.byteCount, MADV_NOHUGEPAGE) != 0 {
            throw .system(operation: "madvise(MADV_NOHUGEPAGE, \(range))", errno: Errno(rawValue: errno))
        }
        if let errno = register(range) { throw .system(operation: "UFFDIO_REGISTER(\(range))", errno: errno) }
        if let errno = writeProtect(range, true) {
            _ = unregister(range)
            throw .system(operation: "UFFDIO_WRITEPROTECT(\(range))", errno: errno)
        }
    }
}
