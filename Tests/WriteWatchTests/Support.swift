import XCTest
import WriteWatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

let pageSize = PageRange.pageSize

/// Anonymous memory for a test, unmapped when released.
final class Mapping {
    let base: UnsafeMutableRawPointer
    let pages: Int

    init(pages: Int) {
        let p = mmap(nil, pages * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(p != MAP_FAILED, "mmap failed")
        base = p
        self.pages = pages
    }

    deinit { munmap(base, pages * pageSize) }

    var range: PageRange { PageRange(start: base, byteCount: pages * pageSize) }

    func pages(_ first: Int, _ count: Int = 1) -> PageRange {
        PageRange(start: range.start + UInt(first * pageSize), end: range.start + UInt((first + count) * pageSize))
    }

    func write(page: Int, byte: UInt8 = 1, offset: Int = 0) {
        (base + page * pageSize + offset).storeBytes(of: byte, as: UInt8.self)
    }

    func read(page: Int) -> UInt8 { (base + page * pageSize).load(as: UInt8.self) }
}

/// The page indices (relative to `mapping`) in a list of ranges; fails on
/// duplicates, so "exactly once" is checked wherever this is used.
func pageIndices(_ ranges: [PageRange], in mapping: Mapping, file: StaticString = #filePath, line: UInt = #line) -> [Int] {
    var out: [Int] = []
    for r in ranges {
        XCTAssertTrue(r.isPageAligned, "reported range \(r) is not page-aligned", file: file, line: line)
        var a = r.start
        while a < r.end {
            out.append(Int((a - mapping.range.start) / UInt(pageSize)))
            a += UInt(pageSize)
        }
    }
    XCTAssertEqual(Set(out).count, out.count, "a page was reported twice", file: file, line: line)
    return out.sorted()
}

let probe = Probe.run()

/// Runs `body` with a fresh tracker of every mechanism. A mechanism this
/// machine cannot run fails the test on Linux 6.7+, where all must work.
func forEachMechanism(file: StaticString = #filePath, line: UInt = #line, _ body: (Mechanism, any WriteTracker) throws -> Void) rethrows {
    for mechanism in Mechanism.allCases {
        guard probe.results[mechanism]?.isAvailable == true else {
            if probe.kernel >= KernelVersion(major: 6, minor: 7) {
                XCTFail("\(mechanism) unavailable on \(probe.kernel): \(probe.results[mechanism]!)", file: file, line: line)
            }
            continue
        }
        let tracker = try! makeTracker(mechanism)
        defer { tracker.close() }
        try body(mechanism, tracker)
    }
}

/// Runs `body` in a forked child and returns its exit status (or 128+signal).
func inChild(_ body: () -> Int32) -> Int32 {
    fflush(nil)
    let pid = fork()
    if pid == 0 { _exit(body()) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    if status & 0x7f != 0 { return 128 + (status & 0x7f) }
    return (status >> 8) & 0xff
}

/// A seeded generator for randomised patterns (SplitMix64), so a failing
/// pattern can be replayed: `WW_TEST_SEED=N swift test`.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init() {
        let given = ProcessInfo.processInfo.environment["WW_TEST_SEED"].flatMap { UInt64($0) }
        seed = given ?? UInt64.random(in: 0...UInt64.max)
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
