/// A guardian: objects registered with it are not freed when they become
/// unreachable; the collection that finds one unreachable keeps it (and
/// what it reaches) and queues it, and the runtime pops it back to run its
/// own clean-up (Dybvig, Bruggeman and Eby, "Guardians in a generation-based
/// garbage collector", PLDI 1993). A handle: valid until destroyed, usable
/// from any attached thread.
public struct Guardian: Hashable, Sendable {
    let index: UInt32
    let generation: UInt32

    init(index: UInt32, generation: UInt32) {
        self.index = index
        self.generation = generation
    }

    /// The guardian as one word, for handing across a C boundary. A word
    /// that never came from `rawValue` reads as a destroyed guardian.
    public var rawValue: UInt64 { UInt64(generation) << 32 | UInt64(index) }
    public init(rawValue: UInt64) {
        index = UInt32(truncatingIfNeeded: rawValue)
        generation = UInt32(truncatingIfNeeded: rawValue >> 32)
    }
}

/// Every guardian's registrations and ready queue, off the heap.
///
/// Invariants: each registration is in exactly one place: `young` (its
/// object is in the nursery), `old`, or its guardian's ready queue; ready
/// queues are sorted by registration sequence from `head` on, so popping
/// returns registrations in the order they were made whatever collection
/// found them. Registered objects are held weakly (the collections decide
/// their fate after strong tracing); ready ones strongly, as roots. A
/// guardian's generation changes when it is destroyed, so a stale handle
/// never reaches a newer guardian in its slot.
///
/// Touched under the safepoint lock (register, pop, create, destroy) or
/// with the world stopped (the collections), never both at once.
struct GuardianTable {
    struct Registration {
        var object: UInt
        var sequence: UInt64
        var guardian: UInt32
    }

    struct Queue {
        var generation: UInt32 = 1
        var live = false
        var ready: [Registration] = []
        var head = 0
        var readyCount: Int { ready.count - head }
    }

    private(set) var queues: [Queue] = []
    private var freeSlots: [UInt32] = []
    /// Registrations whose object is young, and old.
    var young: [Registration] = []
    var old: [Registration] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { young.isEmpty && old.isEmpty && readyTotal == 0 }
    private(set) var readyTotal = 0

    mutating func create() -> Guardian {
        let index: UInt32
        if let slot = freeSlots.popLast() { index = slot } else {
            index = UInt32(queues.count)
            queues.append(Queue())
        }
        queues[Int(index)].live = true
        return Guardian(index: index, generation: queues[Int(index)].generation)
    }

    func isLive(_ g: Guardian) -> Bool {
        Int(g.index) < queues.count && queues[Int(g.index)].live && queues[Int(g.index)].generation == g.generation
    }

    /// Forgets the guardian, its registrations and its ready queue.
    mutating func destroy(_ g: Guardian) {
        young.removeAll { $0.guardian == g.index }
        old.removeAll { $0.guardian == g.index }
        readyTotal -= queues[Int(g.index)].readyCount
        queues[Int(g.index)] = Queue(generation: queues[Int(g.index)].generation &+ 1)
        freeSlots.append(g.index)
    }

    mutating func register(_ object: UInt, with g: Guardian, young isYoung: Bool) {
        let r = Registration(object: object, sequence: nextSequence, guardian: g.index)
        nextSequence += 1
        if isYoung { young.append(r) } else { old.append(r) }
    }

    /// The earliest-registered ready object, taken off the queue.
    mutating func pop(_ g: Guardian) -> UInt? {
        var q = queues[Int(g.index)]
        guard q.head < q.ready.count else { return nil }
        let object = q.ready[q.head].object
        q.head += 1
        if q.head == q.ready.count { q.ready.removeAll(keepingCapacity: true); q.head = 0 }
        queues[Int(g.index)] = q
        readyTotal -= 1
        return object
    }

    func readyCount(_ g: Guardian) -> Int { queues[Int(g.index)].readyCount }

    func readyObjects(_ g: Guardian) -> [UInt] {
        let q = queues[Int(g.index)]
        return q.ready[q.head...].map(\.object)
    }

    /// Every ready object's slot: they are roots.
    mutating func forEachReadySlot(_ body: (UnsafeMutablePointer<UInt>) -> Void) {
        guard readyTotal > 0 else { return }
        for i in queues.indices where queues[i].readyCount > 0 {
            let head = queues[i].head
            queues[i].ready.withUnsafeMutableBufferPointer { b in
                for j in head..<b.count { withUnsafeMutablePointer(to: &b[j].object) { body($0) } }
            }
        }
    }

    /// Moves registrations that became ready onto their queues, keeping
    /// each queue in registration order.
    mutating func makeReady(_ registrations: [Registration]) {
        guard !registrations.isEmpty else { return }
        var touched = Set<UInt32>()
        for r in registrations {
            queues[Int(r.guardian)].ready.append(r)
            touched.insert(r.guardian)
        }
        for g in touched {
            let head = queues[Int(g)].head
            queues[Int(g)].ready[head...].sort { $0.sequence < $1.sequence }
        }
        readyTotal += registrations.count
    }
}
