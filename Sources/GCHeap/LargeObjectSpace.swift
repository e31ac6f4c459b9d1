import WriteWatch

/// Large objects: each is one object in its own run of old-space pages, and
/// its record (range, mark) lives here, off the tracked pages.
///
/// Invariant: a record's id is the one the page map names for its pages
/// (`PageOwner.largeObject`), from `add` until `sweep` frees it; a freed id
/// waits for reuse, so the table is as long as the most large objects ever
/// live at once. The mark is here, not in the object, so marking writes
/// nothing to old space; and a written page inside a large object means
/// only that page's fields are scanned, so a pointer array of thousands of
/// fields costs a minor collection only the pages the mutator wrote. Freed
/// runs go back to the OS (the caller's `release`).
struct LargeObjectSpace: ~Copyable {
    struct Record {
        var range: PageRange
        var marked: Bool
        /// False once freed: the id waits in `freeIDs` for reuse.
        var inUse = true
    }

    private var records = RawStack<Record>()
    private var freeIDs = RawStack<Int32>()

    /// The id the next `add` returns, so the page map can name the owner
    /// before the record exists.
    var nextID: Int { Int(freeIDs.last ?? Int32(records.count)) }

    /// Records a large object in `range` (its pages already owned by
    /// `nextID`); `marked` when it is allocated black, during marking.
    mutating func add(_ range: PageRange, marked: Bool) -> Int {
        let id = nextID
        let record = Record(range: range, marked: marked)
        if id == records.count { records.append(record) } else {
            _ = freeIDs.popLast()
            records[id] = record
        }
        return id
    }

    /// The object's address (the start of its run).
    @inline(__always)
    func start(_ id: Int) -> UInt { records[id].range.start }

    func byteCount(_ id: Int) -> Int { records[id].range.byteCount }

    @inline(__always)
    func isMarked(_ id: Int) -> Bool { records[id].marked }

    /// Sets the object's mark; true if it was unmarked (the caller greys it).
    @inline(__always)
    func mark(_ id: Int) -> Bool {
        if records[id].marked { return false }
        records[id].marked = true
        return true
    }

    /// How many large objects are allocated.
    var liveCount: Int {
        var n = 0
        for id in 0..<records.count where records[id].inUse { n += 1 }
        return n
    }

    /// Frees every unmarked large object, handing its run to `release`, and
    /// clears the survivors' marks for the next cycle.
    mutating func sweep(release: (PageRange) -> Void) {
        for id in 0..<records.count where records[id].inUse {
            if records[id].marked {
                records[id].marked = false
            } else {
                release(records[id].range)
                records[id].inUse = false
                freeIDs.append(Int32(id))
            }
        }
    }
}
