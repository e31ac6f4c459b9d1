/// Who holds an old-space page: nobody, an arena, or a large object.
///
/// Invariant: this type is the only code that knows the encoding. The page
/// map keeps one of these per page (0 free, +n arena n-1, -n large object
/// n-1) so that it stays a flat array of 32-bit words outside the heap, read
/// with one load per page by the minor's scan; every reader decodes through
/// `arena` and `largeObject`, so no caller does sign arithmetic by hand.
struct PageOwner: Equatable, BitwiseCopyable {
    private let raw: Int32

    private init(raw: Int32) { self.raw = raw }

    /// A page no arena or large object holds.
    static var free: PageOwner { PageOwner(raw: 0) }

    /// A page of arena `id` (an index into the arena table).
    static func arena(_ id: Int) -> PageOwner { PageOwner(raw: Int32(id) + 1) }

    /// A page of large object `id` (an index into the large-object table).
    static func largeObject(_ id: Int) -> PageOwner { PageOwner(raw: -(Int32(id) + 1)) }

    var isFree: Bool { raw == 0 }

    /// The arena's id, if an arena holds the page.
    @inline(__always)
    var arena: Int? { raw > 0 ? Int(raw &- 1) : nil }

    /// The large object's id, if a large object holds the page.
    @inline(__always)
    var largeObject: Int? { raw < 0 ? Int(-(raw &+ 1)) : nil }
}
