import GCHeap
import WriteWatch

/// A benchmark program that runs on a heap and checks its own live data.
protocol Workload {
    /// The name on the command line.
    var name: String { get }
    /// The parameters, as printed in reports.
    var parameters: String { get }
    /// The heap it needs.
    var configuration: HeapConfiguration { get }
    /// Runs, validates the live data, and returns a one-line summary; throws
    /// `WorkloadFailure` if the live data is wrong.
    func run<B: Barrier>(_ heap: Heap<B>) throws -> String
}

/// A sweep: stores into a large old array, `storesPerPage` to each page it
/// touches. Its counts let the report derive per-store and per-page costs.
protocol SweepWorkload: Workload {
    var storesPerPage: Int { get }
    var storesPerStep: Int { get }
    var steps: Int { get }
    var arrayBytes: Int { get }
}

extension SweepWorkload {
    var pages: ArrayPages { ArrayPages(fields: arrayBytes / 8) }
    var touchedPerStep: Int { max(1, min(pages.count, storesPerStep / storesPerPage)) }
    /// Pointer stores the sweep makes, and pages it touches, over all steps.
    var stores: Int { steps * touchedPerStep * storesPerPage }
    var pageTouches: Int { steps * touchedPerStep }
}

/// Code to run with a workload chosen at run time, specialised per type.
protocol WorkloadVisitor {
    associatedtype Output
    func visit<W: Workload>(_ workload: W) throws -> Output
}

struct WorkloadFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension HeapConfiguration {
    /// The benchmarks' heap: a 2 GiB limit unless `--heap` gives another,
    /// every size derived from it by `CollectionPolicy` unless `nursery`
    /// overrides it, promotion after two minors, no poisoning (it is a
    /// debugging aid, not a cost to measure).
    static func benchmark(nursery: Int? = nil, limit: Int = 2 << 30) -> HeapConfiguration {
        var c = HeapConfiguration(heapLimitBytes: limit)
        c.nurseryBytes = nursery
        c.promotionAge = 2
        c.poisonFreedMemory = false
        return c
    }
}

/// Binary-tree helpers shared by GCBench and binarytrees: nodes with two
/// pointer fields and `dataBytes` of payload, each tagged with its position
/// (heap numbering: the root 1, the children of node i are 2i and 2i + 1).
/// The checking walk therefore sees where every node belongs, not just how
/// many there are: trees are self-similar, and a lost child whose slot now
/// points at another subtree of the same height would pass a count.
enum Trees {
    /// Builds a tree bottom-up: children first, then the parent, so every
    /// store is young-to-young.
    static func bottomUp<M: MutatorAPI>(_ heap: M, depth: Int, dataBytes: Int, index: UInt32 = 1) throws -> ObjectRef {
        if depth <= 0 { return try heap.allocate(pointers: 2, bytes: dataBytes, tag: index) }
        heap.push(try bottomUp(heap, depth: depth - 1, dataBytes: dataBytes, index: index &* 2))
        heap.push(try bottomUp(heap, depth: depth - 1, dataBytes: dataBytes, index: index &* 2 &+ 1))
        let node = try heap.allocate(pointers: 2, bytes: dataBytes, tag: index)
        heap.store(node, 1, heap.pop())
        heap.store(node, 0, heap.pop())
        return node
    }

    /// Fills the tree under the node on top of the shadow stack top-down:
    /// the parent exists (and may be old) before its children.
    static func populate<M: MutatorAPI>(_ heap: M, depth: Int, dataBytes: Int) throws {
        if depth <= 0 { return }
        let index = heap.heap.tag(heap.peek(0).ref!)
        let left = try heap.allocate(pointers: 2, bytes: dataBytes, tag: index &* 2)
        heap.store(heap.peek(0).ref!, 0, left)
        let right = try heap.allocate(pointers: 2, bytes: dataBytes, tag: index &* 2 &+ 1)
        heap.store(heap.peek(0).ref!, 1, right)
        for side in 0..<2 {
            heap.push(heap.load(heap.peek(0).ref!, side))
            try populate(heap, depth: depth - 1, dataBytes: dataBytes)
            heap.pop()
        }
    }

    /// Counts the nodes of a tree of height `depth` whose root is tagged 1,
    /// checking every node's position on the way; throws at the first node
    /// that is not where it was built. Recursive, as the Java rendition is:
    /// trees are balanced (height 22 at most here), and an explicit stack
    /// was an array allocation and a metadata lookup per tree.
    /// The tag is the identity check: a field only ever holds nil, an
    /// unaligned word (not a reference) or an address in the heap's
    /// reservation, which is mapped, so reading a header never faults, and a
    /// per-node `isPlausible` lookup (17% of binarytrees) would add nothing.
    static func check<M: MutatorAPI>(_ mutator: M, _ root: ObjectRef, depth: Int) throws -> Int {
        try check(mutator.heap, root, index: 1, depth: depth)
    }

    private static func check<B>(_ heap: Heap<B>, _ node: ObjectRef, index: UInt32, depth: Int) throws -> Int {
        guard heap.pointerCount(node) == 2, heap.tag(node) == index else {
            throw WorkloadFailure("tree node \(index) (height \(depth)) is not the node built there")
        }
        let left = heap.load(node, 0).ref, right = heap.load(node, 1).ref
        if depth == 0 {
            guard left == nil, right == nil else { throw WorkloadFailure("leaf \(index) has a child") }
            return 1
        }
        guard let left, let right else { throw WorkloadFailure("tree node \(index) lost a child") }
        return try 1 + check(heap, left, index: index &* 2, depth: depth - 1)
            + check(heap, right, index: index &* 2 &+ 1, depth: depth - 1)
    }

    static func size(_ depth: Int) -> Int { (1 << (depth + 1)) - 1 }
}

/// The slots of a large pointer array that lie on one OS page, for the
/// sweeps' "stores per touched page". The array's fields start after its
/// 16-byte header, so field `512 p - 2` is the first on page `p` (the array
/// starts page-aligned); page 0 holds the header and is never used. Counts
/// are powers of two, so picking a slot is a mask, not a division.
struct ArrayPages {
    static let slotsPerPage = 512
    static let headerSlots = objectHeaderBytes / 8
    /// Usable pages of an array of `fields` pointer fields.
    let count: Int

    init(fields: Int) {
        precondition(PageRange.pageSize == 4096, "the sweeps assume 4 KiB pages")
        count = fields / ArrayPages.slotsPerPage - 1
    }

    /// Page `1 + (touch * 7 + step) mod count`: consecutive touches spread
    /// over the array, and each step shifts the set.
    @inline(__always)
    func page(step: Int, touch: Int) -> Int { 1 + (touch &* 7 &+ step) % count }

    /// The slot of the `s`-th store into `page`: 17 is odd, so 512
    /// consecutive stores write each slot of the page once.
    @inline(__always)
    static func slot(page: Int, store s: Int) -> Int { page &* slotsPerPage &- headerSlots &+ (s &* 17) & (slotsPerPage - 1) }
}
