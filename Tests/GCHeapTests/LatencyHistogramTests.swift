import Foundation
import XCTest
import HeapTrace
@testable import GCHeap

/// The histogram's quantiles are within its bucket bound of the exact ones,
/// and the heap's statistics stay the same size however long it runs.
final class LatencyHistogramTests: XCTestCase {
    /// The nearest-rank quantile of sorted values, as `quantile` defines it.
    func reference(_ sorted: [UInt64], _ p: Double) -> UInt64 {
        sorted[max(1, Int((Double(sorted.count) * p).rounded(.up))) - 1]
    }

    func testBucketsTileTheValuesWithoutGaps() {
        for i in 0..<(LatencyHistogram.bucketCount - 1) {
            let top = LatencyHistogram.upperBound(i)
            XCTAssertEqual(LatencyHistogram.bucket(top), i, "bucket \(i)'s upper bound \(top)")
            XCTAssertEqual(LatencyHistogram.bucket(top + 1), i + 1, "the value after bucket \(i)")
        }
        XCTAssertEqual(LatencyHistogram.upperBound(LatencyHistogram.bucketCount - 2) + 1, LatencyHistogram.overflowNanoseconds - (1 << 35))
        XCTAssertEqual(LatencyHistogram.bucket(LatencyHistogram.overflowNanoseconds), LatencyHistogram.bucketCount - 1)
        XCTAssertEqual(LatencyHistogram.bucket(.max), LatencyHistogram.bucketCount - 1)
    }

    func testQuantilesAreWithinTheBucketBoundOfTheSortedValues() {
        let seed = testSeed()
        var rng = SplitMix64(seed: seed)
        for n in [1, 2, 3, 10, 1000, 100_000] {
            var h = LatencyHistogram()
            // Log-uniform over 1 ns .. 2^40 ns: every group of buckets is hit.
            let values = (0..<n).map { _ in UInt64.random(in: 0..<(1 << UInt64.random(in: 1...40, using: &rng)), using: &rng) }
            for v in values { h.record(v) }
            let sorted = values.sorted()
            XCTAssertEqual(h.count, UInt64(n), "seed \(seed)")
            XCTAssertEqual(h.maximum, sorted.last, "the maximum is exact; seed \(seed)")
            for p in [0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
                let exact = reference(sorted, p), estimate = h.quantile(p)
                XCTAssertGreaterThanOrEqual(estimate, exact, "n \(n) p \(p): never below; seed \(seed)")
                XCTAssertLessThanOrEqual(estimate, exact + exact >> LatencyHistogram.mantissaBits, "n \(n) p \(p): within 1/16; seed \(seed)")
            }
            XCTAssertEqual(h.median, h.quantile(0.5))
            XCTAssertEqual(h.p95, h.quantile(0.95))
            XCTAssertEqual(h.p99, h.quantile(0.99))
        }
    }

    func testSmallValuesAreExactAndHugeOnesBoundedByTheMaximum() {
        var h = LatencyHistogram()
        XCTAssertEqual(h.quantile(0.5), 0, "empty")
        XCTAssertEqual(h.quantile(1), 0, "empty")
        for v in 0..<32 as Range<UInt64> { h.record(v) }
        XCTAssertEqual(h.median, 15)
        XCTAssertEqual(h.quantile(0.99), 31)
        var huge = LatencyHistogram()
        huge.record(3 << 40)
        huge.record(5 << 40)
        XCTAssertEqual(huge.median, 5 << 40, "past the last bucket only the maximum bounds a quantile")
        XCTAssertEqual(huge.quantile(1), 5 << 40)
    }

    func testItRoundTripsThroughCodable() throws {
        var h = LatencyHistogram()
        for v: UInt64 in [0, 7, 1000, 1_000_000, 1 << 45] { h.record(v) }
        let back = try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(h))
        XCTAssertEqual(back.count, h.count)
        XCTAssertEqual(back.maximum, h.maximum)
        for p in [0.2, 0.4, 0.6, 0.8, 1.0] { XCTAssertEqual(back.quantile(p), h.quantile(p), "p \(p)") }
    }

    /// Elements the statistics hold outside their fixed-size struct: the
    /// count of every collection among their properties. A per-collection
    /// array makes this grow with the collections.
    func heldElements(_ s: HeapStatistics) -> Int {
        Mirror(reflecting: s).children.reduce(0) { n, child in n + ((child.value as? any Collection)?.count ?? 0) }
    }

    func testStatisticsStayTheSameSizeOverAHundredThousandMinors() throws {
        var config = smallConfig()
        config.nurseryBytes = 64 << 10
        let heap = try Heap<SoftwareBarrier>(configuration: config)
        func minors(_ n: Int) throws {
            for _ in 0..<n {
                _ = try heap.allocate(pointers: 0, bytes: 16, tag: 2)
                try heap.collectMinor()
            }
        }
        try minors(1000)
        let early = heap.statistics
        try minors(99_000)
        let late = heap.statistics
        XCTAssertGreaterThanOrEqual(late.minorCollections, 100_000)
        XCTAssertEqual(late.minorPauses.count, UInt64(late.minorCollections), "every pause is recorded")
        XCTAssertEqual(late.timeToSafepointNanoseconds.count, UInt64(late.minorCollections), "one time to safepoint per stop, each running a minor")
        XCTAssertEqual(heldElements(late), heldElements(early), "statistics memory grew with the collections")
        XCTAssertGreaterThan(late.minorPauses.maximum, 0)
    }
}
