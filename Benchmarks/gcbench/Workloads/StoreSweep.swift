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
///
/// Every point touches the same number of pages per step (per minor
/// collection): K is the only thing that changes along the sweep. Holding
/// the stores per step fixed instead would shrink the pages per minor as K
/// grows (2 pages at 65,536), so the high end would measure the hardware
/// barrier's per-minor cost (its page-table walks) spread over ever fewer
/// pages, not its per-page cost. The number of steps shrinks with K instead,
/// so that every point makes about `storeBudget` stores.
struct StoreSweepWorkload: SweepWorkload {
    var arrayBytes: Int
    var storesPerPage: Int
    /// Pages of the array each step stores into, the same at every K.
    var pagesPerStep: Int
    var steps: Int
    /// Old objects in the pool (a power of two), and young objects made and
    /// stored at each step.
    var poolSize: Int
    var youngPerStep: Int

    /// About this many stores at every K, in 8 to 200 steps (the low end is
    /// bounded by steps, not stores: 200 steps of 256 page touches already
    /// cost uffd-sync about 3 s a run).
    static let storeBudget = 1 << 25
    static let stepRange = 8...200

    init(storesPerPage: Int, arrayBytes: Int = 4 << 20, pagesPerStep: Int = 256, steps: Int? = nil, poolSize: Int = 4096, youngPerStep: Int = 8) {
        self.storesPerPage = storesPerPage
        self.arrayBytes = arrayBytes
        self.pagesPerStep = pagesPerStep
        let budgeted = StoreSweepWorkload.storeBudget / max(1, pagesPerStep * storesPerPage)
        self.steps = steps ?? min(Self.stepRange.upperBound, max(Self.stepRange.lowerBound, budgeted))
        self.poolSize = poolSize
        self.youngPerStep = youngPerStep
    }

    var storesPerStep: Int { pagesPerStep * storesPerPage }

    var name: String { "store-sweep:\(storesPerPage)" }
    var parameters: String {
        "\(arrayBytes >> 20) MB array, \(storesPerPage) stores per touched page, \(touchedPerStep) pages per step, \(steps) steps, pool \(poolSize) (\(youngPerStep) young)"
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
        // Replay the sequence on tags alone, latest first, then compare every
        // slot. Every touch of a page stores into the same slots (s and
        // s + 512 hit the same one), so a page's latest touch decides all of
        // its slots but those a later step's young objects took: the replay
        // visits each page once, whatever K and the number of steps, and
        // costs a fraction of the measured loop.
        var known = [Bool](repeating: false, count: fields)
        var replayed = [Bool](repeating: false, count: pages.count + 1)
        func learn(_ slot: Int, _ tag: Int) {
            if !known[slot] { known[slot] = true; expected[slot] = Int32(tag) }
        }
        for step in (0..<steps).reversed() {
            let first = pages.page(step: step, touch: 0)
            for j in 0..<youngPerStep { learn(ArrayPages.slot(page: first, store: j), Int(youngTag(step, j))) }
            for t in (0..<touchedPerStep).reversed() {
                let page = pages.page(step: step, touch: t)
                if replayed[page] { continue }
                replayed[page] = true
                for s in max(0, storesPerPage - ArrayPages.slotsPerPage)..<storesPerPage {
                    learn(ArrayPages.slot(page: page, store: s), poolIndex(step: step, page: page, store: s))
                }
            }
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
