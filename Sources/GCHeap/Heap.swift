#if canImport(Glibc)
import Glibc
#endif
import WriteWatch

/// What one mutator thread's inline fast paths touch: its allocation buffer
/// (a TLAB carved from eden), its shadow stack, and who owns it. Behind a
/// pointer, so allocation, push and pop are loads and stores, with no
/// exclusivity check, no retain/release and no array uniqueness test.
@usableFromInline
struct MutatorState {
    /// The thread's allocation buffer: `top` up to `end`; both 0 when it has
    /// none (after a collection), so the next allocation takes the slow path.
    @usableFromInline var top: UInt
    @usableFromInline var end: UInt
    /// The shadow stack's slots, malloc'ed: `depth` in use of `capacity`.
    @usableFromInline var stack: UnsafeMutablePointer<UInt>
    @usableFromInline var depth: Int
    @usableFromInline var capacity: Int
    /// The owning thread (`pthread_self()`), 0 once detached.
    @usableFromInline var owner: UInt
    /// False while the thread is inactive (blocked outside the heap).
    @usableFromInline var active: Bool

    static func make(owner: UInt) -> UnsafeMutablePointer<MutatorState> {
        let m = UnsafeMutablePointer<MutatorState>.allocate(capacity: 1)
        m.initialize(to: MutatorState(top: 0, end: 0, stack: .allocate(capacity: 256), depth: 0, capacity: 256,
                                      owner: owner, active: true))
        return m
    }

    static func destroy(_ m: UnsafeMutablePointer<MutatorState>) {
        m.pointee.stack.deallocate()
        m.deallocate()
    }
}

/// The calling thread's identity, for checking that a mutator is used only
/// by the thread that attached it.
@inlinable @inline(__always)
func currentThread() -> UInt { UInt(pthread_self()) }

/// A generational mark-sweep heap, generic over its write barrier.
///
/// Young objects are bump-allocated in eden and copied between two survivor
/// spaces until they reach the promotion age; then they are copied into
/// old space, which never moves: size-segregated arenas for small objects
/// and page runs for large ones, marked and swept with metadata kept off the
/// heap. Objects larger than 8 KiB are allocated in old space directly.
///
/// The write barrier (`B`) decides how old-to-young pointers are found at a
/// minor collection: by card marking in the store path (`SoftwareBarrier`),
/// or by asking the kernel which old pages were written (`HardwareBarrier`
/// and the baselines), in which case a pointer store is a plain store.
///
/// The heap's own allocation and shadow-stack methods belong to the thread
/// that created it (its *main mutator*). Other threads `attach()` and use
/// the `Mutator` they get. `ObjectRef`s are valid until the thread's next
/// allocation or safepoint; hold objects across those in `Root`s or on the
/// shadow stack.
///
/// The collector's state is stored with `@exclusivity(unchecked)`: it is
/// touched only with the world stopped (`Safepoints`) by the one collecting
/// thread, or under the safepoint lock (allocation slow paths, roots), and
/// none of the heap's methods hands out a reference to its own stored
/// properties, so no two accesses can overlap and the dynamic checks (half
/// of GCBench's samples) would only ever pass.
///
/// A `Heap` is shared by the threads that attach to it, so it is
/// `Sendable`; what makes that safe is the safepoint protocol above, not
/// the compiler: the main mutator's methods still belong to the creating
/// thread (checked: a call from another thread traps with a message).
public final class Heap<B: Barrier>: @unchecked Sendable {
    public let configuration: HeapConfiguration
    /// The barrier instance (for a tracker barrier, its tracker).
    public let barrier: B
    /// The main mutator: the creating thread's state, used by the heap's own
    /// `allocate`, `push` and friends.
    @usableFromInline let mutator: UnsafeMutablePointer<MutatorState>
    /// `B.watchesPages`, read once: the collector asks per promoted object.
    let watchesPages: Bool
    /// Whether the collector suspends armed pages before writing them (on
    /// by default; tests turn it off to show the fault count sees faults).
    let collectorSuspends: Bool
    @usableFromInline let safepoints: Safepoints

    let space: AddressSpace
    @exclusivity(unchecked) var pages: PageAllocator
    @exclusivity(unchecked) var arenas: ArenaTable
    @exclusivity(unchecked) var largeObjects = LargeObjectSpace()
    @exclusivity(unchecked) var roots = RootTable()
    /// Every attached mutator, the main one first; detached ones are removed.
    @exclusivity(unchecked) var mutators = RawStack<UnsafeMutablePointer<MutatorState>>()
    /// Eden up to here has been handed out in allocation buffers.
    @exclusivity(unchecked) var edenCursor: UInt
    /// Old slots that held young pointers at the end of the last collection.
    @exclusivity(unchecked) var remembered = RawStack<UInt>()
    @exclusivity(unchecked) var survivorFrom: PageRange
    @exclusivity(unchecked) var survivorTo: PageRange
    @exclusivity(unchecked) var survivorTop: UInt
    @exclusivity(unchecked) var written = WrittenRegions()
    @exclusivity(unchecked) var scratch = CollectorScratch()
    /// Weak boxes, ephemerons and guardians (WeakReferences.swift).
    @exclusivity(unchecked) var weak = WeakState()
    /// The sizes and the collection decisions (CollectionPolicy.swift).
    @exclusivity(unchecked) public internal(set) var policy: CollectionPolicy
    /// Concurrent major collection (ConcurrentMark.swift): touched only with
    /// `markerSync` locked.
    @exclusivity(unchecked) var marking = ConcurrentMarkState()
    let markerSync = MarkerSync()
    var reportedDiagnostics: Set<String> = []

    @exclusivity(unchecked) public internal(set) var statistics = HeapStatistics()
    /// Problems the heap recovered from (a failed dirty-page scan, a fork),
    /// each reported once.
    public internal(set) var diagnostics: [String] = []
    /// Called once for each new diagnostic.
    public var onDiagnostic: ((String) -> Void)?

    /// Creates a heap, or throws if the configuration is invalid or the
    /// barrier's mechanism is unavailable (naming the missing feature). The
    /// calling thread becomes the heap's main mutator.
    public init(configuration: HeapConfiguration = HeapConfiguration()) throws(HeapError) {
        try configuration.validate()
        assert(SizeClasses.classForIsExact(), "size-class arithmetic disagrees with the class table")
        self.configuration = configuration
        safepoints = Safepoints(stallReportMilliseconds: configuration.stallReportMilliseconds)
        space = try AddressSpace(configuration: configuration)
        let regions = HeapRegions(whole: PageRange(start: space.base, end: space.base + UInt(space.totalBytes)),
                                  young: space.young, old: space.old)
        do { barrier = try B(regions: regions, configuration: configuration) } catch {
            space.release()
            throw error
        }
        pages = PageAllocator(space: space.old)
        arenas = ArenaTable(capacity: space.old.byteCount / AddressSpace.arenaBytes)
        watchesPages = B.watchesPages
        collectorSuspends = configuration.collectorSuspendsArmedPages
        survivorFrom = space.survivors.0
        survivorTo = space.survivors.1
        survivorTop = survivorFrom.start
        edenCursor = space.eden.start
        policy = configuration.policy
        mutator = MutatorState.make(owner: currentThread())
        mutators.append(mutator)
        safepoints.locked { safepoints.becameActive() }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: space.young.start), space.young.byteCount, MADV_NOHUGEPAGE)
    }

    deinit {
        stopMarkerThread()
        barrier.close()
        pages.deallocate()
        space.release()
        for i in 0..<mutators.count { MutatorState.destroy(mutators[i]) }
        for i in 0..<detachedMutators.count { MutatorState.destroy(detachedMutators[i]) }
    }

    /// Detached mutators' states, kept so that a stale handle traps with a
    /// message instead of touching freed memory.
    @exclusivity(unchecked) var detachedMutators = RawStack<UnsafeMutablePointer<MutatorState>>()

    /// The barrier's name: hardware, software, software-cond, mprotect, uffd-sync or none.
    public var barrierName: String { B.name }

    // MARK: - Allocation

    /// Allocates an object with `pointers` nil fields and `bytes` zero data
    /// bytes, collecting first if needed. `tag` is the embedder's word (a
    /// type or an identity); the heap never interprets it. Main mutator only.
    @inlinable @inline(__always)
    public func allocate(pointers: Int, bytes: Int, tag: UInt32 = 0) throws(HeapError) -> ObjectRef {
        try allocate(in: mutator, pointers: pointers, bytes: bytes, tag: tag)
    }

    /// The allocation fast path of any mutator: a bump in its buffer.
    @inlinable @inline(__always)
    func allocate(in m: UnsafeMutablePointer<MutatorState>, pointers: Int, bytes: Int, tag: UInt32) throws(HeapError) -> ObjectRef {
        let size = Layout.size(pointers: pointers, bytes: bytes)
        let top = m.pointee.top
        // One unsigned test refuses negative and huge counts alike, before
        // `size` (computed with wrapping arithmetic) can be trusted.
        if UInt(bitPattern: pointers | bytes) <= UInt(Layout.maxSmallBytes), size <= Layout.maxSmallBytes,
           top &+ UInt(size) <= m.pointee.end {
            m.pointee.top = top &+ UInt(size)
            Layout.initialize(top, pointers: pointers, bytes: bytes, tag: tag)
            return ObjectRef(address: top)
        }
        return try allocateSlow(in: m, pointers: pointers, bytes: bytes, tag: tag)
    }

    /// A new allocation buffer, a large object, or a collection first. Also
    /// a safepoint: the thread parks here if another is collecting.
    @usableFromInline
    func allocateSlow(in m: UnsafeMutablePointer<MutatorState>, pointers: Int, bytes: Int, tag: UInt32) throws(HeapError) -> ObjectRef {
        try checkOwner(m)
        guard pointers >= 0, bytes >= 0, pointers <= Layout.maxCount, bytes <= Layout.maxCount else {
            throw .invalidObjectSize(pointers: pointers, bytes: bytes)
        }
        let size = Layout.size(pointers: pointers, bytes: bytes)
        safepoints.lock()
        defer { safepoints.unlock() }
        if safepoints.collecting { safepoints.park() }
        if size > Layout.maxSmallBytes { return try allocateLarge(pointers: pointers, bytes: bytes, tag: tag) }
        // Exhausted: no eden until a full collection brings old space under
        // its limit, so that retrying cannot promote past the reservation.
        if policy.isOverLimit(oldBytesInUse: oldBytesInUse) {
            if safepoints.stopTheWorld(now: Heap.now, stalled: reportStall) {
                defer { safepoints.resumeTheWorld() }
                try collectStopped(major: true)
            }
            if policy.isOverLimit(oldBytesInUse: oldBytesInUse) { throw exhausted() }
        }
        while !refillBuffer(m, size: size) {
            if safepoints.stopTheWorld(now: Heap.now, stalled: reportStall) {
                defer { safepoints.resumeTheWorld() }
                try collectStopped(major: false)
            }
        }
        let top = m.pointee.top
        m.pointee.top = top + UInt(size)
        Layout.initialize(top, pointers: pointers, bytes: bytes, tag: tag)
        return ObjectRef(address: top)
    }

    /// Lock held: gives `m` a new buffer holding at least `size` bytes, or
    /// returns false when eden is used up. A sole mutator gets the whole
    /// rest of eden, so single-threaded allocation refills once per minor.
    func refillBuffer(_ m: UnsafeMutablePointer<MutatorState>, size: Int) -> Bool {
        retireBuffer(m)
        let remaining = space.eden.end - edenCursor
        guard remaining >= UInt(size) else { return false }
        let chunk = mutators.count == 1 ? remaining : min(remaining, UInt(max(configuration.allocationBufferBytes, size)))
        m.pointee.top = edenCursor
        m.pointee.end = edenCursor + chunk
        edenCursor += chunk
        return true
    }

    /// Lock held: ends `m`'s buffer. The unused tail goes back to eden when
    /// the buffer is the last one handed out; otherwise it is filled with a
    /// dead object, so that eden stays a walkable sequence of objects.
    func retireBuffer(_ m: UnsafeMutablePointer<MutatorState>) {
        let top = m.pointee.top, end = m.pointee.end
        m.pointee.top = 0
        m.pointee.end = 0
        guard end > top else { return }
        if end == edenCursor { edenCursor = top } else { Layout.fill(top, end) }
    }

    func allocateLarge(pointers: Int, bytes: Int, tag: UInt32) throws(HeapError) -> ObjectRef {
        let size = Layout.size(pointers: pointers, bytes: bytes)
        let pageCount = (size + PageRange.pageSize - 1) / PageRange.pageSize
        let request = pageCount * PageRange.pageSize
        let decision = policy.beforeLargeAllocation(oldBytesInUse: oldBytesInUse, requestBytes: request, marking: isMarking)
        if decision.collect {
            if safepoints.stopTheWorld(now: Heap.now, stalled: reportStall) {
                defer { safepoints.resumeTheWorld() }
                // Concurrent mode starts marking here unless the limit forces a full collection now.
                try collectStopped(major: decision.full || configuration.majorMode == .stopTheWorld)
            }
            guard !policy.isOverLimit(oldBytesInUse: oldBytesInUse + request) else { throw exhausted() }
        }
        // The marker reads the page map and the large-object table.
        markerSync.lock()
        defer { markerSync.unlock() }
        guard let run = try takePages(pageCount, owner: .largeObject(largeObjects.nextID)) else { throw exhausted() }
        // Allocated black while marking is under way.
        _ = largeObjects.add(run, marked: marking.active)
        // Fresh or discarded pages read as zero: write the header only.
        Layout.word(run.start, 0).pointee = UInt(pointers) | UInt(bytes) << 32
        Layout.word(run.start, 1).pointee = UInt(tag)
        statistics.largeObjectsAllocated += 1
        statistics.allocatedBytes += size
        return ObjectRef(address: run.start)
    }

    /// Traps with a message unless the calling thread owns `m` and it is
    /// attached and active: a mutator shared between threads would corrupt
    /// its allocation buffer, silently.
    @usableFromInline
    func checkOwner(_ m: UnsafeMutablePointer<MutatorState>) throws(HeapError) {
        checkThread(m)
        guard m.pointee.active else { throw .inactiveMutator }
    }

    /// Traps with a message unless the calling thread owns `m`, attached.
    func checkThread(_ m: UnsafeMutablePointer<MutatorState>) {
        // A heap nobody else attached to may move between threads, used by
        // one at a time, as before threads existed: the main mutator follows.
        if m == mutator, mutators.count == 1 { m.pointee.owner = currentThread() }
        let owner = m.pointee.owner
        precondition(owner != 0, "mutator used after detach")
        precondition(owner == currentThread(), "mutator used from a thread other than the one that attached it")
    }

    /// Pages for old space, registering any growth with the barrier.
    func takePages(_ count: Int, owner: PageOwner) throws(HeapError) -> PageRange? {
        guard let (run, grew) = pages.allocate(pages: count, owner: owner) else { return nil }
        if let grew { try barrier.oldSpaceGrew(grew) }
        return run
    }

    var oldBytesInUse: Int { pages.pagesInUse * PageRange.pageSize }

    /// The exhaustion error, naming what a full collection left live.
    func exhausted() -> HeapError {
        .heapExhausted(liveBytes: oldBytesInUse, limitBytes: policy.heapLimitBytes)
    }

    // MARK: - Fields

    /// The number of pointer fields of `object`.
    @inlinable public func pointerCount(_ object: ObjectRef) -> Int { Layout.pointerCount(object.address) }
    /// The number of data bytes of `object`.
    @inlinable public func dataCount(_ object: ObjectRef) -> Int { Layout.dataCount(object.address) }
    /// The embedder's tag given at allocation.
    public func tag(_ object: ObjectRef) -> UInt32 { Layout.tag(object.address) }

    /// Reads pointer field `field`. Traps with a message if it is out of range.
    @inlinable
    public func load(_ object: ObjectRef, _ field: Int) -> Value {
        let count = Layout.pointerCount(object.address)
        precondition(UInt(bitPattern: field) < UInt(count), "pointer field \(field) out of range: the object has \(count)")
        return Value(bits: Layout.slot(object.address, field).pointee)
    }

    /// Writes pointer field `field` through the barrier. Traps with a message
    /// if it is out of range.
    @inlinable
    public func store(_ object: ObjectRef, _ field: Int, _ value: Value) {
        let count = Layout.pointerCount(object.address)
        precondition(UInt(bitPattern: field) < UInt(count), "pointer field \(field) out of range: the object has \(count)")
        let slot = Layout.slot(object.address, field)
        slot.pointee = value.bits
        barrier.recordStore(slot: UInt(bitPattern: slot))
    }

    /// `store` for an object or nil.
    @inlinable
    public func store(_ object: ObjectRef, _ field: Int, _ target: ObjectRef?) { store(object, field, Value(target)) }

    /// Checked forms for untrusted indices: a typed error instead of a trap.
    public func checkedLoad(_ object: ObjectRef, _ field: Int) throws(HeapError) -> Value {
        let count = pointerCount(object)
        guard field >= 0, field < count else { throw .fieldOutOfRange(field: field, count: count) }
        return load(object, field)
    }

    /// Refuses weak boxes and ephemerons: their fields are set only by
    /// `setWeakTarget` (a box) or at allocation (an ephemeron, whose key
    /// must stay an object).
    public func checkedStore(_ object: ObjectRef, _ field: Int, _ value: Value) throws(HeapError) {
        let count = pointerCount(object)
        guard field >= 0, field < count else { throw .fieldOutOfRange(field: field, count: count) }
        let kind = Layout.kind(object.address)
        guard kind == .plain else { throw .wrongObjectKind(expected: .plain, found: kind) }
        store(object, field, value)
    }

    // MARK: - Data

    /// Reads data byte `offset`; a typed error if out of range.
    public func loadByte(_ object: ObjectRef, _ offset: Int) throws(HeapError) -> UInt8 {
        try checkOffset(object, offset)
        return Layout.data(object.address).load(fromByteOffset: offset, as: UInt8.self)
    }

    /// Writes data byte `offset` (a plain write, no barrier); a typed error if out of range.
    public func storeByte(_ object: ObjectRef, _ offset: Int, _ byte: UInt8) throws(HeapError) {
        try checkOffset(object, offset)
        Layout.data(object.address).storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
    }

    /// The data bytes, for bulk access. Do not allocate inside `body`.
    @inlinable
    public func withData<R>(_ object: ObjectRef, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: Layout.data(object.address), count: Layout.dataCount(object.address)))
    }

    private func checkOffset(_ object: ObjectRef, _ offset: Int) throws(HeapError) {
        let count = dataCount(object)
        guard offset >= 0, offset < count else { throw .offsetOutOfRange(offset: offset, count: count) }
    }

    // MARK: - Roots

    /// Keeps `value` alive and up to date across collections.
    public func makeRoot(_ value: Value) -> Root { safepoints.locked { roots.add(value.bits) } }
    public func makeRoot(_ object: ObjectRef) -> Root { makeRoot(Value(object)) }

    /// The current value of a root; `.staleRoot` if it was released.
    public func get(_ root: Root) throws(HeapError) -> Value { Value(bits: roots.value(try roots.check(root)).pointee) }

    /// The object a root holds (nil if it holds nil or an immediate).
    public func object(_ root: Root) throws(HeapError) -> ObjectRef? { try get(root).ref }

    public func set(_ root: Root, _ value: Value) throws(HeapError) { roots.value(try roots.check(root)).pointee = value.bits }

    /// Stops keeping the value alive; the root becomes stale.
    public func release(_ root: Root) throws(HeapError) {
        try safepoints.locked { () throws(HeapError) in try roots.remove(root) }
    }

    public var rootCount: Int { roots.count }

    // MARK: - Shadow stack (main mutator)

    /// Pushes a value on the shadow stack: a LIFO set of roots for values
    /// held across allocations in recursive code, cheaper than `Root`s.
    @inlinable @inline(__always)
    public func push(_ value: Value) { Heap.push(mutator, value) }

    @inlinable @inline(__always)
    public func push(_ object: ObjectRef) { Heap.push(mutator, Value(bits: object.address)) }

    /// Pops the top value. Traps with a message if the stack is empty.
    @inlinable @inline(__always) @discardableResult
    public func pop() -> Value { Heap.pop(mutator) }

    /// The value `depth` entries below the top (0 is the top).
    @inlinable @inline(__always)
    public func peek(_ depth: Int = 0) -> Value { Heap.stackSlot(mutator, mutator.pointee.depth &- 1 &- depth) }

    /// The number of values on the shadow stack.
    public var stackDepth: Int { mutator.pointee.depth }

    /// The value in shadow-stack slot `index`, counted from the bottom: an
    /// interpreter keeps its registers in slots it owns. Traps with a
    /// message if `index` is not below `stackDepth`.
    @inlinable @inline(__always)
    public func stackSlot(_ index: Int) -> Value { Heap.stackSlot(mutator, index) }

    /// Replaces the value in shadow-stack slot `index`.
    @inlinable @inline(__always)
    public func setStackSlot(_ index: Int, _ value: Value) { Heap.setStackSlot(mutator, index, value) }

    /// Pops everything above `depth`.
    @inlinable
    public func truncateStack(to depth: Int) { Heap.truncateStack(mutator, to: depth) }

    // The shadow-stack operations of any mutator.

    @inlinable @inline(__always)
    static func push(_ m: UnsafeMutablePointer<MutatorState>, _ value: Value) {
        if m.pointee.depth == m.pointee.capacity { growShadowStack(m) }
        m.pointee.stack[m.pointee.depth] = value.bits
        m.pointee.depth &+= 1
    }

    @inlinable @inline(__always)
    static func pop(_ m: UnsafeMutablePointer<MutatorState>) -> Value {
        precondition(m.pointee.depth > 0, "pop from an empty shadow stack")
        m.pointee.depth &-= 1
        return Value(bits: m.pointee.stack[m.pointee.depth])
    }

    @inlinable @inline(__always)
    static func stackSlot(_ m: UnsafeMutablePointer<MutatorState>, _ index: Int) -> Value {
        precondition(UInt(bitPattern: index) < UInt(m.pointee.depth), "shadow-stack slot \(index) out of range: the depth is \(m.pointee.depth)")
        return Value(bits: m.pointee.stack[index])
    }

    @inlinable @inline(__always)
    static func setStackSlot(_ m: UnsafeMutablePointer<MutatorState>, _ index: Int, _ value: Value) {
        precondition(UInt(bitPattern: index) < UInt(m.pointee.depth), "shadow-stack slot \(index) out of range: the depth is \(m.pointee.depth)")
        m.pointee.stack[index] = value.bits
    }

    @inlinable
    static func truncateStack(_ m: UnsafeMutablePointer<MutatorState>, to depth: Int) {
        precondition(depth >= 0 && depth <= m.pointee.depth, "cannot truncate the shadow stack to \(depth): its depth is \(m.pointee.depth)")
        m.pointee.depth = depth
    }

    /// Doubles a shadow stack. Out of line: it runs once per doubling.
    @usableFromInline @inline(never)
    static func growShadowStack(_ m: UnsafeMutablePointer<MutatorState>) {
        let capacity = m.pointee.capacity * 2
        let fresh = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
        fresh.moveInitialize(from: m.pointee.stack, count: m.pointee.depth)
        m.pointee.stack.deallocate()
        m.pointee.stack = fresh
        m.pointee.capacity = capacity
    }

    /// Every attached mutator's shadow-stack slots, for the collector.
    func forEachStackSlot(_ body: (UnsafeMutablePointer<UInt>) -> Void) {
        for i in 0..<mutators.count {
            let m = mutators[i]
            for j in 0..<m.pointee.depth { body(m.pointee.stack + j) }
        }
    }

    // MARK: - Classification

    @inline(__always)
    func isYoung(_ bits: UInt) -> Bool {
        bits & 7 == 0 && bits &- space.young.start < UInt(space.young.byteCount)
    }

    /// Records a diagnostic once and hands it to `onDiagnostic`, or to
    /// standard error when no hook is set.
    /// At most `maxDiagnostics` are kept (a heap corrupted by its embedder
    /// can produce one per bad word): the heap's memory stays bounded.
    func report(_ diagnostic: String) {
        guard diagnostics.count <= Heap.maxDiagnostics, reportedDiagnostics.insert(diagnostic).inserted else { return }
        let diagnostic = diagnostics.count < Heap.maxDiagnostics ? diagnostic
            : "more than \(Heap.maxDiagnostics) diagnostics: further ones are not reported"
        diagnostics.append(diagnostic)
        if let onDiagnostic {
            onDiagnostic(diagnostic)
        } else {
            var line = "writewatch: \(diagnostic)\n"
            line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        }
    }

    static var maxDiagnostics: Int { 100 }

    /// Safepoint lock held, by a collection that has waited `waited`
    /// nanoseconds for other threads to park: names the active threads it
    /// still waits for, which is what an embedder needs to find the thread
    /// that blocked without deactivating.
    func reportStall(waited: UInt64) {
        let me = currentThread()
        var waitingFor: [String] = []
        for i in 0..<mutators.count {
            let m = mutators[i].pointee
            guard m.active, m.owner != me else { continue }
            var parked = false
            for j in 0..<safepoints.parkedThreads.count where safepoints.parkedThreads[j] == m.owner { parked = true }
            if !parked { waitingFor.append(Heap.describeThread(m.owner)) }
        }
        let seconds = (Double(waited) / 1e8).rounded() / 10
        report("a collection has waited \(seconds) s for \(waitingFor.count) active thread(s) to reach a safepoint: "
               + waitingFor.joined(separator: ", ")
               + ". A thread that blocks (join, lock, I/O, sleep) must deactivate first (Swift: deactivate() or inactive { }; C: ww_deactivate) and activate after; a thread in a long loop that does not allocate calls safepoint() (C: ww_safepoint)")
    }

    /// "thread 0x...": the `pthread_t`, as gdb's `info threads` and
    /// `pthread_self()` show it.
    static func describeThread(_ owner: UInt) -> String { "thread 0x" + String(owner, radix: 16) }
}
