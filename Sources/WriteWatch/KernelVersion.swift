#if canImport(Glibc)
import Glibc
#endif

/// The running kernel's release, e.g. `6.18.44`, parsed from uname(2).
public struct KernelVersion: Comparable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var release: String

    public init(major: Int, minor: Int, release: String = "") {
        self.major = major
        self.minor = minor
        self.release = release.isEmpty ? "\(major).\(minor)" : release
    }

    /// The kernel this process runs on.
    public static let current: KernelVersion = {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return KernelVersion(major: numbers.first ?? 0, minor: numbers.dropFirst().first ?? 0, release: release)
    }()

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }
    public static func == (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor) == (b.major, b.minor)
    }

    public var description: String { release }
}
