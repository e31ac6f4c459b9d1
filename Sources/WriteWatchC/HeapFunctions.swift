#if canImport(Glibc)
import Glibc
#endif
import CWriteWatchAPI
import GCHeap
import WriteWatch

// The heap half of writewatch.h. Each function checks its handles and
// arguments, then makes one call into the heap specialised for its barrier.
// Names are the C names; the Swift names differ only so that they do not
// shadow the header's declarations inside this module.

let heaps = HandleTable<HeapHandle>("heap", capacity: 1 << 10)

let mutators = HandleTable<MutatorHandle>("mutator", capacity: 1 << 14)

/// The mutator table's slots, read on every call from C. Through the
/// global `let`, each read would pay swift_once and a retain of the table;
/// this copy is statically initialised (empty, finding nothing) and set
/// once, before the first mutator handle is issued.
nonisolated(unsafe) var mutatorSlots = HandleSlots<MutatorHandle>(capacity: 0, states: nil, objects: nil)
private let publishMutatorSlots: Void = { mutatorSlots = mutators.slots }()

/// Adds a mutator handle (publishing the slots first).
func addMutator(_ m: MutatorHandle) throws(APIError) -> UInt64 {
    _ = publishMutatorSlots
    return try mutators.add(m)
}

/// Runs `body` on the live mutator behind `m`, with no retain or release.
@inline(__always)
func withMutator(_ m: ww_mutator, _ body: (MutatorHandle) throws(APIError) -> Void) -> ww_status {
    withHandle(mutatorSlots, m.id, "mutator", body)
}

@inline(__always)
func withHeap(_ h: ww_heap, _ body: (HeapHandle) throws(APIError) -> Void) -> ww_status {
    withHandle(heaps.slots, h.id, heaps.what, body)
}

// MARK: - Heap

@_cdecl("ww_heap_options_init")
public func cHeapOptionsInit(_ options: UnsafeMutablePointer<ww_heap_options>?) {
    guard let options else { return }
    let d = HeapConfiguration()
    options.pointee = ww_heap_options(
        size: UInt32(MemoryLayout<ww_heap_options>.size), promotion_age: UInt32(d.promotionAge),
        barrier: cString("auto"), nursery_bytes: 0, heap_limit_bytes: UInt64(d.heapLimitBytes),
        allocation_buffer_bytes: UInt64(d.allocationBufferBytes), reserved: 0,
        major_mode: UInt32(WW_MAJOR_STOP_THE_WORLD), card_bytes: UInt32(d.cardBytes),
        poison_freed_memory: d.poisonFreedMemory ? 1 : 0, stall_report_ms: UInt32(d.stallReportMilliseconds))
}

/// Reads the options into a configuration, naming the first bad field.
func configuration(_ o: ww_heap_options) throws(APIError) -> (HeapConfiguration, String) {
    guard o.size == MemoryLayout<ww_heap_options>.size else {
        throw .invalidArgument("options.size is \(o.size), not \(MemoryLayout<ww_heap_options>.size): fill the options with ww_heap_options_init first")
    }
    func int(_ x: UInt64, _ name: String) throws(APIError) -> Int {
        guard let v = Int(exactly: x) else { throw .invalidArgument("options.\(name) is \(x): too large") }
        return v
    }
    var c = HeapConfiguration()
    // 0, the default: the policy derives the nursery from the limit.
    c.nurseryBytes = o.nursery_bytes == 0 ? nil : try int(o.nursery_bytes, "nursery_bytes")
    c.heapLimitBytes = try int(o.heap_limit_bytes, "heap_limit_bytes")
    c.allocationBufferBytes = try int(o.allocation_buffer_bytes, "allocation_buffer_bytes")
    c.promotionAge = Int(o.promotion_age)
    c.cardBytes = Int(o.card_bytes)
    c.poisonFreedMemory = o.poison_freed_memory != 0
    c.stallReportMilliseconds = Int(o.stall_report_ms)
    guard o.reserved == 0 else { throw .invalidArgument("options.reserved is \(o.reserved): it must be 0 (fill the options with ww_heap_options_init)") }
    c.maskedTrackerFeatures = TestingKnobs.maskedKernelFeatures.load(ordering: .relaxed)
    switch Int(o.major_mode) {
    case Int(WW_MAJOR_STOP_THE_WORLD): c.majorMode = .stopTheWorld
    case Int(WW_MAJOR_CONCURRENT): c.majorMode = .concurrent
    default:
        throw .invalidArgument("options.major_mode is \(o.major_mode): use WW_MAJOR_STOP_THE_WORLD or WW_MAJOR_CONCURRENT")
    }
    guard let name = o.barrier else { throw .null("options.barrier") }
    return (c, String(cString: name))
}

/// Builds the heap for a barrier chosen at run time, specialised for it.
struct MakeHeap: BarrierVisitor {
    let configuration: HeapConfiguration
    let notice: String?
    func visit<B: Barrier>(_ barrier: B.Type) throws -> HeapHandle {
        HeapHandle.make(try Heap<B>(configuration: configuration), notice: notice)
    }
}

@_cdecl("ww_heap_create")
public func cHeapCreate(_ options: UnsafePointer<ww_heap_options>?, _ heapOut: UnsafeMutablePointer<ww_heap>?,
                        _ mutatorOut: UnsafeMutablePointer<ww_mutator>?) -> ww_status {
    api { () throws(APIError) in
        guard let heapOut else { throw .null("heap") }
        guard let mutatorOut else { throw .null("mutator") }
        var o = ww_heap_options()
        if let options { o = options.pointee } else { cHeapOptionsInit(&o) }
        let (config, name) = try configuration(o)
        let probe = Probe.run(maskedFeatures: config.maskedTrackerFeatures)
        guard let (kind, notice) = BarrierKind.parse(name, probe: probe) else {
            let names = (["auto"] + BarrierKind.allCases.map(\.rawValue)).joined(separator: ", ")
            throw .invalidArgument("unknown barrier \"\(name)\": use one of \(names)")
        }
        let handle: HeapHandle
        do { handle = try kind.accept(MakeHeap(configuration: config, notice: notice)) } catch let error as HeapError {
            throw .heap(error)
        } catch { throw .invalidArgument("\(error)") }
        let heapID = try heaps.add(handle)
        do throws(APIError) { handle.mainMutatorID = try addMutator(handle.main) } catch {
            try? heaps.remove(heapID)
            throw error
        }
        heapOut.pointee = ww_heap(id: heapID)
        mutatorOut.pointee = ww_mutator(id: handle.mainMutatorID)
    }
}

@_cdecl("ww_heap_destroy")
public func cHeapDestroy(_ heap: ww_heap) -> ww_status {
    api { () throws(APIError) in
        let handle = try heaps.get(heap.id).takeUnretainedValue()
        let others = handle.attachedCount - 1
        guard others == 0 else {
            throw .busy("\(others) other thread(s) still attached: each must ww_detach before the heap is destroyed")
        }
        try mutators.remove(handle.mainMutatorID)
        try heaps.remove(heap.id)
    }
}

@_cdecl("ww_heap_barrier")
public func cHeapBarrier(_ heap: ww_heap, _ out: UnsafeMutablePointer<ww_barrier>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in try output(out, "barrier", h.barrier) }
}

@_cdecl("ww_heap_stats_get")
public func cHeapStats(_ heap: ww_heap, _ out: UnsafeMutablePointer<ww_heap_stats>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in try output(out, "stats", h.statistics()) }
}

@_cdecl("ww_heap_verify")
public func cHeapVerify(_ heap: ww_heap, _ problems: UnsafeMutablePointer<Int>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in
        try h.main.checkActive()
        let found = h.verify()
        problems?.pointee = found.count
        if !found.isEmpty { throw .verifyFailed(found) }
    }
}

// MARK: - Threads

@_cdecl("ww_attach")
public func cAttach(_ heap: ww_heap, _ out: UnsafeMutablePointer<ww_mutator>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in
        guard let out else { throw .null("mutator") }
        let m = try h.makeMutator()
        do throws(APIError) { out.pointee = ww_mutator(id: try addMutator(m)) } catch {
            m.ops.detach()
            h.noteDetach(m.owner)
            throw error
        }
    }
}

@_cdecl("ww_detach")
public func cDetach(_ mutator: ww_mutator) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        guard !m.isMain else {
            throw .invalidArgument("the creating thread's mutator cannot detach: ww_heap_destroy ends it")
        }
        m.ops.detach()
        m.home.noteDetach(m.owner)
        try mutators.remove(mutator.id)
    }
}

@_cdecl("ww_safepoint")
public func cSafepoint(_ mutator: ww_mutator) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        m.ops.safepoint()
    }
}

@_cdecl("ww_deactivate")
public func cDeactivate(_ mutator: ww_mutator) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        m.ops.deactivate()
        m.active = false
    }
}

@_cdecl("ww_activate")
public func cActivate(_ mutator: ww_mutator) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkThread()
        guard !m.active else { throw .invalidArgument("ww_activate on a mutator that is already active") }
        m.ops.activate()
        m.active = true
    }
}

// MARK: - Objects

@_cdecl("ww_allocate")
public func cAllocate(_ mutator: ww_mutator, _ pointers: Int, _ bytes: Int, _ tag: UInt32,
                      _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        guard let out else { throw .null("object") }
        try m.checkActive()
        // size_t arrives as Int: a huge count reads negative, so name it as
        // the caller wrote it.
        for (count, name) in [(pointers, "pointers"), (bytes, "bytes")] where UInt(bitPattern: count) > UInt(Int32.max) {
            throw .invalidArgument("cannot allocate: \(name) is \(UInt(bitPattern: count)), at most 2147483647 (2^31-1)")
        }
        out.pointee = try heapCall { () throws(HeapError) in try m.ops.allocate(pointers, bytes, tag) }
    }
}

/// The checks of the checked accessors: an object of this heap, and a
/// field inside it.
func checkField(_ m: MutatorHandle, _ object: ww_value, _ field: Int) throws(APIError) {
    try m.home.checkObject(object)
    let count = Int(ww_pointer_count(object))
    guard UInt(bitPattern: field) < UInt(count) else {
        throw .invalidArgument("field \(UInt(bitPattern: field)) is out of range: the object has \(count) pointer fields")
    }
}

@_cdecl("ww_load_checked")
public func cLoadChecked(_ mutator: ww_mutator, _ object: ww_value, _ field: Int,
                         _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        try checkField(m, object, field)
        try output(out, "value", ww_load(object, field))
    }
}

@_cdecl("ww_store_checked")
public func cStoreChecked(_ mutator: ww_mutator, _ object: ww_value, _ field: Int, _ value: ww_value) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        try checkField(m, object, field)
        try m.home.checkValue(value, "value")
        // A weak box is set with ww_weak_set; an ephemeron's key must stay an object.
        let kind = m.ops.kind(object)
        guard kind == .plain else { throw .heap(.wrongObjectKind(expected: .plain, found: kind)) }
        m.ops.store(object, field, value)
    }
}

@_cdecl("ww_collect_minor")
public func cCollectMinor(_ mutator: ww_mutator) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkThread()
        try heapCall { () throws(HeapError) in try m.ops.collect(false) }
    }
}

@_cdecl("ww_collect_major")
public func cCollectMajor(_ mutator: ww_mutator) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkThread()
        try heapCall { () throws(HeapError) in try m.ops.collect(true) }
    }
}

@_cdecl("ww_mutator_fast_path")
public func cMutatorFastPath(_ mutator: ww_mutator, _ out: UnsafeMutablePointer<UnsafeMutablePointer<ww_mutator_fast>?>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkThread()
        guard fastPathLayoutMatches else {
            throw .unsupported("this library's mutator layout does not match the ww_mutator_fast of its writewatch.h: build against the header the library was built with, or use the called functions")
        }
        try output(out, "fast", m.ops.fastPathState.assumingMemoryBound(to: ww_mutator_fast.self))
    }
}

// MARK: - Shadow stack

@_cdecl("ww_push")
public func cPush(_ mutator: ww_mutator, _ value: ww_value) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        m.ops.push(value)
    }
}

@_cdecl("ww_pop")
public func cPop(_ mutator: ww_mutator, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        guard let v = m.ops.pop() else { throw .invalidArgument("ww_pop on an empty shadow stack") }
        out?.pointee = v
    }
}

@_cdecl("ww_peek")
public func cPeek(_ mutator: ww_mutator, _ depth: Int, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        guard let out else { throw .null("value") }
        guard let v = m.ops.peek(depth) else {
            throw .invalidArgument("ww_peek at depth \(UInt(bitPattern: depth)): the shadow stack holds \(m.ops.depth()) value(s)")
        }
        out.pointee = v
    }
}

@_cdecl("ww_stack_depth")
public func cStackDepth(_ mutator: ww_mutator, _ out: UnsafeMutablePointer<Int>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkThread()
        try output(out, "depth", m.ops.depth())
    }
}

@_cdecl("ww_stack_get")
public func cStackGet(_ mutator: ww_mutator, _ index: Int, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        try m.checkSlot(index, "ww_stack_get")
        try output(out, "value", m.ops.slot(index))
    }
}

@_cdecl("ww_stack_set")
public func cStackSet(_ mutator: ww_mutator, _ index: Int, _ value: ww_value) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        try m.checkSlot(index, "ww_stack_set")
        m.ops.setSlot(index, value)
    }
}

@_cdecl("ww_stack_truncate")
public func cStackTruncate(_ mutator: ww_mutator, _ depth: Int) -> ww_status {
    withMutator(mutator) { m throws(APIError) in
        try m.checkActive()
        _ = try m.depth(atLeast: depth, "ww_stack_truncate to \(UInt(bitPattern: depth))")
        m.ops.truncate(depth)
    }
}

// MARK: - Roots

@_cdecl("ww_root_create")
public func cRootCreate(_ heap: ww_heap, _ value: ww_value, _ out: UnsafeMutablePointer<ww_root>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in
        guard let out else { throw .null("root") }
        try h.checkValue(value, "value")
        out.pointee = ww_root(id: h.makeRoot(value))
    }
}

@_cdecl("ww_root_get")
public func cRootGet(_ heap: ww_heap, _ root: ww_root, _ out: UnsafeMutablePointer<ww_value>?) -> ww_status {
    withHeap(heap) { h throws(APIError) in try output(out, "value", try heapCall { () throws(HeapError) in try h.root(root.id) }) }
}

@_cdecl("ww_root_set")
public func cRootSet(_ heap: ww_heap, _ root: ww_root, _ value: ww_value) -> ww_status {
    withHeap(heap) { h throws(APIError) in
        try h.checkValue(value, "value")
        try heapCall { () throws(HeapError) in try h.setRoot(root.id, value) }
    }
}

@_cdecl("ww_root_release")
public func cRootRelease(_ heap: ww_heap, _ root: ww_root) -> ww_status {
    withHeap(heap) { h throws(APIError) in try heapCall { () throws(HeapError) in try h.releaseRoot(root.id) } }
}

// MARK: - Heaps created in Swift

/// C handles for a heap created in Swift, so that C code linked into the
/// same program (a runtime's C extensions, gcbench's gcbench-c workload)
/// can use it through writewatch.h. Call it on the heap's creating thread:
/// its main mutator becomes the returned `ww_mutator`. `ww_heap_destroy`
/// ends the handles; the heap itself lives on while Swift holds it. Nil if
/// the handle tables are full.
public func adopt<B: Barrier>(_ heap: Heap<B>) -> (heap: ww_heap, mutator: ww_mutator)? {
    // Through the visitor, so that the handle's operations are specialised
    // for the concrete barrier even though this function is generic.
    guard let handle = (try? B.kind.accept(Adopt(heap: heap))) ?? nil else { return nil }
    guard let heapID = try? heaps.add(handle) else { return nil }
    guard let mutatorID = try? addMutator(handle.main) else {
        try? heaps.remove(heapID)
        return nil
    }
    handle.mainMutatorID = mutatorID
    return (ww_heap(id: heapID), ww_mutator(id: mutatorID))
}

private struct Adopt: BarrierVisitor {
    let heap: AnyObject
    func visit<C: Barrier>(_ barrier: C.Type) -> HeapHandle? {
        (heap as? Heap<C>).map { HeapHandle.make($0, notice: nil) }
    }
}
