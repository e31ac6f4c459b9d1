import GCHeap
import WriteWatch

/// The barrier's own cost, isolated: an old pointer array and a pool of
/// existing old objects; each step makes `storesPerPage` stores per touched
/// page of pool objects into the array, with no allocation in the store
/// loop, then a minor collection. A few young objects, made before the loop,
/// are stored into the step's first touched page, so each minor also has a
/// few old-to-young pointers to find, carry and update.
///
/// Software pays a card mark per store; hardware pays per touched page (a
/// first-write fault, a page to scan, a page to re-arm). Sweeping the stores
/// per page finds the crossover. remset-sweep is the other half of the
/// picture: there every store is a fresh young object, so allocation and
/// copying hide the card mark.
struct StoreSweepWorkload: SweepWorkload {
    var arrayBytes = 4 << 20
    var storesPerPage = 1
    var storesPerStep = 131_072
    var steps = 100
    /// Old objects in the pool (a power of two), and young objects made and
    /// stored at each step.
    var poolSize = 4096
    var youngPerStep = 8

    var name: String { "store-sweep:\(storesPerPage)" }
    var parameters: String {
        "\(arrayBytes >> 20) MB array, \(storesPerPage) stores per touched page, up to \(storesPerStep) stores per step, \(steps) steps, pool \(poolSize) (\(youngPerStep) young)"
    }
    var configuration: HeapConfiguration { .benchmark() }

    static let defaultSweep = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536]

    /// The pool entry the s-th store to `page` stores: a fixed sequence, so
    /// the expected final contents can be computed without a heap.
    @inline(__always)
    func poolIndex(step: Int, page: Int, store s: Int) -> Int { (step &* 31 &+ page &* 7 &+ s &* 13) & (poolSize - 1) }

    func youngTag(_ step: Int, _ j: Int) -> UInt32 { UInt32(1_000_000 + step * youngPerStep + j) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let fields = arrayBytes / 8
        let pages = self.pages
        let array = heap.makeRoot(try heap.allocate(pointers: fields, bytes: 0, tag: 1))
        let pool = heap.makeRoot(try heap.allocate(pointers: poolSize, bytes: 0, tag: 2))
        for i in 0..<poolSize {
            let o = try heap.allocate(pointers: 1, bytes: 8, tag: UInt32(i))
            heap.store(try heap.object(pool)!, i, o)
        }
        for _ in 0...heap.configuration.promotionAge { try heap.collectMinor() }

        var expected = [Int32](repeating: -1, count: fields)   // tag of each slot's object
        for step in 0..<steps {
            for j in 0..<youngPerStep { heap.push(try heap.allocate(pointers: 1, bytes: 8, tag: youngTag(step, j))) }
            let a = try heap.object(array)!, p = try heap.object(pool)!
            for t in 0..<touchedPerStep {
                let page = pages.page(step: step, touch: t)
                for s in 0..<storesPerPage {
                    heap.store(a, ArrayPages.slot(page: page, store: s), heap.load(p, poolIndex(step: step, page: page, store: s)))
                }
            }
            // The step's old-to-young pointers, all on its first page.
            let first = pages.page(step: step, touch: 0)
            for j in (0..<youngPerStep).reversed() { heap.store(a, ArrayPages.slot(page: first, store: j), heap.pop()) }
            try heap.collectMinor()
        }
        // Replay the sequence on tags alone, then compare every slot. Stores
        // s and s + 512 to a page hit the same slot, so only a page's last
        // 512 stores can be the last write to a slot: the replay costs a
        // fraction of the measured loop, whatever the stores per page.
        for step in 0..<steps {
            for t in 0..<touchedPerStep {
                let page = pages.page(step: step, touch: t)
                for s in max(0, storesPerPage - ArrayPages.slotsPerPage)..<storesPerPage {
                    expected[ArrayPages.slot(page: page, store: s)] = Int32(poolIndex(step: step, page: page, store: s))
                }
            }
            let first = pages.page(step: step, touch: 0)
            for j in 0..<youngPerStep { expected[ArrayPages.slot(page: first, store: j)] = Int32(youngTag(step, j)) }
        }
        let a = try heap.object(array)!
        var filled = 0
        for f in 0..<fields {
            let value = heap.load(a, f).ref
            if expected[f] < 0 {
                guard value == nil else { throw WorkloadFailure("slot \(f) should be nil") }
                continue
            }
            guard let o = value, heap.isPlausible(o), heap.tag(o) == UInt32(expected[f]) else {
                throw WorkloadFailure("slot \(f) should hold pool object tagged \(expected[f])")
            }
            filled += 1
        }
        return "\(stores) stores into \(pageTouches) page touches; \(filled) slots hold the expected objects"
    }
}
