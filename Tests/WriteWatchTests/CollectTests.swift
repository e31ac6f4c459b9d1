import XCTest
import WriteWatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The core promise, under every mechanism: a collect reports exactly the
/// pages written since the previous one.
final class CollectTests: XCTestCase {
    func testNothingWrittenReportsNothing() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 64)
            m.write(page: 3)   // before tracking: not reported
            try tracker.track(m.range)
            XCTAssertEqual(try tracker.collect(), [], "\(mechanism)")
            m.write(page: 5)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [5], "\(mechanism)")
            XCTAssertEqual(try tracker.collect(), [], "\(mechanism): a second collect must be empty")
        }
    }

    func testScatteredDenseAndFullPatternsAreExact() throws {
        let pages = 1024
        var generator = SeededGenerator()
        let scattered = Set((0..<100).map { _ in Int.random(in: 0..<pages, using: &generator) })
        let patterns: [(String, [Int])] = [
            ("scattered", scattered.sorted()),
            ("every other", Array(stride(from: 0, to: pages, by: 2))),
            ("dense run", Array(100..<612)),
            ("full", Array(0..<pages)),
        ]
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: pages)
            try tracker.track(m.range)
            for (name, written) in patterns {
                for p in written { m.write(page: p, byte: 7, offset: p % pageSize) }
                XCTAssertEqual(pageIndices(try tracker.collect(), in: m), written, "\(mechanism) \(name) (WW_TEST_SEED=\(generator.seed))")
            }
        }
    }

    func testSameValueStoreCountsAsWrite() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 8)
            try tracker.track(m.range)
            m.write(page: 2, byte: 0)   // memory is already zero
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [2], "\(mechanism)")
        }
    }

    func testWritesFromAnotherThread() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 256)
            try tracker.track(m.range)
            let written = Array(stride(from: 1, to: 256, by: 5))
            let base = UInt(bitPattern: m.base)
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                for p in written { UnsafeMutableRawPointer(bitPattern: base + UInt(p * pageSize))!.storeBytes(of: 9, as: UInt8.self) }
                done.signal()
            }
            done.wait()
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), written, "\(mechanism)")
        }
    }

    /// The kernel writing on our behalf: read(2) from a pipe into a tracked
    /// page. userfaultfd WP_ASYNC sees it; the trap-based baselines cannot
    /// let the kernel wait on a user-space handler, so the read fails with
    /// EFAULT, as DESIGN.md documents.
    func testKernelWriteFromPipe() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 16)
            try tracker.track(m.range)
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            defer { close(fds[0]); close(fds[1]) }
            var payload: [UInt8] = [1, 2, 3, 4]
            XCTAssertEqual(write(fds[1], &payload, 4), 4)
            let n = read(fds[0], m.base + 7 * pageSize + 100, 4)
            let err = errno
            if mechanism == .uffdAsync {
                XCTAssertEqual(n, 4, "\(mechanism): read into tracked memory")
                XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [7], "\(mechanism)")
            } else {
                XCTAssertEqual(n, -1, "\(mechanism): read(2) into a protected page must fail")
                XCTAssertEqual(err, EFAULT, "\(mechanism)")
                XCTAssertEqual(try tracker.collect(), [], "\(mechanism): the failed read wrote nothing")
            }
        }
    }

    func testDontneedThenWriteIsReported() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 32)
            for p in 0..<32 { m.write(page: p) }
            try tracker.track(m.range)
            XCTAssertEqual(madvise(m.base + 4 * pageSize, 4 * pageSize, MADV_DONTNEED), 0)
            _ = try tracker.collect()   // may over-report the dropped pages once
            m.write(page: 5)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [5], "\(mechanism)")
            XCTAssertEqual(m.read(page: 6), 0, "dropped page reads as zero")
        }
    }

    func testSeveralTrackersAndAdjacentRanges() throws {
        let available = Mechanism.allCases.filter { probe.results[$0]?.isAvailable == true }
        let trackers = try available.map { try makeTracker($0) }
        defer { trackers.forEach { $0.close() } }
        let mappings = trackers.map { _ in Mapping(pages: 64) }
        for (t, m) in zip(trackers, mappings) {
            // Two adjacent registrations, as a growing heap makes them.
            try t.track(m.pages(0, 32))
            try t.track(m.pages(32, 32))
        }
        for (i, m) in mappings.enumerated() { m.write(page: 31); m.write(page: 32); m.write(page: 40 + i) }
        for (i, (t, m)) in zip(trackers, mappings).enumerated() {
            var written: [PageRange] = []
            let report = try t.collect(into: &written)
            XCTAssertEqual(pageIndices(written, in: m), [31, 32, 40 + i], "\(t.mechanism)")
            if t.mechanism == .uffdAsync { XCTAssertEqual(report.scanCalls, 1, "adjacent ranges scan as one span") }
        }
    }

    func testResetForgetsWrites() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 16)
            try tracker.track(m.range)
            m.write(page: 1); m.write(page: 9)
            try tracker.reset(m.pages(8, 8))
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [1], "\(mechanism)")
            m.write(page: 9)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [9], "\(mechanism): re-armed by reset")
        }
    }

    func testUntrackStopsReporting() throws {
        try forEachMechanism { mechanism, tracker in
            let a = Mapping(pages: 8), b = Mapping(pages: 8)
            try tracker.track(a.range)
            try tracker.track(b.range)
            try tracker.untrack(a.range)
            a.write(page: 1); b.write(page: 2)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: b), [2], "\(mechanism)")
            XCTAssertEqual(tracker.trackedRanges, [b.range])
        }
    }
}

final class PeekTests: XCTestCase {
    func testPeekDoesNotConsume() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 16)
            try tracker.track(m.range)
            m.write(page: 4)
            var peeked: [PageRange] = []
            try tracker.peek(into: &peeked)
            XCTAssertEqual(pageIndices(peeked, in: m), [4], "\(mechanism)")
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [4], "\(mechanism): still reported after peek")
        }
    }
}

final class SuspendTests: XCTestCase {
    /// A suspended range costs its writer no faults and is not reported;
    /// reset re-arms it exactly.
    func testSuspendThenResetRearms() throws {
        try forEachMechanism { mechanism, tracker in
            let m = Mapping(pages: 16)
            try tracker.track(m.range)
            try tracker.suspend(m.pages(4, 4))
            m.write(page: 5)   // the collector's write, say
            m.write(page: 9)   // still watched
            try tracker.reset(m.pages(4, 4))
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [9], "\(mechanism)")
            m.write(page: 5)
            XCTAssertEqual(pageIndices(try tracker.collect(), in: m), [5], "\(mechanism): re-armed by reset")
            XCTAssertThrowsError(try tracker.suspend(PageRange(start: m.range.end, end: m.range.end + UInt(pageSize))))
        }
    }
}
