import XCTest
import Foundation
import GCHeap
import HeapTrace
import WriteWatch
import CWriteWatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` in a forked child; returns its exit status (128+signal if killed).
func inChild(_ body: () -> Int32) -> Int32 {
    fflush(nil)
    let pid = fork()
    if pid == 0 { _exit(body()) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    if status & 0x7f != 0 { return 128 + (status & 0x7f) }
    return (status >> 8) & 0xff
}

/// The signal a Swift runtime trap (a failed precondition) raises: `ud2`
/// on x86_64 is SIGILL; `brk` on arm64 is SIGTRAP.
#if arch(x86_64)
let swiftTrapSignal = SIGILL
#else
let swiftTrapSignal = SIGTRAP
#endif

/// How a forked child ended, and what it wrote on standard error.
struct ChildOutcome {
    /// The signal that ended it, if one did.
    var signal: Int32?
    var exitStatus: Int32?
    var stderr: String
}

/// Runs `body` in a forked child with its standard error captured, so a
/// test can tell a precondition trap (its signal and message) from any
/// other way of dying, such as a segfault.
func trapInChild(_ body: () -> Int32) -> ChildOutcome {
    fflush(nil)
    var fds: [Int32] = [0, 0]
    precondition(pipe(&fds) == 0, "pipe failed")
    let pid = fork()
    if pid == 0 {
        close(fds[0])
        dup2(fds[1], 2)
        close(fds[1])
        _exit(body())
    }
    close(fds[1])
    var captured: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fds[0], &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        captured += buffer[0..<n]
    }
    close(fds[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let text = String(decoding: captured, as: UTF8.self)
    if status & 0x7f != 0 { return ChildOutcome(signal: status & 0x7f, exitStatus: nil, stderr: text) }
    return ChildOutcome(signal: nil, exitStatus: (status >> 8) & 0xff, stderr: text)
}

/// Fails unless the child died of a Swift trap that printed `message`.
func assertTrapped(_ outcome: ChildOutcome, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(outcome.signal, swiftTrapSignal,
                   "expected the trap signal \(swiftTrapSignal), got signal \(outcome.signal.map(String.init) ?? "none"), exit \(outcome.exitStatus.map(String.init) ?? "none"); stderr: \(outcome.stderr)",
                   file: file, line: line)
    XCTAssertTrue(outcome.stderr.contains(message), "stderr lacks '\(message)': \(outcome.stderr)", file: file, line: line)
}

/// A small old-to-young workload whose result is checkable: returns the
/// problems found.
func oldToYoungWorkload<B: Barrier>(_ heap: Heap<B>, rounds: Int = 20, prepare: (Int) -> Void = { _ in }) throws -> [String] {
    let holder = try heap.allocateOld(pointers: 32, bytes: 0, tag: 1)
    for round in 0..<rounds {
        for f in 0..<32 {
            let y = try heap.allocate(pointers: 0, bytes: 8, tag: UInt32(1000 + round * 32 + f))
            try heap.storeByte(y, 7, UInt8(f))
            heap.store(try heap.object(holder)!, f, y)
        }
        prepare(round)
        try heap.collectMinor()
        for f in 0..<32 {
            guard let y = heap.load(try heap.object(holder)!, f).ref, heap.isPlausible(y),
                  heap.tag(y) == UInt32(1000 + round * 32 + f), try heap.loadByte(y, 7) == UInt8(f) else {
                return ["round \(round): field \(f) lost its young object"]
            }
        }
        if round % 7 == 6 { try heap.collectMajor() }
    }
    return heap.verify()
}

final class FaultTests: XCTestCase {
    /// Each error PAGEMAP_SCAN can return, injected at collection time: the
    /// minor collection falls back to scanning all of old space, results stay
    /// right, tracking re-arms, and the heap reports it once.
    func testInjectedScanFailuresKeepResultsRight() throws {
        for errno in [Errno.notPermitted, .noMemory, .interrupted] {
            let heap = try Heap<HardwareBarrier>(configuration: smallConfig())
            let problems = try oldToYoungWorkload(heap) { round in
                if round % 3 == 1 { heap.barrier.tracker.injectNextScanFailure = errno }
            }
            XCTAssertEqual(problems, [], "\(errno)")
            XCTAssertGreaterThan(heap.statistics.degradedCollections, 0, "\(errno): failures were injected")
            XCTAssertEqual(heap.diagnostics.count, 1, "\(errno): reported once: \(heap.diagnostics)")
            XCTAssertTrue(heap.diagnostics.first?.contains(errno.name) == true, "\(heap.diagnostics)")
            // After the failures, tracking is exact again.
            try heap.collectMinor()
            try heap.collectMinor()
            XCTAssertEqual(heap.statistics.lastMinorDirtyPages, 0, "\(errno)")
        }
    }

    /// fork(): the child keeps allocating and collecting correctly (its
    /// tracker re-establishes itself), and the parent's tracking is untouched.
    func testForkChildCollectsCorrectlyAndParentIsUnaffected() throws {
        for kind in BarrierKind.sound {
            try kind.accept(ForkScenario())
        }
    }

    struct ForkScenario: BarrierVisitor {
        func visit<B: Barrier>(_: B.Type) throws {
            let heap = try Heap<B>(configuration: smallConfig())
            let holder = try heap.allocateOld(pointers: 4, bytes: 0, tag: 1)
            heap.store(try heap.object(holder)!, 0, try heap.allocate(pointers: 0, bytes: 8, tag: 2))   // parent's pending store
            let status = inChild {
                guard let problems = try? oldToYoungWorkload(heap), problems.isEmpty else { return 10 }
                guard let y = try? heap.load(heap.object(holder)!, 0).ref, heap.tag(y) == 2 else { return 11 }
                return 0
            }
            XCTAssertEqual(status, 0, "\(B.name): child")
            try heap.collectMinor()
            guard let y = heap.load(try heap.object(holder)!, 0).ref, heap.isPlausible(y), heap.tag(y) == 2 else {
                return XCTFail("\(B.name): the parent lost its pending old-to-young pointer")
            }
            XCTAssertEqual(heap.statistics.degradedCollections, 0, "\(B.name): parent tracking untouched")
            XCTAssertEqual(try oldToYoungWorkload(heap, rounds: 5), [], "\(B.name): parent")
        }
    }

    /// vm.unprivileged_userfaultfd is 0 here: a process running as uid 65534
    /// gets the hardware barrier through UFFD_USER_MODE_ONLY.
    func testUnprivilegedProcessGetsHardwareBarrier() throws {
        let status = inChild {
            if getuid() == 0 {
                guard setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 else { return 20 }
                _ = ww_set_dumpable(1)
            }
            guard getuid() != 0 else { return 21 }
            guard let heap = try? Heap<HardwareBarrier>(configuration: smallConfig()) else { return 22 }
            guard let problems = try? oldToYoungWorkload(heap), problems.isEmpty else { return 23 }
            return heap.statistics.scanCalls > 0 ? 0 : 24
        }
        XCTAssertEqual(status, 0)
    }

    /// A kernel without WP_ASYNC (simulated by masking the bit): the hardware
    /// heap refuses with the feature and the kernel version that has it.
    func testMissingKernelFeatureIsNamed() throws {
        var c = smallConfig()
        c.maskedTrackerFeatures = 1 << 15   // UFFD_FEATURE_WP_ASYNC
        XCTAssertThrowsError(try Heap<HardwareBarrier>(configuration: c)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("hardware") && text.contains("UFFD_FEATURE_WP_ASYNC") && text.contains("since 6.7"), text)
        }
    }

    /// 10,000 minor collections: resident memory, descriptors and tracked
    /// ranges stay bounded.
    func testSoakTenThousandMinorCollections() throws {
        var c = smallConfig()
        c.nurseryBytes = 64 << 10
        c.poisonFreedMemory = false
        let heap = try Heap<HardwareBarrier>(configuration: c)
        let table = try heap.allocateOld(pointers: 256, bytes: 0, tag: 0)
        func rss() -> Int {
            let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
            return (Int(statm.split(separator: " ")[1]) ?? 0) * PageRange.pageSize
        }
        func descriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        var rssAt1000 = 0, fdsAt1000 = 0, rangesAt1000 = 0
        for i in 0..<10_000 {
            for k in 0..<8 {
                heap.store(try heap.object(table)!, (i * 8 + k) % 256, try heap.allocate(pointers: 1, bytes: 16))
            }
            try heap.collectMinor()
            if i == 999 { rssAt1000 = rss(); fdsAt1000 = descriptors(); rangesAt1000 = heap.barrier.tracker.trackedRanges.count }
            if i % 2500 == 2499 { try heap.collectMajor() }
        }
        XCTAssertEqual(heap.statistics.minorCollections, 10_000 + heap.statistics.majorCollections + 2)
        XCTAssertEqual(descriptors(), fdsAt1000, "open descriptors grew")
        XCTAssertEqual(heap.barrier.tracker.trackedRanges.count, rangesAt1000, "tracked ranges grew")
        XCTAssertLessThan(rss() - rssAt1000, 16 << 20, "resident memory grew by \((rss() - rssAt1000) >> 20) MiB")
        XCTAssertEqual(heap.verify(), [])
        print("soak: 10000 minors, rss \(rssAt1000 >> 20) -> \(rss() >> 20) MiB, fds \(fdsAt1000), tracked ranges \(rangesAt1000)")
    }

    /// A pointer field index out of range in the unchecked API traps with a
    /// clear message (it is documented to), never corrupts memory.
    func testOutOfRangeFieldTraps() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig())
        let o = try heap.allocate(pointers: 2, bytes: 0)
        let outcome = trapInChild {
            heap.store(o, 2, .null)
            return 0
        }
        assertTrapped(outcome, "pointer field 2 out of range: the object has 2")
    }
}
