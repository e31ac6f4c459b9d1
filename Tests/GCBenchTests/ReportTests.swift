import XCTest
@testable import gcbench

/// The suite's judgements: a verdict only when the whole per-round range is
/// on one side of the bound, ratios computed round by round, the crossover
/// found and the fitted costs recovered from synthetic runs.
final class ReportTests: XCTestCase {
    func record(_ workload: String, _ barrier: String, rounds: [Double], stores: Int? = nil, pages: Int? = nil) -> RunRecord {
        var r = RunRecord(workload: workload, barrier: barrier, parameters: "", summary: "", wallSeconds: median(rounds),
                          mutatorSeconds: 0, minorSeconds: 0, majorSeconds: 0, minorPauseMedianSeconds: 0,
                          minorPauseP95Seconds: 0, minorPauseMaxSeconds: 0, minorCollections: 0, majorCollections: 0,
                          dirtyPages: 0, dirtyCards: 0, scanCalls: 0, writeFaults: 0, peakRSSBytes: 0, promotedBytes: 0)
        r.roundWallSeconds = rounds
        r.stores = stores
        r.pageTouches = pages
        return r
    }

    func testVerdictNeedsTheWholeRangeOnOneSide() {
        XCTAssertTrue(SuiteReport.verdict([0.80, 0.85, 0.95], atMost: 0.97).hasPrefix("met"))
        XCTAssertTrue(SuiteReport.verdict([0.98, 1.10, 1.20], atMost: 0.97).hasPrefix("MISSED"))
        XCTAssertTrue(SuiteReport.verdict([0.90, 0.95, 1.05], atMost: 0.97).hasPrefix("within noise"))
        XCTAssertTrue(SuiteReport.verdict([0.97], atMost: 0.97).hasPrefix("met"), "the bound itself meets it")
        XCTAssertTrue(SuiteReport.verdict([1.5, 9.0], above: 1).hasPrefix("met"))
        XCTAssertTrue(SuiteReport.verdict([0.8, 1.0], above: 1).hasPrefix("MISSED"))
        XCTAssertTrue(SuiteReport.verdict([0.9, 1.2], above: 1).hasPrefix("within noise"))
    }

    func testTheBarrierFloorIsReportedBesideTheNoiseFloor() {
        let records = [record("gcbench", "hardware", rounds: [1.05, 1.10]), record("gcbench", "software", rounds: [1, 1]),
                       record("gcbench", "software-aa", rounds: [1.01, 0.99]), record("gcbench", "none", rounds: [0.95, 0.96])]
        let text = SuiteReport.targets(records)
        XCTAssertTrue(text.contains("noise floor on gcbench (software-aa / software): 1.00 [0.99..1.01]"), text)
        XCTAssertTrue(text.contains("barrier floor on gcbench (none / software"), text)
        XCTAssertTrue(text.contains("0.95 [0.95..0.96]"), text)
        XCTAssertFalse(SuiteReport.targets(Array(records.dropLast())).contains("barrier floor"), "no none row, no floor line")
    }

    func testRatiosArePairedByRound() {
        // Round 2 was slow for both: paired ratios stay at 0.5, unpaired
        // medians would not tell.
        let records = [record("w", "hardware", rounds: [1, 4, 1]), record("w", "software", rounds: [2, 8, 2])]
        XCTAssertEqual(SuiteReport.roundRatios(records, "w", "hardware", over: "software"), [0.5, 0.5, 0.5])
    }

    func testCrossoverAndFittedCostsFromASyntheticSweep() {
        // Software pays 0.5 ns per store; hardware pays 2 us per touched
        // page: the crossing is at 4,000 stores per page.
        var records: [RunRecord] = []
        for k in [256, 1024, 4096, 16384] {
            let pages = 1000, stores = k * pages
            let base = 0.01
            let software = base + Double(stores) * 0.5e-9, hardware = base + Double(pages) * 2e-6
            records.append(record("store-sweep:\(k)", "hardware", rounds: [hardware], stores: stores, pages: pages))
            records.append(record("store-sweep:\(k)", "software", rounds: [software], stores: stores, pages: pages))
        }
        for i in records.indices {
            let k = records[i].workload
            let sw = records.first { $0.workload == k && $0.barrier == "software" }!.wallSeconds
            records[i].ratioToSoftware = records[i].wallSeconds / sw
        }
        let text = SuiteReport.crossover(records)
        XCTAssertTrue(text.contains("store-sweep: hardware/software crosses 1 at about"), text)
        XCTAssertTrue(text.contains("the card mark 0.50 ns per store; hardware pays 2.00 us more per touched page"), text)
        XCTAssertTrue(text.contains("predict the crossing at 4000 stores per page"), text)
    }

    func testNoCrossingIsSaid() {
        var records: [RunRecord] = []
        for k in [1, 16] {
            var h = record("store-sweep:\(k)", "hardware", rounds: [2]), s = record("store-sweep:\(k)", "software", rounds: [1])
            h.ratioToSoftware = 2
            s.ratioToSoftware = 1
            records += [h, s]
        }
        XCTAssertTrue(SuiteReport.crossover(records).contains("does not cross 1 between 1 and 16"))
    }
}
