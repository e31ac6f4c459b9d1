import GCHeap

/// Ruby's vm1_gc_wb_ary_promoted: a promoted array whose slot 0 receives a
/// fresh young object again and again. The software barrier marks a card
/// per store; the hardware barrier takes one fault per minor collection.
struct PromotedStoreWorkload: Workload {
    var stores = 30_000_000

    var name: String { "promoted-store" }
    var parameters: String { "\(stores) stores" }
    var configuration: HeapConfiguration { .benchmark() }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        heap.push(try heap.allocate(pointers: 4, bytes: 0))
        for _ in 0..<configuration.promotionAge { try heap.collectMinor() }
        guard !heap.isYoung(heap.peek().ref!) else { throw WorkloadFailure("the array was not promoted") }
        for i in 0..<stores {
            let young = try heap.allocate(pointers: 0, bytes: 8)
            heap.withData(young) { $0.storeBytes(of: i, as: Int.self) }
            heap.store(heap.peek().ref!, 0, young)
        }
        try heap.collectMinor()
        let last = heap.load(heap.peek().ref!, 0).ref!
        let value = heap.withData(last) { $0.load(as: Int.self) }
        guard value == stores - 1 else { throw WorkloadFailure("slot 0 holds \(value), expected \(stores - 1)") }
        heap.pop()
        return "slot 0 holds the last of \(stores) young objects"
    }
}
