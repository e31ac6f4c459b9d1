#if canImport(Glibc)
import Glibc
#endif
import CWriteWatch

/// Whether a mechanism works here, and if not, exactly why.
public enum Availability: Sendable, Equatable, CustomStringConvertible {
    case available(String)
    case unavailable(String)

    public var isAvailable: Bool { if case .available = self { true } else { false } }

    public var description: String {
        switch self {
        case let .available(detail): "available (\(detail))"
        case let .unavailable(reason): "unavailable: \(reason)"
        }
    }
}

/// What this machine supports, for each mechanism.
///
/// The probe never disturbs a tracker: it opens its own throwaway userfaultfd
/// (UFFDIO_API may be called once per descriptor) and its own pagemap
/// descriptor, and closes both.
public struct Probe: Sendable, CustomStringConvertible {
    public var kernel: KernelVersion
    /// The userfaultfd features the kernel reported, after `maskedFeatures`.
    public var uffdFeatures: UInt64?
    public var results: [Mechanism: Availability]

    /// Probes this machine. `maskedFeatures` hides feature bits, to simulate
    /// an older kernel.
    public static func run(maskedFeatures: UInt64 = 0, userModeOnly: Bool = true) -> Probe {
        let kernel = KernelVersion.current
        var results: [Mechanism: Availability] = [:]
        results[.mprotect] = .available("SIGSEGV handler")

        let features: UInt64
        do {
            features = try Userfaultfd.supportedFeatures(userModeOnly: userModeOnly) & ~maskedFeatures
        } catch {
            let reason = explainUserfaultfdFailure(error, kernel: kernel)
            results[.uffdAsync] = .unavailable(reason)
            results[.uffdSync] = .unavailable(reason)
            return Probe(kernel: kernel, uffdFeatures: nil, results: results)
        }
        results[.uffdSync] = syncAvailability(features: features, kernel: kernel)
        results[.uffdAsync] = asyncAvailability(features: features, kernel: kernel)
        return Probe(kernel: kernel, uffdFeatures: features, results: results)
    }

    /// Throws `.unsupported` naming the missing feature if `mechanism` cannot run.
    public func require(_ mechanism: Mechanism) throws(WriteWatchError) {
        if case let .unavailable(reason)? = results[mechanism] { throw .unsupported(mechanism, reason: reason) }
    }

    public var description: String {
        var lines = ["kernel \(kernel)"]
        if let f = uffdFeatures { lines.append("userfaultfd features 0x\(String(f, radix: 16))") }
        for m in Mechanism.allCases { lines.append("\(m.rawValue): \(results[m].map(String.init(describing:)) ?? "not probed")") }
        return lines.joined(separator: "\n")
    }

    /// Names the missing feature and the first kernel that had it, without
    /// claiming this kernel is older: a new kernel can be built without a
    /// feature, or have it masked (`maskedFeatures`).
    static func missing(_ feature: String, since version: KernelVersion, kernel: KernelVersion) -> String {
        if kernel < version {
            return "\(feature) is missing: it first came in Linux \(version), and this kernel is \(kernel); run on Linux \(version) or later"
        }
        return "\(feature) is missing: Linux has had it since \(version), but this kernel (\(kernel)) does not offer it (built without it, or the feature is masked); use a kernel built with it"
    }

    private static func syncAvailability(features: UInt64, kernel: KernelVersion) -> Availability {
        guard features & WW_FEATURE_PAGEFAULT_FLAG_WP != 0 else {
            return .unavailable(missing("UFFD_FEATURE_PAGEFAULT_FLAG_WP (anonymous write-protect)", since: KernelVersion(major: 5, minor: 7), kernel: kernel))
        }
        return .available(features & WW_FEATURE_WP_UNPOPULATED != 0 ? "WP + WP_UNPOPULATED" : "WP")
    }

    private static func asyncAvailability(features: UInt64, kernel: KernelVersion) -> Availability {
        if features & WW_FEATURE_WP_ASYNC == 0 {
            return .unavailable(missing("UFFD_FEATURE_WP_ASYNC", since: KernelVersion(major: 6, minor: 7), kernel: kernel))
        }
        if features & WW_FEATURE_WP_UNPOPULATED == 0 {
            return .unavailable(missing("UFFD_FEATURE_WP_UNPOPULATED", since: KernelVersion(major: 6, minor: 7), kernel: kernel))
        }
        return pagemapScanAvailability(kernel: kernel)
    }

    /// PAGEMAP_SCAN over an empty range: ENOTTY means the ioctl is unknown.
    private static func pagemapScanAvailability(kernel: KernelVersion) -> Availability {
        let fd: OwnedDescriptor
        do { fd = try OwnedDescriptor.open("/proc/self/pagemap") } catch {
            return .unavailable("cannot open /proc/self/pagemap (\(error)): mount /proc, and open it before the process becomes non-dumpable")
        }
        var arg = pm_scan_arg()
        let here = UInt64(UInt(bitPattern: PageRange.pageSize))
        arg.start = here
        arg.end = here
        let r = ww_pagemap_scan(fd.rawValue, &arg)
        if r == -ENOTTY { return .unavailable(missing("the PAGEMAP_SCAN ioctl", since: KernelVersion(major: 6, minor: 7), kernel: kernel)) }
        if let errno = Errno.check(r) { return .unavailable("PAGEMAP_SCAN failed: \(errno)") }
        return .available("WP_ASYNC + WP_UNPOPULATED + PAGEMAP_SCAN")
    }

    private static func explainUserfaultfdFailure(_ error: WriteWatchError, kernel: KernelVersion) -> String {
        guard case let .system(_, errno) = error else { return "\(error)" }
        switch errno.rawValue {
        case ENOSYS:
            return "userfaultfd returned ENOSYS: the kernel lacks CONFIG_USERFAULTFD or a seccomp filter blocks it (containers often do)"
        case EPERM:
            return "userfaultfd returned EPERM: set vm.unprivileged_userfaultfd=1, grant CAP_SYS_PTRACE, or use UFFD_USER_MODE_ONLY (Linux 5.11+); a seccomp or LSM policy may also deny it"
        case EINVAL:
            return missing("UFFD_USER_MODE_ONLY", since: KernelVersion(major: 5, minor: 11), kernel: kernel)
        default:
            return "\(error)"
        }
    }
}
