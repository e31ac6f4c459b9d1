import XCTest
@testable import GCHeap

/// The page map's one encoding: each owner decodes to itself and to nothing
/// else, at the ends of the id range too.
final class PageOwnerTests: XCTestCase {
    func testEachOwnerDecodesToItsOwnKindAndId() {
        XCTAssertTrue(PageOwner.free.isFree)
        XCTAssertNil(PageOwner.free.arena)
        XCTAssertNil(PageOwner.free.largeObject)
        for id in [0, 1, 7, Int(Int32.max) - 1] {
            XCTAssertEqual(PageOwner.arena(id).arena, id)
            XCTAssertNil(PageOwner.arena(id).largeObject, "arena \(id) read as a large object")
            XCTAssertFalse(PageOwner.arena(id).isFree)
            XCTAssertEqual(PageOwner.largeObject(id).largeObject, id)
            XCTAssertNil(PageOwner.largeObject(id).arena, "large object \(id) read as an arena")
            XCTAssertFalse(PageOwner.largeObject(id).isFree)
            XCTAssertNotEqual(PageOwner.arena(id), PageOwner.largeObject(id))
        }
    }
}
