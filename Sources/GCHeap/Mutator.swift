#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One thread's handle on a heap: its allocation buffer and shadow stack.
///
/// A thread other than the heap's creator calls `heap.attach()` once and
/// uses only its own `Mutator`; the creating thread uses the heap's own
/// methods (its main mutator). Objects a thread holds across an allocation
/// or safepoint go on its shadow stack or in `Root`s, exactly as with one
/// thread.
///
/// Invariant: a mutator touches the heap only while it is *active*, and a
/// collection runs only when every active mutator is parked at a safepoint:
/// the allocation slow path, `safepoint()`, or `deactivate()`. A thread that
/// is about to block (a `read(2)`, a lock, native code) deactivates first, so
/// that it never delays a collection, and activates on return, which waits
/// if a collection is under way. A loop that neither allocates nor calls
/// `safepoint()` holds up every other thread's collection.
///
/// Misuse traps with a message or throws: a mutator used from another thread
/// or after `detach()` traps (the allocation fast path checks the owner, so
/// two threads can never share a buffer silently); an inactive mutator that
/// allocates or collects gets `HeapError.inactiveMutator`.
public final class Mutator<B: Barrier> {
    public let heap: Heap<B>
    @usableFromInline let state: UnsafeMutablePointer<MutatorState>

    init(heap: Heap<B>, state: UnsafeMutablePointer<MutatorState>) {
        self.heap = heap
        self.state = state
    }

    /// Allocates as `Heap.allocate` does, from this thread's buffer.
    @inlinable @inline(__always)
    public func allocate(pointers: Int, bytes: Int, tag: UInt32 = 0) throws(HeapError) -> ObjectRef {
        guard state.pointee.owner == currentThread(), state.pointee.active else {
            return try heap.allocateSlow(in: state, pointers: pointers, bytes: bytes, tag: tag)
        }
        return try heap.allocate(in: state, pointers: pointers, bytes: bytes, tag: tag)
    }

    @inlinable @inline(__always)
    public func load(_ object: ObjectRef, _ field: Int) -> Value { heap.load(object, field) }

    @inlinable @inline(__always)
    public func store(_ object: ObjectRef, _ field: Int, _ value: Value) { heap.store(object, field, value) }

    @inlinable @inline(__always)
    public func store(_ object: ObjectRef, _ field: Int, _ target: ObjectRef?) { heap.store(object, field, Value(target)) }

    @inlinable @inline(__always)
    public func push(_ value: Value) { Heap<B>.push(state, value) }

    @inlinable @inline(__always)
    public func push(_ object: ObjectRef) { Heap<B>.push(state, Value(object)) }

    @inlinable @inline(__always) @discardableResult
    public func pop() -> Value { Heap<B>.pop(state) }

    @inlinable @inline(__always)
    public func peek(_ depth: Int = 0) -> Value { Heap<B>.stackSlot(state, state.pointee.depth &- 1 &- depth) }

    public var stackDepth: Int { state.pointee.depth }

    @inlinable @inline(__always)
    public func stackSlot(_ index: Int) -> Value { Heap<B>.stackSlot(state, index) }

    @inlinable @inline(__always)
    public func setStackSlot(_ index: Int, _ value: Value) { Heap<B>.setStackSlot(state, index, value) }

    @inlinable
    public func truncateStack(to depth: Int) { Heap<B>.truncateStack(state, to: depth) }

    /// Parks here if another thread is collecting; one load otherwise.
    @inlinable @inline(__always)
    public func safepoint() { heap.safepoint(state) }

    /// Marks this thread inactive before it blocks; see the type's comment.
    public func deactivate() { heap.deactivate(state) }

    /// Marks this thread active again, waiting for a collection under way.
    public func activate() { heap.activate(state) }

    /// Runs `body` inactive: for a blocking call that touches no heap memory
    /// except, perhaps, a buffer in a large object (which never moves).
    public func inactive<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        deactivate()
        defer { activate() }
        return try body()
    }

    public func collectMinor() throws(HeapError) { try heap.collect(from: state, major: false) }
    public func collectMajor() throws(HeapError) { try heap.collect(from: state, major: true) }

    /// Leaves the heap. Objects only this thread's shadow stack held become
    /// unreachable; the handle traps if used again.
    public func detach() { heap.detach(state) }

    /// This mutator's allocation buffer and shadow stack, laid out as
    /// `MutatorStateLayout.current` says, for code in another language that
    /// inlines the allocation and shadow-stack fast paths (the C API's
    /// `ww_allocate_fast`). Valid until `detach`.
    public var fastPathState: UnsafeMutableRawPointer { UnsafeMutableRawPointer(state) }
}

/// Byte offsets of the fields an inlined fast path reads and writes in a
/// mutator's state. Whoever mirrors the state in another language (the C
/// API's `ww_mutator_fast`) checks its own layout against this one.
///
/// The fields: the allocation buffer `[top, end)` (both 0 when the thread
/// has none: the next allocation must take the slow path); the shadow stack
/// (`stack`, `depth` of `capacity` words; a push at capacity must take the
/// slow path, which grows it); `owner` and `active` (read only). A new
/// object's fields must be zeroed: eden is not zeroed ahead of allocation.
public struct MutatorStateLayout: Equatable, Sendable {
    public var top, end, stack, depth, capacity, owner, active, size: Int

    public init(top: Int, end: Int, stack: Int, depth: Int, capacity: Int, owner: Int, active: Int, size: Int) {
        (self.top, self.end, self.stack, self.depth, self.capacity) = (top, end, stack, depth, capacity)
        (self.owner, self.active, self.size) = (owner, active, size)
    }

    public static let current = MutatorStateLayout(
        top: MemoryLayout<MutatorState>.offset(of: \.top)!, end: MemoryLayout<MutatorState>.offset(of: \.end)!,
        stack: MemoryLayout<MutatorState>.offset(of: \.stack)!, depth: MemoryLayout<MutatorState>.offset(of: \.depth)!,
        capacity: MemoryLayout<MutatorState>.offset(of: \.capacity)!,
        owner: MemoryLayout<MutatorState>.offset(of: \.owner)!, active: MemoryLayout<MutatorState>.offset(of: \.active)!,
        size: MemoryLayout<MutatorState>.size)
}

extension Heap {
    /// Attaches the calling thread and returns its mutator. Traps if the
    /// thread already has one (the creating thread has the heap's own).
    public func attach() -> Mutator<B> {
        safepoints.lock()
        defer { safepoints.unlock() }
        safepoints.waitWhileCollecting()
        let me = currentThread()
        for i in 0..<mutators.count {
            precondition(mutators[i].pointee.owner != me, "this thread is already attached to the heap (the creating thread uses the heap's own methods)")
        }
        let m = MutatorState.make(owner: me)
        mutators.append(m)
        safepoints.becameActive()
        return Mutator(heap: self, state: m)
    }

    /// The main mutator's safepoint poll.
    @inlinable @inline(__always)
    public func safepoint() { safepoint(mutator) }

    /// The main mutator's state, as `Mutator.fastPathState`.
    public var fastPathState: UnsafeMutableRawPointer { UnsafeMutableRawPointer(mutator) }

    /// The main mutator's deactivate and activate (see `Mutator`).
    public func deactivate() { deactivate(mutator) }
    public func activate() { activate(mutator) }

    /// Runs `body` with the main mutator inactive (see `Mutator.inactive`).
    public func inactive<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        deactivate()
        defer { activate() }
        return try body()
    }

    @inlinable @inline(__always)
    func safepoint(_ m: UnsafeMutablePointer<MutatorState>) {
        if safepoints.requested.load(ordering: .relaxed) { parkIfCollecting(m) }
    }

    @usableFromInline
    func parkIfCollecting(_ m: UnsafeMutablePointer<MutatorState>) {
        do { try checkOwner(m) } catch { preconditionFailure("safepoint() on an inactive mutator") }
        safepoints.locked { if safepoints.collecting { safepoints.park() } }
    }

    func deactivate(_ m: UnsafeMutablePointer<MutatorState>) {
        do { try checkOwner(m) } catch { preconditionFailure("deactivate() on a mutator that is already inactive") }
        safepoints.locked {
            m.pointee.active = false
            safepoints.becameInactive()
        }
    }

    func activate(_ m: UnsafeMutablePointer<MutatorState>) {
        checkThread(m)
        precondition(!m.pointee.active, "activate() on a mutator that is already active")
        safepoints.locked {
            safepoints.waitWhileCollecting()
            m.pointee.active = true
            safepoints.becameActive()
        }
    }

    func detach(_ m: UnsafeMutablePointer<MutatorState>) {
        precondition(m != mutator, "the heap's main mutator cannot detach")
        do { try checkOwner(m) } catch { preconditionFailure("detach() on an inactive mutator: activate() first") }
        safepoints.locked {
            if safepoints.collecting { safepoints.park() }
            retireBuffer(m)
            m.pointee.depth = 0
            m.pointee.owner = 0
            m.pointee.active = false
            for i in 0..<mutators.count where mutators[i] == m {
                mutators[i] = mutators[mutators.count - 1]
                _ = mutators.popLast()
                break
            }
            detachedMutators.append(m)
            safepoints.becameInactive()
        }
    }

    /// Attached mutators, active or not (the main one included).
    public var attachedThreads: Int { safepoints.locked { mutators.count } }
}
