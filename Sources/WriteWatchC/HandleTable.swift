import CWriteWatchAPI
import Synchronization

/// The objects behind one kind of C handle.
///
/// Invariant: a handle is a slot index and the slot's generation, and a
/// slot's generation changes whenever its object is removed, so a handle
/// that was destroyed can never resolve, not even to a newer object that
/// reuses its slot. That is what lets the C API answer "invalid handle"
/// for use after destroy instead of touching freed memory, which a pointer
/// handle cannot do. Id 0 is never issued (the index is stored plus one),
/// so a zeroed handle is invalid too.
///
/// Lookups take no lock (they are on every allocation from C): the slot's
/// state word is loaded with acquire ordering, and an object is stored
/// before its state is published with release. Adding and removing take a
/// mutex. Slots never move, so a lookup racing an add of another slot is
/// safe; one racing the removal of its own slot is the caller's bug, as a
/// use racing free() is.
final class HandleTable<Object: AnyObject>: @unchecked Sendable {
    let slots: HandleSlots<Object>
    let what: String
    private let free = Mutex<(unused: Int, released: [Int])>((0, []))

    var capacity: Int { slots.capacity }
    private var states: UnsafeMutablePointer<Atomic<UInt64>> { slots.states.unsafelyUnwrapped }
    private var objects: UnsafeMutablePointer<Unmanaged<Object>?> { slots.objects.unsafelyUnwrapped }

    init(_ what: String, capacity: Int) {
        self.what = what
        let states = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: capacity)
        for i in 0..<capacity { (states + i).initialize(to: Atomic(0)) }
        let objects = UnsafeMutablePointer<Unmanaged<Object>?>.allocate(capacity: capacity)
        objects.initialize(repeating: nil, count: capacity)
        slots = HandleSlots(capacity: capacity, states: states, objects: objects)
    }

    /// Stores `object` (retained) and returns its handle id.
    func add(_ object: Object) throws(APIError) -> UInt64 {
        let slot = free.withLock { list -> Int? in
            if let i = list.released.popLast() { return i }
            guard list.unused < capacity else { return nil }
            list.unused += 1
            return list.unused - 1
        }
        guard let slot else { throw .tooMany(what, limit: capacity) }
        objects[slot] = Unmanaged.passRetained(object)
        let generation = (states[slot].load(ordering: .relaxed) >> 1) &+ 1
        states[slot].store(generation << 1 | 1, ordering: .releasing)
        return generation << 32 | UInt64(slot + 1)
    }

    @inline(__always)
    func lookup(_ id: UInt64) -> Unmanaged<Object>? { slots.lookup(id) }

    /// Like `lookup`, throwing "invalid handle".
    @inline(__always)
    func get(_ id: UInt64) throws(APIError) -> Unmanaged<Object> {
        guard let object = lookup(id) else { throw .invalidHandle(what) }
        return object
    }

    /// Kills `id` and releases its object.
    func remove(_ id: UInt64) throws(APIError) {
        let object = try get(id)
        let slot = Int(id & 0xffff_ffff) - 1
        states[slot].store((id >> 32) << 1, ordering: .releasing)
        objects[slot] = nil
        free.withLock { $0.released.append(slot) }
        object.release()
    }
}

/// The lookup half of a `HandleTable`: plain pointers, so that a copy held
/// in a global costs no retain and no lazy-initialisation check per call.
/// The empty value (capacity 0) finds nothing.
struct HandleSlots<Object: AnyObject> {
    let capacity: Int
    /// Per slot: generation << 1 | live.
    let states: UnsafeMutablePointer<Atomic<UInt64>>?
    let objects: UnsafeMutablePointer<Unmanaged<Object>?>?

    /// The object behind `id`, unretained; nil if the handle is dead.
    @inline(__always)
    func lookup(_ id: UInt64) -> Unmanaged<Object>? {
        let slot = Int(truncatingIfNeeded: id & 0xffff_ffff) &- 1
        guard slot >= 0, slot < capacity,
              states.unsafelyUnwrapped[slot].load(ordering: .acquiring) == (id >> 32) << 1 | 1 else { return nil }
        return objects.unsafelyUnwrapped[slot]
    }
}

/// One C call on the live object behind handle `id`, with no retain or
/// release: the call's status, "invalid handle" (naming `what`) if the
/// handle is dead.
@inline(__always)
func withHandle<Object: AnyObject>(_ slots: HandleSlots<Object>, _ id: UInt64, _ what: String,
                                   _ body: (Object) throws(APIError) -> Void) -> ww_status {
    guard let object = slots.lookup(id) else {
        return api { () throws(APIError) in throw .invalidHandle(what) }
    }
    return object._withUnsafeGuaranteedRef { o in api { () throws(APIError) in try body(o) } }
}
