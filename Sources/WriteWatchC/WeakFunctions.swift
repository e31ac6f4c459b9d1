import CWriteWatchAPI
import GCHeap

// Weak boxes, ephemerons and guardians (writewatch.h, "Weak references";
// the semantics are GCHeap's WeakReferences.swift). Each call checks its
// handles and arguments as the checked accessors do, naming the function
// and the parameter as the header spells them, then makes one call through
// the mutator's operations, specialised for its barrier.

/// Refuses a word that is not an object of this heap of `kind`.
private func checkKind(_ m: MutatorHandle, _ object: ww_value, _ kind: ObjectKind, _ name: String) throws(APIError) {
    try m.home.checkObject(object, name)
    let found = m.ops.kind(object)
    guard found == kind else {
        throw .invalidArgument("\(name) 0x\(String(object, radix: 16)) is \(APIError.cKind(found)), not \(APIError.cKind(kind))")
    }
}

// MARK: - Weak boxes

@_cdecl("ww_weak_create")
public func cWeakCreate(_ mutator: ww_mutator, _ target: ww_value, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        guard let out else { throw .null("ww_weak_create: box") }
        try m.checkActive()
        try m.home.checkValue(target, "ww_weak_create: target")
        out.pointee = try heapCall { () throws(HeapError) in try m.ops.allocateWeakBox(target) }
    }
}

@_cdecl("ww_weak_get")
public func cWeakGet(_ mutator: ww_mutator, _ box: ww_value, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        guard let out else { throw .null("ww_weak_get: target") }
        try m.checkActive()
        try checkKind(m, box, .weakBox, "ww_weak_get: box")
        out.pointee = try heapCall { () throws(HeapError) in try m.ops.weakTarget(box) }
    }
}

@_cdecl("ww_weak_set")
public func cWeakSet(_ mutator: ww_mutator, _ box: ww_value, _ target: ww_value) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        try checkKind(m, box, .weakBox, "ww_weak_set: box")
        try m.home.checkValue(target, "ww_weak_set: target")
        try heapCall { () throws(HeapError) in try m.ops.setWeakTarget(box, target) }
    }
}

// MARK: - Ephemerons

@_cdecl("ww_ephemeron_create")
public func cEphemeronCreate(_ mutator: ww_mutator, _ key: ww_value, _ value: ww_value,
                             _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        guard let out else { throw .null("ww_ephemeron_create: ephemeron") }
        try m.checkActive()
        try m.home.checkObject(key, "ww_ephemeron_create: key")
        try m.home.checkValue(value, "ww_ephemeron_create: value")
        out.pointee = try heapCall { () throws(HeapError) in try m.ops.allocateEphemeron(key, value) }
    }
}

@_cdecl("ww_ephemeron_get")
public func cEphemeronGet(_ mutator: ww_mutator, _ ephemeron: ww_value, _ keyOut: UnsafeMutablePointer<ww_value>?,
                          _ valueOut: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        guard let keyOut else { throw .null("ww_ephemeron_get: key") }
        guard let valueOut else { throw .null("ww_ephemeron_get: value") }
        try m.checkActive()
        try checkKind(m, ephemeron, .ephemeron, "ww_ephemeron_get: ephemeron")
        let entry = try heapCall { () throws(HeapError) in try m.ops.ephemeronEntry(ephemeron) }
        keyOut.pointee = entry.key
        valueOut.pointee = entry.value
    }
}

// MARK: - Guardians

@_cdecl("ww_guardian_create")
public func cGuardianCreate(_ heap: ww_heap, _ out: UnsafeMutablePointer<ww_guardian>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in
        guard let out else { throw .null("ww_guardian_create: guardian") }
        out.pointee = ww_guardian(id: h.makeGuardian())
    }
}

@_cdecl("ww_guardian_register")
public func cGuardianRegister(_ mutator: ww_mutator, _ guardian: ww_guardian, _ object: ww_value) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        try m.home.checkObject(object, "ww_guardian_register: object")
        try heapCall { () throws(HeapError) in try m.ops.register(object, guardian.id) }
    }
}

@_cdecl("ww_guardian_pop")
public func cGuardianPop(_ mutator: ww_mutator, _ guardian: ww_guardian, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        guard let out else { throw .null("ww_guardian_pop: object") }
        try m.checkActive()
        out.pointee = try heapCall { () throws(HeapError) in try m.ops.popReady(guardian.id) }
    }
}

@_cdecl("ww_guardian_destroy")
public func cGuardianDestroy(_ heap: ww_heap, _ guardian: ww_guardian) -> ww_status {
    withHeap(heap) { h throws(APIError) in
        try heapCall { () throws(HeapError) in try h.destroyGuardian(guardian.id) }
    }
}
