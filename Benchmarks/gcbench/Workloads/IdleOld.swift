import GCHeap

/// The fixed cost of a barrier per minor collection: an old space of
/// `megabytes` that the mutator reads but never writes after building it,
/// then minors of nursery churn. No old page is written and no card marked
/// in the steady phase, so whatever a minor costs beyond an empty old space
/// is what the barrier pays for the old space's size alone (the hardware
/// barrier's walk of tracked pages, the card barrier's read of its table).
///
/// Measured: the steady phase's minor time per minor, from the heap's own
/// clock (`steadyMinorSeconds` in the run record), so building the old space
/// (its first writes, the minor that scans them, the majors it triggers) is
/// left out. The suite runs it at several sizes and fits the slope.
///
/// Checked: every array of the chain, read after a final major, holds its
/// index as its tag and its link to the one before, and the chain is whole.
struct IdleOldWorkload: Workload {
    var megabytes: Int
    var steadyMinors = 400
    /// Young garbage allocated before each steady minor.
    var churnBytesPerMinor = 1 << 20
    /// Arrays the mutator reads between minors (from the newest).
    var readsPerMinor = 64
    let steady = SteadyPhase()

    /// One array: 8,190 pointer fields and its header fill 16 pages.
    static let fieldsPerArray = 8190
    static let arrayBytes = 64 << 10

    var name: String { "idle-old:\(megabytes)" }
    var parameters: String { "\(megabytes) MiB old, \(steadyMinors) minors" }
    var configuration: HeapConfiguration { .benchmark() }
    var arrays: Int { max(1, (megabytes << 20) / Self.arrayBytes) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        // Build: a chain of large arrays, newest first, each linking to the
        // one before in field 0. Large objects are allocated in old space.
        heap.push(Value.null)
        for i in 0..<arrays {
            let array = try heap.allocate(pointers: Self.fieldsPerArray, bytes: 0, tag: UInt32(i))
            heap.store(array, 0, heap.peek())
            heap.pop()
            heap.push(array)
        }
        try heap.collectMajor()
        try heap.collectMinor()

        var seen = 0
        let before = heap.statistics
        let churnObjects = churnBytesPerMinor / 256
        for _ in 0..<steadyMinors {
            for _ in 0..<churnObjects { _ = try heap.allocate(pointers: 2, bytes: 256 - 32) }
            var cursor = heap.peek().ref
            for _ in 0..<readsPerMinor {
                guard let a = cursor else { break }
                seen &+= Int(heap.tag(a))
                cursor = heap.load(a, 0).ref
            }
            try heap.collectMinor()
        }
        let after = heap.statistics
        steady.minors = after.minorCollections - before.minorCollections
        steady.nanoseconds = after.minorNanoseconds - before.minorNanoseconds
        let dirty = after.dirtyPages - before.dirtyPages + after.dirtyCards - before.dirtyCards
        guard dirty == 0 else { throw WorkloadFailure("the steady minors found \(dirty) dirty pages or cards in an old space nobody wrote") }

        try heap.collectMajor()
        var cursor = heap.peek().ref, expected = arrays - 1
        while let a = cursor {
            guard heap.tag(a) == UInt32(expected) else { throw WorkloadFailure("array \(expected) of the chain has tag \(heap.tag(a))") }
            expected -= 1
            cursor = heap.load(a, 0).ref
        }
        guard expected == -1 else { throw WorkloadFailure("the chain ends after \(arrays - 1 - expected) of \(arrays) arrays") }
        heap.pop()
        return "\(arrays) arrays (\(megabytes) MiB) read (\(seen) tags summed), never written, over \(steady.minors) minors"
    }
}

/// The steady phase of a workload that has a build phase first: its minor
/// collections and their time, set by the run for the record.
final class SteadyPhase {
    var minors = 0
    var nanoseconds: UInt64 = 0
    var secondsPerMinor: Double? { minors > 0 ? Double(nanoseconds) / Double(minors) / 1e9 : nil }
}
