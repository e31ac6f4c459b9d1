import GCHeap
import HeapTrace

/// An intern table of weak boxes with churn, as a runtime keeps its symbols:
/// one box per name in an old table; a name's object stays interned while
/// the program holds it (a ring of recent names), its box is cleared once a
/// collection finds it unreachable, and interning the name again sets the
/// box again: a store into an old box, usually of a young object, which
/// every barrier must find.
///
/// Checked as it runs and at the end: a held name's box holds exactly that
/// object (a lost or stale box fails), every object is the name it was made
/// for with its child intact, and after a final major collection a box holds
/// something only if its name is held (weak treated as strong fails).
struct WeakTableWorkload: Workload {
    var names = 65_536
    var held = 32_768
    var lookups = 1_000_000

    var name: String { "weak-table" }
    var parameters: String { "\(names) names, \(held) held, \(lookups) lookups" }
    var configuration: HeapConfiguration { .benchmark(limit: 64 << 20) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        var rng = SplitMix64(seed: 7)
        let table = heap.makeRoot(try heap.allocate(pointers: names, bytes: 0))
        let ring = heap.makeRoot(try heap.allocate(pointers: held, bytes: 0))
        defer { try? heap.release(table); try? heap.release(ring) }
        var hits = 0, boxed = 0, reset = 0
        for step in 0..<lookups {
            let id = Int(rng.next() % UInt64(names))
            // The text being looked up: garbage once interned.
            _ = try heap.allocate(pointers: 0, bytes: 24, tag: UInt32(id))
            let box = heap.load(try heap.object(table)!, id).ref
            var object = try box.flatMap { b throws(HeapError) in try heap.weakTarget(b).ref }
            if let o = object {
                guard heap.tag(o) == UInt32(id) else { throw WorkloadFailure("the box of name \(id) holds name \(heap.tag(o))") }
                hits += 1
            } else if box != nil {
                let o = try makeName(heap, id)
                try heap.setWeakTarget(heap.load(try heap.object(table)!, id).ref!, Value(o))
                object = o
                reset += 1
            } else {
                let b = try heap.allocateWeakBox(target: Value(try makeName(heap, id)))
                heap.store(try heap.object(table)!, id, b)
                object = try heap.weakTarget(b).ref
                boxed += 1
            }
            if step % 2 == 0 { heap.store(try heap.object(ring)!, step / 2 % held, object) }
            if step % max(1, lookups / 8) == 0 { _ = try check(heap, table, ring) }
        }
        try heap.collectMajor()
        let (interned, heldNames) = try check(heap, table, ring)
        guard interned == heldNames else {
            throw WorkloadFailure("after a major collection \(interned) boxes hold a name, but only \(heldNames) names are held")
        }
        let cleared = heap.statistics.weakBoxesCleared
        guard cleared > 0 else { throw WorkloadFailure("no weak box was ever cleared") }
        return "\(hits) hits, \(boxed) boxes made, \(reset) set again; \(cleared) cleared; \(interned) interned at the end"
    }

    /// A name: an object tagged with its id, whose one child carries the id too.
    func makeName<B: Barrier>(_ heap: Heap<B>, _ id: Int) throws(HeapError) -> ObjectRef {
        heap.push(Value(try heap.allocate(pointers: 0, bytes: 16, tag: UInt32(id))))
        let o = try heap.allocate(pointers: 1, bytes: 8, tag: UInt32(id))
        heap.store(o, 0, heap.pop())
        return o
    }

    /// Checks every held name against its box and every box against its
    /// slot; returns the boxes holding a name and the distinct names held.
    func check<B: Barrier>(_ heap: Heap<B>, _ table: Root, _ ring: Root) throws -> (Int, Int) {
        let t = try heap.object(table)!, r = try heap.object(ring)!
        var heldIDs = Set<Int>()
        for i in 0..<held {
            guard let o = heap.load(r, i).ref else { continue }
            let id = Int(heap.tag(o))
            guard id < names, heap.load(o, 0).ref.map({ heap.tag($0) }) == UInt32(id) else {
                throw WorkloadFailure("held name \(id) in ring slot \(i) lost its child")
            }
            guard let box = heap.load(t, id).ref, try heap.weakTarget(box).ref == o else {
                throw WorkloadFailure("held name \(id) is not the object its box holds")
            }
            heldIDs.insert(id)
        }
        var interned = 0
        for id in 0..<names {
            guard let box = heap.load(t, id).ref else { continue }
            guard heap.kind(of: box) == .weakBox else { throw WorkloadFailure("table slot \(id) holds a \(heap.kind(of: box).name)") }
            guard let o = try heap.weakTarget(box).ref else { continue }
            guard heap.tag(o) == UInt32(id) else { throw WorkloadFailure("the box of name \(id) holds name \(heap.tag(o))") }
            interned += 1
        }
        return (interned, heldIDs.count)
    }
}
