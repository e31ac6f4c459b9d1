import XCTest
import WriteWatch
import CWriteWatch
#if canImport(Glibc)
import Glibc
#endif

/// Partial results, failures, fork, privileges and misuse.
final class FailureTests: XCTestCase {
    private func asyncTracker(vector: Int = 256) throws -> UffdAsyncTracker {
        guard probe.results[.uffdAsync]?.isAvailable == true else { throw XCTSkip("uffd-async unavailable: \(probe)") }
        return try UffdAsyncTracker(options: .init(vectorCapacity: vector))
    }

    /// A vector far smaller than the dirty regions still yields every page once.
    func testTinyVectorResumes() throws {
        let tracker = try asyncTracker(vector: 3)
        let m = Mapping(pages: 512)
        try tracker.track(m.range)
        let written = Array(stride(from: 0, to: 512, by: 3))
        for p in written { m.write(page: p) }
        var out: [PageRange] = []
        let report = try tracker.collect(into: &out)
        XCTAssertEqual(pageIndices(out, in: m), written)
        // One call per full vector; a last call that ends the walk exactly
        // at capacity may or may not be followed by an empty one.
        XCTAssertTrue((written.count / 3)...(written.count / 3 + 1) ~= report.scanCalls, "\(report.scanCalls) calls")
        XCTAssertEqual(try tracker.collect(), [])
    }

    /// More than 512 regions in one call, where walk_end stops short.
    func testMoreThan512RegionsInOneCall() throws {
        for vector in [600, 1024, 4096] {
            let tracker = try asyncTracker(vector: vector)
            let m = Mapping(pages: 8192)
            try tracker.track(m.range)
            let written = Array(stride(from: 1, to: 8192, by: 2))   // 4096 isolated pages
            for p in written { m.write(page: p) }
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), written, "vector \(vector)")
            XCTAssertEqual(try tracker.collect(), [], "vector \(vector)")
            tracker.close()
        }
    }

    /// Remapping part of a tracked range drops its registration: the scan
    /// fails with EPERM after re-arming what it found. The tracker reports
    /// the rest of the span wholly written, re-registers it, and is exact again.
    func testFailedScanReportsAffectedRangeWhollyWritten() throws {
        let tracker = try asyncTracker()
        let m = Mapping(pages: 64)
        try tracker.track(m.range)
        m.write(page: 2); m.write(page: 50)
        let hole = mmap(m.base + 20 * pageSize, 4 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
        XCTAssertEqual(hole, m.base + 20 * pageSize)
        var out: [PageRange] = []
        let report = try tracker.collect(into: &out)
        let pages = pageIndices(out, in: m)
        XCTAssertTrue(pages.contains(2) && pages.contains(50), "no written page is lost: \(pages)")
        XCTAssertEqual(report.degraded.count, 1)
        guard case .system(_, let errno)? = report.degraded.first?.error else { return XCTFail("\(report.degraded)") }
        XCTAssertEqual(errno, .notPermitted)
        XCTAssertTrue(pages.contains(where: { $0 >= 20 && $0 < 24 }), "the unregistered stretch is reported")
        // Re-registered: exact from here on.
        m.write(page: 21); m.write(page: 60)
        out = []
        let again = try tracker.collect(into: &out)
        XCTAssertEqual(pageIndices(out, in: m), [21, 60])
        XCTAssertTrue(again.degraded.isEmpty, "\(again.degraded)")
    }

    /// Each failure a scan can return, injected after the kernel did its work.
    func testInjectedScanFailuresNeverLosePages() throws {
        for errno in [Errno.notPermitted, .noMemory, .interrupted, .badAddress] {
            let tracker = try asyncTracker()
            let m = Mapping(pages: 64)
            try tracker.track(m.range)
            m.write(page: 7); m.write(page: 40)
            tracker.injectNextScanFailure = errno
            var out: [PageRange] = []
            let report = try tracker.collect(into: &out)
            XCTAssertEqual(pageIndices(out, in: m), Array(0..<64), "\(errno): reported wholly written")
            XCTAssertEqual(report.degraded.first?.error, .system(operation: "PAGEMAP_SCAN(\(m.range))", errno: errno))
            m.write(page: 9)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [9], "\(errno): exact again")
            tracker.close()
        }
    }

    /// After fork(), the child's collect must not read or re-arm the parent's
    /// pages, and the parent's next collect is still exact.
    func testForkChildLeavesParentTrackingIntact() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 32)
            try tracker.track(m.range)
            m.write(page: 3)   // the parent's, before the fork
            let status = inChild {
                m.write(page: 10)
                guard let first = try? tracker.collect() else { return 10 }
                let pages = Set(pageIndices(first, in: m))
                guard pages.isSuperset(of: [3, 10]) else { return 11 }   // everything, conservatively
                m.write(page: 12)
                guard let second = try? tracker.collect(), pageIndices(second, in: m) == [12] else { return 12 }
                return 0
            }
            XCTAssertEqual(status, 0, "\(mechanism): child checks")
            m.write(page: 4)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [3, 4], "\(mechanism): parent still exact")
        }
    }

    /// Unprivileged use: vm.unprivileged_userfaultfd is 0 here, so only
    /// UFFD_USER_MODE_ONLY lets uid 65534 open a descriptor.
    func testUnprivilegedUserGetsHardwareTracking() throws {
        guard probe.results[.uffdAsync]?.isAvailable == true else { throw XCTSkip("uffd-async unavailable") }
        let status = inChild {
            if getuid() == 0 {
                guard setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 else { return 20 }
            }
            // Non-dumpable processes cannot open /proc/self/pagemap: setuid
            // clears the flag, so set it back as a runtime would.
            _ = ww_set_dumpable(1)
            guard let tracker = try? UffdAsyncTracker() else { return 21 }
            let m = Mapping(pages: 16)
            guard (try? tracker.track(m.range)) != nil else { return 22 }
            m.write(page: 5)
            guard let out = try? tracker.collect(), pageIndices(out, in: m) == [5] else { return 23 }
            return 0
        }
        XCTAssertEqual(status, 0)
    }

    func testMaskedFeatureNamesFeatureAndKernel() throws {
        guard probe.results[.uffdAsync]?.isAvailable == true else { throw XCTSkip("uffd-async unavailable") }
        XCTAssertThrowsError(try UffdAsyncTracker(options: .init(maskedFeatures: WW_FEATURE_WP_ASYNC))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("UFFD_FEATURE_WP_ASYNC") && text.contains("6.7"), text)
        }
    }

    func testMisuseGetsTypedErrors() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 8)
            let unaligned = PageRange(start: m.range.start + 1, end: m.range.end)
            XCTAssertThrowsError(try tracker.track(unaligned)) { XCTAssertEqual($0 as? WriteWatchError, .unaligned(unaligned)) }
            XCTAssertThrowsError(try tracker.track(PageRange(start: m.range.start, end: m.range.start))) {
                XCTAssertEqual($0 as? WriteWatchError, .unaligned(PageRange(start: m.range.start, end: m.range.start)))
            }
            try tracker.track(m.pages(0, 4))
            XCTAssertThrowsError(try tracker.track(m.pages(2, 4))) {
                XCTAssertEqual($0 as? WriteWatchError, .overlapping(m.pages(2, 4), existing: m.pages(0, 4)))
            }
            XCTAssertThrowsError(try tracker.untrack(m.pages(4, 4))) { XCTAssertEqual($0 as? WriteWatchError, .notTracked(m.pages(4, 4))) }
            XCTAssertThrowsError(try tracker.reset(m.pages(2, 4))) { XCTAssertEqual($0 as? WriteWatchError, .notTracked(m.pages(2, 4))) }
            tracker.close()
            tracker.close()   // idempotent
            XCTAssertThrowsError(try tracker.collect()) { XCTAssertEqual($0 as? WriteWatchError, .closed, "\(mechanism)") }
            XCTAssertThrowsError(try tracker.track(m.pages(4, 4))) { XCTAssertEqual($0 as? WriteWatchError, .closed) }
        }
    }

    func testProbeExplainsEveryMechanism() {
        for m in Mechanism.allCases { XCTAssertNotNil(probe.results[m], "\(m)") }
        let masked = Probe.run(maskedFeatures: WW_FEATURE_WP_UNPOPULATED)
        guard case .unavailable(let reason)? = masked.results[.uffdAsync] else { return XCTFail("\(masked)") }
        XCTAssertTrue(reason.contains("WP_UNPOPULATED") && reason.contains("6.7"), reason)
    }
}
