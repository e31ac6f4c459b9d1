import XCTest
import WriteWatch

/// The range-list operations every caller shares (a tracker's pending
/// report, a minor's re-arm list, the marker's dirty set): one coalescing
/// rule, checked on values alone.
final class PageRangeTests: XCTestCase {
    private let page = UInt(PageRange.pageSize)

    private func r(_ first: UInt, _ pages: UInt) -> PageRange {
        PageRange(start: 0x10_0000 + first * page, end: 0x10_0000 + (first + pages) * page)
    }

    func testCoalescingSortsAndJoinsOverlappingAndTouchingRangesOnly() {
        var list = [r(8, 2), r(0, 2), r(2, 1), r(1, 3), r(12, 1)]
        list.sortAndCoalesce()
        XCTAssertEqual(list, [r(0, 4), r(8, 2), r(12, 1)], "a gap of one page keeps ranges apart at gap 0")
    }

    func testCoalescingWithAGapJoinsRangesThatCloseAndNoFarther() {
        var list = [r(0, 1), r(3, 1), r(10, 1)]
        list.sortAndCoalesce(gapBytes: 2 * page)
        XCTAssertEqual(list, [r(0, 4), r(10, 1)], "2 pages apart joins (the pages between are covered); 6 does not")
    }

    func testMergedIsTheCoalescedUnionOfBothLists() {
        let a = [r(4, 1), r(0, 1)]
        let b = [r(1, 1), r(9, 2), r(10, 3)]
        XCTAssertEqual(a.merged(with: b), [r(0, 2), r(4, 1), r(9, 4)])
        XCTAssertEqual(b.merged(with: a), [r(0, 2), r(4, 1), r(9, 4)])
        XCTAssertEqual(a.merged(with: []), a, "nothing to merge leaves the list as it was")
        XCTAssertEqual(a.merged(with: b).pageCount, 7)
    }
}
