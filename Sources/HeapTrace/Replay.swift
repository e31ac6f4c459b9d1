import GCHeap

/// Why a replay stopped.
public enum ReplayError: Error, CustomStringConvertible {
    /// The trace breaks the format's rules (exit status 2).
    case malformed(TraceError)
    /// The heap ran out (exit status 1).
    case heapExhausted(line: Int, limitBytes: Int)
    /// The verifier found the heap broken (exit status 1).
    case verifyFailed(line: Int?, failures: [String])
    /// Anything else the heap reported.
    case heap(line: Int, HeapError)

    public var description: String {
        switch self {
        case let .malformed(e): "\(e)"
        case let .heapExhausted(line, limit): "line \(line): heap exhausted (\(limit) bytes)"
        case let .verifyFailed(line, failures):
            (line.map { "line \($0): " } ?? "") + "verify failed: " + failures.joined(separator: "; ")
        case let .heap(line, e): "line \(line): \(e)"
        }
    }

    public var exitStatus: Int32 {
        if case .malformed = self { return 2 }
        return 1
    }
}

/// Runs a trace on a heap. Trace IDs are kept in the objects' embedder tag,
/// so the dump can name any reachable object, not only roots.
public final class Replayer<B: Barrier> {
    public let heap: Heap<B>
    private var roots: [Int: Root] = [:]
    private var guardians: [String: Guardian] = [:]
    /// The independent model, run in lockstep.
    public private(set) var model = TraceModel()
    /// Compare the heap's reachable graph with the model's after every
    /// collection (the differential tests do; it costs a walk of the heap).
    public var checkAfterEveryCollection = false
    /// Run `major` as the start of a concurrent major collection (the heap
    /// in concurrent mode), or as its end if one is under way: the trace
    /// goes on between them while the marker runs.
    public var majorStartsConcurrent = false
    /// Called before each line runs (for tests that watch the heap's state).
    public var beforeEachLine: ((TraceLine) -> Void)?
    /// Collections after which the heap's graph was compared with the model's.
    public private(set) var comparisons = 0

    public init(heap: Heap<B>) { self.heap = heap }

    /// Checks the whole trace against the model first, so a malformed trace
    /// is rejected before anything runs; then runs it on the heap.
    public func run(_ lines: [TraceLine]) throws(ReplayError) {
        var check = TraceModel()
        for line in lines {
            do { try check.apply(line) } catch { throw .malformed(error) }
        }
        for line in lines {
            beforeEachLine?(line)
            try step(line)
        }
    }

    /// A root the model says exists; if the heap lost it, the heap is broken.
    private func root(_ id: Int, _ line: Int) throws(ReplayError) -> ObjectRef {
        guard let r = roots[id], let object = try? heap.object(r) else {
            throw .verifyFailed(line: line, failures: ["the heap lost root \(id), which the trace model still holds"])
        }
        return object
    }

    private func compareWithModel(_ line: Int) throws(ReplayError) {
        comparisons += 1
        let failures = heap.verify()
        if !failures.isEmpty { throw .verifyFailed(line: line, failures: failures) }
        let expected = model.dump()
        let actual = heapDump()
        if actual != expected {
            let e = expected.split(separator: "\n"), a = actual.split(separator: "\n")
            let first = zip(e, a).first { $0 != $1 }.map { "expected '\($0.0.prefix(120))', heap has '\($0.1.prefix(120))'" }
                ?? "expected \(e.count) reachable objects, heap has \(a.count)"
            throw .verifyFailed(line: line, failures: ["heap graph differs from the model: \(first)"])
        }
        model.collect()
    }

    /// One command on the heap. The model has already accepted it, so every
    /// ID named is a root and every index in range: any disagreement from
    /// here on is the heap's fault.
    private func step(_ t: TraceLine) throws(ReplayError) {
        let line = t.line
        do { try model.apply(t) } catch { throw .malformed(error) }
        func heapCall<R>(_ body: () throws(HeapError) -> R) throws(ReplayError) -> R {
            do { return try body() } catch {
                if case let .heapExhausted(_, limit) = error { throw .heapExhausted(line: line, limitBytes: limit) }
                throw .heap(line: line, error)
            }
        }
        switch t.command {
        case let .alloc(id, pointers, bytes):
            let object = try heapCall { () throws(HeapError) in try heap.allocate(pointers: pointers, bytes: bytes, tag: UInt32(id)) }
            roots[id] = heap.makeRoot(object)
        case let .set(id, field, target):
            let object = try root(id, line)
            let value = try target.map { (t) throws(ReplayError) in Value(try root(t, line)) } ?? .null
            heap.store(object, field, value)
        case let .get(id, field):
            let object = try root(id, line)
            let expected = model.objects[id]!.fields[field]!
            guard let target = heap.load(object, field).ref, heap.isPlausible(target), Int(heap.tag(target)) == expected else {
                throw .verifyFailed(line: line, failures: ["field \(field) of object \(id) should hold object \(expected); the heap lost it"])
            }
            if roots[expected] == nil { roots[expected] = heap.makeRoot(target) }
        case let .poke(id, offset, byte):
            let object = try root(id, line)
            try heapCall { () throws(HeapError) in try heap.storeByte(object, offset, UInt8(byte)) }
        case let .drop(id):
            let r = roots.removeValue(forKey: id)!
            try heapCall { () throws(HeapError) in try heap.release(r) }
        case .minor:
            try heapCall { () throws(HeapError) in try heap.collectMinor() }
            // With weak lines the model is exact only at majors (young
            // objects may be decided by a minor first): verify only.
            if checkAfterEveryCollection {
                if model.usesWeakLines { try verifyHeap(line) } else { try compareWithModel(line) }
            }
        case .major where model.usesWeakLines:
            try heapCall { () throws(HeapError) in try completeMajor() }
            if checkAfterEveryCollection { try compareWithModel(line) }
        case .major:
            if majorStartsConcurrent && !heap.isMarking {
                try heapCall { () throws(HeapError) in try heap.startConcurrentMajor() }
            } else {
                try heapCall { () throws(HeapError) in try heap.collectMajor() }
            }
            if checkAfterEveryCollection { try compareWithModel(line) }
        case .verify:
            try verifyHeap(line)
        case let .weak(id, target):
            let t = Value(try root(target, line))
            let box = try heapCall { () throws(HeapError) in try heap.allocateWeakBox(target: t, tag: UInt32(id)) }
            roots[id] = heap.makeRoot(box)
        case let .weakset(id, target):
            let box = try root(id, line)
            let value = try target.map { (t) throws(ReplayError) in Value(try root(t, line)) } ?? .null
            try heapCall { () throws(HeapError) in try heap.setWeakTarget(box, value) }
        case let .ephemeron(id, key, value):
            let k = Value(try root(key, line))
            let v = try value.map { (t) throws(ReplayError) in Value(try root(t, line)) } ?? .null
            let e = try heapCall { () throws(HeapError) in try heap.allocateEphemeron(key: k, value: v, tag: UInt32(id)) }
            roots[id] = heap.makeRoot(e)
        case let .guardian(name):
            guardians[name] = heap.makeGuardian()
        case let .guardObject(name, id):
            let object = try root(id, line)
            try heapCall { () throws(HeapError) in try heap.register(object, with: guardians[name]!) }
        case let .pop(name, id):
            let popped = try heapCall { () throws(HeapError) in try heap.popReady(guardians[name]!) }
            guard let popped, heap.isPlausible(popped), Int(heap.tag(popped)) == id else {
                throw .verifyFailed(line: line, failures: ["guardian \(name) should give back object \(id); the heap gave \(popped.map { "object \(heap.tag($0))" } ?? "nothing")"])
            }
            if let r = roots[id] { try heapCall { () throws(HeapError) in try heap.set(r, Value(popped)) } } else { roots[id] = heap.makeRoot(popped) }
        }
    }

    private func verifyHeap(_ line: Int) throws(ReplayError) {
        let failures = heap.verify()
        if !failures.isEmpty { throw .verifyFailed(line: line, failures: failures) }
    }

    /// A complete major collection. Under concurrent majors: a whole cycle
    /// (its final pause clears what it found dead and queues guardians),
    /// then a stop-the-world major. A cycle takes the young objects as its
    /// roots, so an old object kept only by young garbage floats to the
    /// next cycle, and with it a weak box's target; the model's answer is
    /// exact, so the stop-the-world major completes the cycle's. Whatever
    /// the cycle got wrong the other way (a live target cleared, a
    /// reachable object freed or queued) no later collection can undo, and
    /// the comparison after this line catches it.
    private func completeMajor() throws(HeapError) {
        if heap.configuration.majorMode == .concurrent {
            if !heap.isMarking { try heap.startConcurrentMajor() }
            heap.waitForConcurrentMajor()
        }
        try heap.collectMajor()
    }

    /// The reachable graph in the dump format, after verifying the heap (a
    /// broken heap is reported, not printed).
    public func dump() throws(ReplayError) -> String {
        if model.usesWeakLines {
            do { try completeMajor() } catch { throw .heap(line: 0, error) }
        }
        let failures = heap.verify()
        if !failures.isEmpty { throw .verifyFailed(line: nil, failures: failures) }
        return heapDump()
    }

    private func heapDump() -> String {
        let objects = heap.reachableObjects().map { (Int(heap.tag($0)), $0) }.sorted { $0.0 < $1.0 }
        var out = ""
        for (id, object) in objects {
            let fields = (0..<heap.pointerCount(object)).map { f -> String in
                heap.load(object, f).ref.map { String(heap.tag($0)) } ?? "-"
            }
            switch heap.kind(of: object) {
            case .plain:
                out += "\(id): [" + fields.joined(separator: " ") + "]"
                heap.withData(object) { data in if !data.isEmpty { out += " " + hex(data) } }
            case .weakBox: out += "\(id): weak \(fields[0])"
            case .ephemeron: out += "\(id): ephemeron \(fields[0]) \(fields[1])"
            }
            out += "\n"
        }
        for name in guardians.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let ready = (try? heap.readyObjects(guardians[name]!)) ?? []
            out += "guardian \(name):" + ready.map { " \(heap.tag($0))" }.joined() + "\n"
        }
        return out
    }
}
