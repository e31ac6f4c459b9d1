import GCHeap

/// Weak boxes, ephemerons and guardians, as Chez Scheme and Guile spell them.
///
/// The objects are the heap's own (`allocateWeakBox`, `allocateEphemeron`),
/// so the collector decides their fate and the interpreter only reads them;
/// a cleared field (the heap's nil) reads as `#f`, as Guile's do. A guardian
/// is a procedure object whose data is the heap guardian's handle: `(g obj)`
/// registers, `(g)` pops or returns `#f`. Heap guardians are not themselves
/// collected, so the interpreter destroys them when it goes (`guardians`).
extension Interpreter {
    func installWeakPrimitives(_ def: (String, Arity, @escaping Body) -> Void) {
        def("make-weak-box", .exactly(1)) { s, b, _ in
            Value(try s.heapCall { () throws(HeapError) in try s.heap.allocateWeakBox(target: s.arg(b, 0), tag: Kind.weakBox.rawValue) })
        }
        def("weak-box?", .exactly(1)) { s, b, _ in Imm.bool(s.kind(s.arg(b, 0)) == .weakBox) }
        def("weak-box-value", .exactly(1)) { s, b, _ in
            let box = try s.checked(s.arg(b, 0), .weakBox, "weak-box-value")
            return s.orFalse(try s.heapCall { () throws(HeapError) in try s.heap.weakTarget(box) })
        }
        def("set-weak-box-value!", .exactly(2)) { s, b, _ in
            let box = try s.checked(s.arg(b, 0), .weakBox, "set-weak-box-value!")
            try s.heapCall { () throws(HeapError) in try s.heap.setWeakTarget(box, s.arg(b, 1)) }
            return Imm.unspecified
        }
        def("make-ephemeron", .exactly(2)) { s, b, _ in
            guard s.arg(b, 0).ref != nil else { throw SchemeError("make-ephemeron: the key must be a heap object, not \(s.write(s.arg(b, 0)))") }
            return Value(try s.heapCall { () throws(HeapError) in
                try s.heap.allocateEphemeron(key: s.arg(b, 0), value: s.arg(b, 1), tag: Kind.ephemeron.rawValue)
            })
        }
        def("ephemeron?", .exactly(1)) { s, b, _ in Imm.bool(s.kind(s.arg(b, 0)) == .ephemeron) }
        for (name, field) in [("ephemeron-key", 0), ("ephemeron-value", 1)] {
            def(name, .exactly(1)) { s, b, _ in
                let e = try s.checked(s.arg(b, 0), .ephemeron, name)
                let entry = try s.heapCall { () throws(HeapError) in try s.heap.ephemeronEntry(e) }
                return s.orFalse(field == 0 ? entry.key : entry.value)
            }
        }
        def("make-guardian", .exactly(0)) { s, _, _ in
            let g = s.heap.makeGuardian()
            s.guardians.append(g)
            let o = try s.allocate(pointers: 0, bytes: 8, .guardian)
            s.heap.withData(o) { $0.storeBytes(of: g.rawValue, as: UInt64.self) }
            return Value(o)
        }
        def("gc", .exactly(0)) { s, _, _ in
            try s.heapCall { () throws(HeapError) in try s.heap.collectMajor() }
            return Imm.unspecified
        }
    }

    /// `(g obj)` registers `obj` with guardian `g`; `(g)` pops the earliest
    /// registration found unreachable, or returns `#f`.
    func callGuardian(_ proc: Value, argBase: Int, count: Int) throws -> Value {
        let g = Guardian(rawValue: heap.withData(proc.ref!) { $0.load(as: UInt64.self) })
        switch count {
        case 0: return orFalse(Value(try heapCall { () throws(HeapError) in try heap.popReady(g) }))
        case 1:
            guard let object = heap.stackSlot(argBase).ref else {
                throw SchemeError("guardian: only heap objects can be guarded, not \(write(heap.stackSlot(argBase)))")
            }
            try heapCall { () throws(HeapError) in try heap.register(object, with: g) }
            return Imm.unspecified
        default: throw SchemeError("wrong number of arguments to a guardian: got \(count), expected 0 (pop) or 1 (register)")
        }
    }

    func checked(_ v: Value, _ expected: Kind, _ who: String) throws -> ObjectRef {
        guard kind(v) == expected else {
            throw SchemeError("\(who): not \(expected == .weakBox ? "a weak box" : "an ephemeron"): \(write(v))")
        }
        return v.ref!
    }

    /// The heap's nil (a cleared weak field, no ready object) as `#f`.
    func orFalse(_ v: Value) -> Value { v.isNull ? Imm.falseValue : v }

    /// A heap call whose error becomes the program's error.
    func heapCall<R>(_ body: () throws(HeapError) -> R) throws -> R {
        do { return try body() } catch { throw SchemeError("\(error)") }
    }
}
