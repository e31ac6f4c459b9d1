/// The embedder's calls for weak boxes, ephemerons and guardians.
///
/// A weak box and an ephemeron are heap objects of their own kind
/// (`ObjectKind`), allocated young like any other and moved like any
/// other; their fields are read and set only through these calls, which
/// check the kind. Setting a weak box is a pointer store through the
/// barrier, so an old box set to a young target is found by every barrier
/// (WeakReferences.swift). Guardians live off the heap, behind handles.
extension MutatorAPI {
    /// Allocates a weak box holding `target` (an object, nil or an
    /// immediate), which the box does not keep alive. May collect; keeps
    /// `target` alive and up to date across it. `tag` is the embedder's word.
    public func allocateWeakBox(target: Value, tag: UInt32 = 0) throws(HeapError) -> ObjectRef {
        push(target)
        let box: ObjectRef
        do { box = try allocate(pointers: 1, bytes: 0, tag: tag) } catch {
            pop()
            throw error
        }
        let t = pop()
        Layout.setKind(box.address, .weakBox)
        store(box, 0, t)
        return box
    }

    /// Allocates an ephemeron: `value` is kept alive only while `key` (an
    /// object) is alive by other paths; once the key is found dead both read
    /// nil. May collect; keeps both alive and up to date across it.
    public func allocateEphemeron(key: Value, value: Value, tag: UInt32 = 0) throws(HeapError) -> ObjectRef {
        guard key.ref != nil else { throw .notAnObject(what: "an ephemeron's key") }
        push(key)
        push(value)
        let e: ObjectRef
        do { e = try allocate(pointers: 2, bytes: 0, tag: tag) } catch {
            truncateStack(to: stackDepth - 2)
            throw error
        }
        let v = pop(), k = pop()
        Layout.setKind(e.address, .ephemeron)
        store(e, 0, k)
        store(e, 1, v)
        return e
    }
}

extension Heap {
    /// The kind of `object`.
    public func kind(of object: ObjectRef) -> ObjectKind { Layout.kind(object.address) }

    private func check(_ object: ObjectRef, is kind: ObjectKind) throws(HeapError) {
        let found = Layout.kind(object.address)
        guard found == kind else { throw .wrongObjectKind(expected: kind, found: found) }
    }

    /// A weak box's target: the object while it is alive, nil once a
    /// collection has found it unreachable.
    public func weakTarget(_ box: ObjectRef) throws(HeapError) -> Value {
        try check(box, is: .weakBox)
        return Value(bits: Layout.slot(box.address, 0).pointee)
    }

    /// Sets a weak box's target (a pointer store, through the barrier).
    public func setWeakTarget(_ box: ObjectRef, _ target: Value) throws(HeapError) {
        try check(box, is: .weakBox)
        store(box, 0, target)
    }

    /// An ephemeron's key and value: both nil once its key was found dead.
    public func ephemeronEntry(_ ephemeron: ObjectRef) throws(HeapError) -> (key: Value, value: Value) {
        try check(ephemeron, is: .ephemeron)
        return (Value(bits: Layout.slot(ephemeron.address, 0).pointee), Value(bits: Layout.slot(ephemeron.address, 1).pointee))
    }

    /// A new guardian, with nothing registered.
    public func makeGuardian() -> Guardian { safepoints.locked { weak.guardians.create() } }

    /// Registers `object` with `guardian`: when a collection finds it
    /// unreachable it is kept, and queued for `popReady`. Registering again
    /// registers again (it comes back once per registration).
    public func register(_ object: ObjectRef, with guardian: Guardian) throws(HeapError) {
        try safepoints.locked { () throws(HeapError) in
            guard weak.guardians.isLive(guardian) else { throw .staleGuardian }
            weak.guardians.register(object.address, with: guardian, young: isYoung(object.address))
        }
    }

    /// The earliest-registered object that a collection found unreachable
    /// and that was not popped yet (a strong reference again), or nil.
    /// Valid like any `ObjectRef`: until this thread's next allocation or
    /// safepoint.
    public func popReady(_ guardian: Guardian) throws(HeapError) -> ObjectRef? {
        try safepoints.locked { () throws(HeapError) in
            guard weak.guardians.isLive(guardian) else { throw .staleGuardian }
            return weak.guardians.pop(guardian).map { ObjectRef(address: $0) }
        }
    }

    /// The ready objects not yet popped, earliest registration first,
    /// without popping them (for dumps and debugging).
    public func readyObjects(_ guardian: Guardian) throws(HeapError) -> [ObjectRef] {
        try safepoints.locked { () throws(HeapError) in
            guard weak.guardians.isLive(guardian) else { throw .staleGuardian }
            return weak.guardians.readyObjects(guardian).map { ObjectRef(address: $0) }
        }
    }

    /// Ready registrations not yet popped.
    public func readyCount(_ guardian: Guardian) throws(HeapError) -> Int {
        try safepoints.locked { () throws(HeapError) in
            guard weak.guardians.isLive(guardian) else { throw .staleGuardian }
            return weak.guardians.readyCount(guardian)
        }
    }

    /// Destroys `guardian`: its registrations and ready queue are dropped
    /// (the objects are ordinary objects again) and the handle goes stale.
    public func destroyGuardian(_ guardian: Guardian) throws(HeapError) {
        try safepoints.locked { () throws(HeapError) in
            guard weak.guardians.isLive(guardian) else { throw .staleGuardian }
            weak.guardians.destroy(guardian)
        }
    }
}
