#if canImport(Glibc)
import Glibc
#endif
import CWriteWatchAPI
import GCHeap
import Synchronization
import WriteWatch

/// A heap behind a `ww_heap`: `Heap<B>` with the barrier type erased.
///
/// The C API chooses the barrier at run time, yet every hot path must run
/// code specialised for its barrier. A generic class would not do: its
/// methods are dispatched through one vtable shared by every `B`, so they
/// run unspecialised and look up type metadata on each call (that made the
/// C GCBench 19x slower than the Swift one). Instead the operations are
/// closures made once, in `make`, where `B` is concrete (the `BarrierKind`
/// visitor specialises it), so a C call costs one closure call into
/// specialised code. The store barrier itself never calls Swift at all
/// (`ww_store` is inline in the header, from `barrier`).
///
/// Threads: the C API enforces what the Swift API traps on. Each mutator
/// remembers its owning thread and whether it is active, so a C caller
/// gets WW_ERR_WRONG_THREAD or WW_ERR_INACTIVE instead of a trap; the heap
/// remembers which threads are attached, so a second attach is an error,
/// and how many, so that destroy refuses while others are still attached.
final class HeapHandle {
    /// What `ww_store` needs; `name` and `notice` are owned C strings.
    let barrier: ww_barrier
    let creator = pthread_self()
    /// The threads attached, the creator included.
    private let attached = Mutex<[pthread_t]>([])
    /// The creating thread's `ww_mutator`, destroyed with the heap.
    var mainMutatorID: UInt64 = 0
    private(set) var main: MutatorHandle!

    let attach: () -> MutatorOps
    let statistics: () -> ww_heap_stats
    let verify: () -> [String]
    let makeRoot: (UInt) -> UInt64
    let root: (UInt64) throws(HeapError) -> UInt
    let setRoot: (UInt64, UInt) throws(HeapError) -> Void
    let releaseRoot: (UInt64) throws(HeapError) -> Void
    /// Whether a word is an object of this heap (`Heap.holdsObject`).
    let holds: (UInt) -> Bool
    /// Guardians, as their `Guardian.rawValue`.
    let makeGuardian: () -> UInt64
    let destroyGuardian: (UInt64) throws(HeapError) -> Void

    /// The handle for `heap`; call it where `B` is concrete.
    static func make<B: Barrier>(_ heap: Heap<B>, notice: String?) -> HeapHandle {
        var b = ww_barrier()
        switch heap.barrier.storeFastPath {
        case .plain:
            b.store_kind = UInt32(WW_STORE_PLAIN)
        case let .cardMark(table, shift, conditional):
            b.store_kind = UInt32(conditional ? WW_STORE_CARD_CONDITIONAL : WW_STORE_CARD)
            b.card_table_biased = table
            b.card_shift = UInt32(shift)
        }
        b.name = UnsafePointer(strdup(B.name))
        b.notice = notice.map { UnsafePointer(strdup($0)) }
        let handle = HeapHandle(
            barrier: b,
            attach: { let m = heap.attach(); return MutatorOps.make(m, detach: m.detach) },
            statistics: { heapStatistics(heap) },
            verify: { heap.verify() },
            makeRoot: { rootID(heap.makeRoot(Value(bits: $0))) },
            root: { (id) throws(HeapError) in try heap.get(rootFromID(id)).bits },
            setRoot: { (id, value) throws(HeapError) in try heap.set(rootFromID(id), Value(bits: value)) },
            releaseRoot: { (id) throws(HeapError) in try heap.release(rootFromID(id)) },
            holds: { heap.holdsObject($0) },
            makeGuardian: { heap.makeGuardian().rawValue },
            destroyGuardian: { (id) throws(HeapError) in try heap.destroyGuardian(Guardian(rawValue: id)) })
        handle.main = MutatorHandle(ops: .make(heap, detach: {}), owner: handle.creator, home: handle, isMain: true)
        return handle
    }

    private init(barrier: ww_barrier, attach: @escaping () -> MutatorOps, statistics: @escaping () -> ww_heap_stats,
                 verify: @escaping () -> [String], makeRoot: @escaping (UInt) -> UInt64,
                 root: @escaping (UInt64) throws(HeapError) -> UInt,
                 setRoot: @escaping (UInt64, UInt) throws(HeapError) -> Void,
                 releaseRoot: @escaping (UInt64) throws(HeapError) -> Void, holds: @escaping (UInt) -> Bool,
                 makeGuardian: @escaping () -> UInt64, destroyGuardian: @escaping (UInt64) throws(HeapError) -> Void) {
        self.barrier = barrier
        self.attach = attach
        self.statistics = statistics
        self.verify = verify
        self.makeRoot = makeRoot
        self.root = root
        self.setRoot = setRoot
        self.releaseRoot = releaseRoot
        self.holds = holds
        self.makeGuardian = makeGuardian
        self.destroyGuardian = destroyGuardian
        attached.withLock { $0.append(creator) }
    }

    deinit {
        free(UnsafeMutableRawPointer(mutating: barrier.name))
        free(UnsafeMutableRawPointer(mutating: barrier.notice))
    }

    /// Attaches the calling thread; an error if it already is.
    func makeMutator() throws(APIError) -> MutatorHandle {
        let me = pthread_self()
        let ok = attached.withLock { threads -> Bool in
            if threads.contains(where: { pthread_equal($0, me) != 0 }) { return false }
            threads.append(me)
            return true
        }
        guard ok else { throw .invalidArgument("this thread is already attached to the heap: use the mutator it has") }
        return MutatorHandle(ops: attach(), owner: me, home: self, isMain: false)
    }

    func noteDetach(_ thread: pthread_t) {
        attached.withLock { threads in threads.removeAll { pthread_equal($0, thread) != 0 } }
    }

    var attachedCount: Int { attached.withLock { $0.count } }

    /// Refuses a word that is neither nil, an immediate, nor an object of
    /// this heap: storing one would crash the next collection.
    func checkValue(_ value: ww_value, _ name: String) throws(APIError) {
        guard value != 0, value & 1 == 0 else { return }
        guard value & 7 == 0, holds(value) else {
            throw .invalidArgument("\(name) 0x\(String(value, radix: 16)) is neither WW_NULL, an immediate (ww_from_int) nor an object of this heap")
        }
    }

    /// Refuses a word that is not an object of this heap, before anything
    /// reads its header; `name` is the parameter as the header spells it.
    func checkObject(_ object: ww_value, _ name: String = "object") throws(APIError) {
        guard ww_is_object(object) != 0 else {
            throw .invalidArgument("\(name) 0x\(String(object, radix: 16)) is not an object (WW_NULL or an immediate)")
        }
        guard holds(object) else {
            throw .invalidArgument("\(name) 0x\(String(object, radix: 16)) is not an object of this heap: pass a value that ww_allocate, a load, a root or the stack gave since the last collection")
        }
    }
}

private func heapStatistics<B: Barrier>(_ heap: Heap<B>) -> ww_heap_stats {
    let s = heap.statistics
    func u(_ x: Int) -> UInt64 { UInt64(max(0, x)) }
    return ww_heap_stats(
        minor_collections: u(s.minorCollections), major_collections: u(s.majorCollections),
        allocated_bytes: u(s.allocatedBytes), promoted_bytes: u(s.promotedBytes),
        old_bytes_in_use: u(s.oldBytesInUse), large_objects_allocated: u(s.largeObjectsAllocated),
        dirty_pages: u(s.dirtyPages), dirty_cards: u(s.dirtyCards),
        scan_calls: u(s.scanCalls), rearm_calls: u(s.rearmCalls),
        collector_fault_pages: u(s.collectorFaultPages), degraded_collections: u(s.degradedCollections),
        remembered_slots: u(s.rememberedSlots),
        minor_nanoseconds: s.minorNanoseconds, major_nanoseconds: s.majorNanoseconds,
        max_minor_pause_nanoseconds: s.minorPauses.maximum,
        threads_stopped: u(s.threadsStopped), attached_threads: u(heap.attachedThreads))
}

/// Roots cross the boundary as their raw value with the index plus one, so
/// that a zeroed `ww_root` is never a live root.
func rootID(_ root: Root) -> UInt64 { root.rawValue &+ 1 }
func rootFromID(_ id: UInt64) -> Root { Root(rawValue: id &- 1) }

/// One mutator's operations, specialised for its barrier: the heap's own
/// methods for the creating thread, a `Mutator`'s for an attached one.
struct MutatorOps {
    var allocate: (Int, Int, UInt32) throws(HeapError) -> UInt
    var store: (UInt, Int, UInt) -> Void
    var push: (UInt) -> Void
    /// Pops the top value; nil if the stack is empty.
    var pop: () -> UInt?
    /// The value `depth` below the top; nil if there is none.
    var peek: (Int) -> UInt?
    var depth: () -> Int
    var slot: (Int) -> UInt
    var setSlot: (Int, UInt) -> Void
    var truncate: (Int) -> Void
    var safepoint: () -> Void
    var deactivate: () -> Void
    var activate: () -> Void
    var collect: (Bool) throws(HeapError) -> Void
    /// Weak boxes, ephemerons and guardians (WeakAPI.swift); guardians as
    /// their `Guardian.rawValue`, a popped nothing as 0.
    var allocateWeakBox: (UInt) throws(HeapError) -> UInt
    var allocateEphemeron: (UInt, UInt) throws(HeapError) -> UInt
    var kind: (UInt) -> ObjectKind
    var weakTarget: (UInt) throws(HeapError) -> UInt
    var setWeakTarget: (UInt, UInt) throws(HeapError) -> Void
    var ephemeronEntry: (UInt) throws(HeapError) -> (key: UInt, value: UInt)
    var register: (UInt, UInt64) throws(HeapError) -> Void
    var popReady: (UInt64) throws(HeapError) -> UInt
    var detach: () -> Void
    /// The state `ww_mutator_fast` mirrors.
    var fastPathState: UnsafeMutableRawPointer

    /// The operations of `m`, specialised for its type; `detach` ends it
    /// (nothing for the creating thread's, which ends with the heap).
    static func make<M: MutatorAPI>(_ m: M, detach: @escaping () -> Void) -> MutatorOps {
        MutatorOps(
            allocate: { (p, b, t) throws(HeapError) in try m.allocate(pointers: p, bytes: b, tag: t).address },
            store: { m.store(ObjectRef(address: $0), $1, Value(bits: $2)) },
            push: { m.push(Value(bits: $0)) },
            pop: { m.stackDepth > 0 ? m.pop().bits : nil },
            peek: { d in UInt(bitPattern: d) < UInt(m.stackDepth) ? m.peek(d).bits : nil },
            depth: { m.stackDepth },
            slot: { m.stackSlot($0).bits },
            setSlot: { m.setStackSlot($0, Value(bits: $1)) },
            truncate: { m.truncateStack(to: $0) },
            safepoint: { m.safepoint() },
            deactivate: { m.deactivate() },
            activate: { m.activate() },
            collect: { (major) throws(HeapError) in major ? try m.collectMajor() : try m.collectMinor() },
            allocateWeakBox: { (t) throws(HeapError) in try m.allocateWeakBox(target: Value(bits: t)).address },
            allocateEphemeron: { (k, v) throws(HeapError) in
                try m.allocateEphemeron(key: Value(bits: k), value: Value(bits: v)).address
            },
            kind: { m.heap.kind(of: ObjectRef(address: $0)) },
            weakTarget: { (b) throws(HeapError) in try m.heap.weakTarget(ObjectRef(address: b)).bits },
            setWeakTarget: { (b, t) throws(HeapError) in try m.heap.setWeakTarget(ObjectRef(address: b), Value(bits: t)) },
            ephemeronEntry: { (e) throws(HeapError) in
                let entry = try m.heap.ephemeronEntry(ObjectRef(address: e))
                return (entry.key.bits, entry.value.bits)
            },
            register: { (o, g) throws(HeapError) in try m.heap.register(ObjectRef(address: o), with: Guardian(rawValue: g)) },
            popReady: { (g) throws(HeapError) in try m.heap.popReady(Guardian(rawValue: g))?.address ?? 0 },
            detach: detach,
            fastPathState: m.fastPathState)
    }
}

/// A thread's mutator behind a `ww_mutator`.
final class MutatorHandle {
    let ops: MutatorOps
    let owner: pthread_t
    /// Its heap, which cannot be destroyed while other threads are attached.
    unowned let home: HeapHandle
    let isMain: Bool
    /// Touched only by the owning thread (every call checks the owner first).
    @exclusivity(unchecked) var active = true

    init(ops: MutatorOps, owner: pthread_t, home: HeapHandle, isMain: Bool) {
        self.ops = ops
        self.owner = owner
        self.home = home
        self.isMain = isMain
    }

    @inline(__always)
    func checkThread() throws(APIError) {
        // pthread_t is an integer on Linux; pthread_equal would be a call.
        guard pthread_self() == owner else { throw .wrongThread }
    }

    /// The checks every heap-touching call makes: own thread, active.
    @inline(__always)
    func checkActive() throws(APIError) {
        try checkThread()
        guard active else { throw .inactive(APIError.inCTerms(.inactiveMutator)) }
    }

    /// The shadow stack's depth, checked to hold at least `needed` values.
    @inline(__always)
    /// Refuses a slot index at or past the depth (a size_t that read
    /// negative included).
    func checkSlot(_ index: Int, _ what: String) throws(APIError) {
        let depth = ops.depth()
        guard UInt(bitPattern: index) < UInt(depth) else {
            throw .invalidArgument("\(what) of slot \(UInt(bitPattern: index)): the shadow stack holds \(depth) value(s)")
        }
    }

    func depth(atLeast needed: Int, _ what: @autoclosure () -> String) throws(APIError) -> Int {
        let depth = ops.depth()
        guard needed >= 0, needed <= depth else {
            throw .invalidArgument("\(what()): the shadow stack holds \(depth) value(s)")
        }
        return depth
    }
}

/// Whether writewatch.h's `ww_mutator_fast` mirrors the heap's mutator
/// state field for field (its size may include tail padding the Swift
/// struct leaves out).
let fastPathLayoutMatches: Bool = {
    typealias C = ww_mutator_fast
    let swift = MutatorStateLayout.current
    let c = MutatorStateLayout(
        top: MemoryLayout<C>.offset(of: \.top)!, end: MemoryLayout<C>.offset(of: \.end)!,
        stack: MemoryLayout<C>.offset(of: \.stack)!, depth: MemoryLayout<C>.offset(of: \.depth)!,
        capacity: MemoryLayout<C>.offset(of: \.capacity)!,
        owner: MemoryLayout<C>.offset(of: \.owner)!, active: MemoryLayout<C>.offset(of: \.active)!,
        size: swift.size)
    return c == swift && swift.size <= MemoryLayout<C>.size
        && MemoryLayout<Bool>.size == 1 && Int(WW_MAX_SMALL_BYTES) == maxSmallObjectBytes
        && Int(WW_HEADER_BYTES) == objectHeaderBytes
}()
