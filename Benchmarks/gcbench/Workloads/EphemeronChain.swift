import GCHeap
import HeapTrace

/// Chains of ephemerons resolved across collections, as Whippet's
/// `ephemerons` benchmark: in chain c, ephemeron i maps key i to key i + 1,
/// and only key 0 is held. The links sit in an old array in reverse order,
/// so a tracer meets each link before its key is known alive and must
/// iterate to a fixpoint; chains are let go of and rebuilt at random, so
/// links are old or young, keys die young or old, and every rebuild stores
/// young ephemerons into the old array.
///
/// Checked as it runs and at the end: a held chain is whole (each link's
/// key is the previous link's value, each key of this build); after a final
/// major collection every link of a chain let go reads nil (an ephemeron
/// value traced as strong keeps the rest of the chain and fails).
struct EphemeronChainWorkload: Workload {
    var chains = 4096
    var length = 16
    var steps = 100_000

    var name: String { "ephemeron-chain" }
    var parameters: String { "\(chains) chains of \(length), \(steps) steps" }
    var configuration: HeapConfiguration { .benchmark(limit: 64 << 20) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        var rng = SplitMix64(seed: 11)
        let links = heap.makeRoot(try heap.allocate(pointers: chains * length, bytes: 0))
        let heads = heap.makeRoot(try heap.allocate(pointers: chains, bytes: 0))
        defer { try? heap.release(links); try? heap.release(heads) }
        var builds = [Int](repeating: 0, count: chains)
        var held = [Bool](repeating: false, count: chains)
        var built = 0, dropped = 0
        for c in 0..<chains { try build(heap, c, links, heads, &builds); held[c] = true }
        for step in 0..<steps {
            let c = Int(rng.next() % UInt64(chains))
            if held[c] && rng.next() % 2 == 0 {
                heap.store(try heap.object(heads)!, c, Value.null)
                held[c] = false
                dropped += 1
            } else {
                try build(heap, c, links, heads, &builds)
                held[c] = true
                built += 1
            }
            if step % max(1, steps / 8) == 0 {
                for c in 0..<chains where held[c] { try checkWhole(heap, c, links, heads, builds[c]) }
            }
        }
        try heap.collectMajor()
        var broken = 0
        for c in 0..<chains {
            if held[c] { try checkWhole(heap, c, links, heads, builds[c]); continue }
            let l = try heap.object(links)!
            for i in 0..<length {
                let entry = try heap.ephemeronEntry(heap.load(l, c * length + i).ref!)
                guard entry.key.isNull, entry.value.isNull else {
                    throw WorkloadFailure("chain \(c) was let go of, but after a major collection its link \(length - 1 - i) still holds its key")
                }
            }
            broken += 1
        }
        let cleared = heap.statistics.ephemeronsCleared
        return "\(built) chains rebuilt, \(dropped) let go; \(cleared) ephemerons cleared; \(broken) chains broken at the end"
    }

    func keyTag(_ c: Int, _ i: Int) -> UInt32 { UInt32(c * (length + 1) + i) }

    /// Builds chain c afresh: keys from the last to the first, each link made
    /// as soon as its key exists (the shadow stack holds the newest key).
    func build<B: Barrier>(_ heap: Heap<B>, _ c: Int, _ links: Root, _ heads: Root, _ builds: inout [Int]) throws {
        builds[c] += 1
        heap.push(Value(try makeKey(heap, keyTag(c, length), builds[c])))
        for i in stride(from: length - 1, through: 0, by: -1) {
            heap.push(Value(try makeKey(heap, keyTag(c, i), builds[c])))
            let e = try heap.allocateEphemeron(key: heap.peek(0), value: heap.peek(1))
            heap.store(try heap.object(links)!, c * length + (length - 1 - i), e)
            heap.setStackSlot(heap.stackDepth - 2, heap.peek(0))
            heap.pop()
        }
        heap.store(try heap.object(heads)!, c, heap.pop())
    }

    func makeKey<B: Barrier>(_ heap: Heap<B>, _ tag: UInt32, _ build: Int) throws(HeapError) -> ObjectRef {
        let k = try heap.allocate(pointers: 0, bytes: 8, tag: tag)
        heap.withData(k) { $0.storeBytes(of: build, as: Int.self) }
        return k
    }

    func checkWhole<B: Barrier>(_ heap: Heap<B>, _ c: Int, _ links: Root, _ heads: Root, _ build: Int) throws {
        let l = try heap.object(links)!
        var key = heap.load(try heap.object(heads)!, c)
        for i in 0...length {
            guard let k = key.ref, heap.tag(k) == keyTag(c, i), heap.withData(k, { $0.load(as: Int.self) }) == build else {
                throw WorkloadFailure("held chain \(c) is broken at key \(i)")
            }
            if i == length { break }
            let entry = try heap.ephemeronEntry(heap.load(l, c * length + (length - 1 - i)).ref!)
            guard entry.key == key else { throw WorkloadFailure("held chain \(c): link \(i) has lost its key") }
            key = entry.value
        }
    }
}
