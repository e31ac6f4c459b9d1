import GCHeap
import WriteWatch

/// An old pointer array of a few MB; each step touches some of its pages
/// with `storesPerPage` stores of fresh young objects each, then runs a
/// minor collection. Software pays per store, hardware per touched page:
/// sweeping the stores per page finds where the hardware barrier wins.
struct RemsetSweepWorkload: SweepWorkload {
    var arrayBytes = 4 << 20
    var storesPerPage = 1
    var storesPerStep = 65_536
    var steps = 20

    var name: String { "remset-sweep:\(storesPerPage)" }
    var parameters: String { "\(arrayBytes >> 20) MB array, \(storesPerPage) stores per touched page, \(storesPerStep) stores per step, \(steps) steps" }
    var configuration: HeapConfiguration { .benchmark() }

    static let defaultSweep = [1, 4, 16, 64, 256, 1024, 4096]

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let fields = arrayBytes / 8
        let pages = self.pages, touched = touchedPerStep
        heap.push(try heap.allocate(pointers: fields, bytes: 0))
        var stamp = 0
        for step in 0..<steps {
            for p in 0..<touched {
                let page = pages.page(step: step, touch: p)
                for s in 0..<storesPerPage {
                    let young = try heap.allocate(pointers: 0, bytes: 8)
                    heap.withData(young) { $0.storeBytes(of: stamp, as: Int.self) }
                    stamp += 1
                    heap.store(heap.peek().ref!, ArrayPages.slot(page: page, store: s), young)
                }
            }
            try heap.collectMinor()
        }
        // The last store to each slot must have survived.
        var live = 0
        let array = heap.peek().ref!
        for f in 0..<fields {
            if let o = heap.load(array, f).ref {
                // A lost object is garbage: check it is one before reading it.
                guard heap.isPlausible(o), heap.dataCount(o) == 8, heap.withData(o, { $0.load(as: Int.self) }) < stamp else {
                    throw WorkloadFailure("slot \(f) corrupt")
                }
                live += 1
            }
        }
        heap.pop()
        return "\(touched) pages x \(storesPerPage) stores per step; \(live) live slots intact"
    }
}
