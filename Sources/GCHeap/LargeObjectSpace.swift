import WriteWatch

/// A large object: one object in its own run of pages.
///
/// Invariant: its mark bit is here, not in the object, and a dirty page
/// inside it means only the fields on that page are scanned, so a pointer
/// array of thousands of fields costs a minor collection only the pages the
/// mutator wrote. Freed runs go back to the OS.
struct LargeObject {
    var range: PageRange
    var marked = false
    /// False once freed: the record's id waits in the free list for reuse.
    var inUse = true
}
