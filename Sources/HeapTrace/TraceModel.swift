/// The meaning of a trace without any collector: a plain object graph.
///
/// It is the independent reference for the heap. A replay checks a trace
/// against it before touching the heap (so malformed traces are rejected
/// with their line and nothing run), runs it in lockstep with the heap, and
/// compares the heap's reachable graph with the model's.
///
/// Weak boxes, ephemerons and guardians are decided at `major` lines only,
/// by reachability alone (docs/trace-format.md): strong tracing with
/// ephemerons to a fixpoint, then every registration whose object is
/// unreachable becomes ready (its object kept), then weak boxes and
/// ephemerons whose target or key is unreachable are cleared. The heap's
/// minors may decide young objects earlier; traces are written so that
/// this never changes what a `major` line, and the dump, see.
public struct TraceModel {
    public struct Object: Equatable {
        public var fields: [Int?]
        public var data: [UInt8]
        public var kind: ObjectKindLine = .plain
    }

    /// How an object dumps: its kind in the trace format.
    public enum ObjectKindLine: Equatable { case plain, weak, ephemeron }

    public struct GuardianModel: Equatable {
        /// Registrations not yet ready, and ready ones not yet popped, as
        /// (sequence, ID), each in registration order.
        public var registered: [(Int, Int)] = []
        public var ready: [(Int, Int)] = []
        public static func == (a: GuardianModel, b: GuardianModel) -> Bool {
            a.registered.map { $0.0 } == b.registered.map { $0.0 } && a.ready.map { $0.0 } == b.ready.map { $0.0 }
        }
    }

    public private(set) var objects: [Int: Object] = [:]
    public private(set) var roots = Set<Int>()
    public private(set) var guardians: [String: GuardianModel] = [:]
    /// Whether the trace so far used a weak-reference line.
    public private(set) var usesWeakLines = false
    private var used = Set<Int>()
    private var sequence = 0

    public init() {}

    /// Applies one command; a command that breaks the format's rules throws.
    public mutating func apply(_ t: TraceLine) throws(TraceError) {
        func bad(_ message: String) -> TraceError { TraceError(line: t.line, message) }
        func root(_ id: Int) throws(TraceError) -> Object {
            guard roots.contains(id), let o = objects[id] else { throw bad("ID \(id) is not a root") }
            return o
        }
        func plain(_ id: Int, _ verb: String) throws(TraceError) -> Object {
            let o = try root(id)
            guard o.kind == .plain else { throw bad("\(verb) on \(o.kind == .weak ? "weak box" : "ephemeron") \(id): use weakset, or read it in the dump") }
            return o
        }
        func fresh(_ id: Int) throws(TraceError) {
            guard !used.contains(id) else { throw bad("ID \(id) is already used") }
            guard id <= Int(UInt32.max) else { throw bad("ID \(id) is too large (at most \(UInt32.max))") }
        }
        func guardian(_ name: String) throws(TraceError) -> GuardianModel {
            guard let g = guardians[name] else { throw bad("unknown guardian \(name): create it with 'guardian \(name)' first") }
            return g
        }
        if t.command.isWeakLine { usesWeakLines = true }
        switch t.command {
        case let .alloc(id, pointers, bytes):
            try fresh(id)
            guard pointers <= Int(Int32.max), bytes <= Int(Int32.max) else { throw bad("object too large: \(pointers) fields, \(bytes) bytes") }
            used.insert(id)
            objects[id] = Object(fields: Array(repeating: nil, count: pointers), data: Array(repeating: 0, count: bytes))
            roots.insert(id)
        case let .set(id, field, target):
            let o = try plain(id, "set")
            guard field < o.fields.count else { throw bad("field \(field) is out of range: object \(id) has \(o.fields.count) pointer fields") }
            if let target { _ = try root(target) }
            objects[id]!.fields[field] = target
        case let .get(id, field):
            let o = try plain(id, "get")
            guard field < o.fields.count else { throw bad("field \(field) is out of range: object \(id) has \(o.fields.count) pointer fields") }
            guard let target = o.fields[field] else { throw bad("get of a nil field (\(id) field \(field))") }
            roots.insert(target)
        case let .poke(id, offset, byte):
            let o = try root(id)
            guard offset < o.data.count else { throw bad("offset \(offset) is out of range: object \(id) has \(o.data.count) data bytes") }
            objects[id]!.data[offset] = UInt8(byte)
        case let .drop(id):
            guard roots.remove(id) != nil else { throw bad("ID \(id) is not a root") }
        case .minor, .verify:
            break
        case .major:
            decideWeak()
        case let .weak(id, target):
            try fresh(id)
            _ = try root(target)
            used.insert(id)
            objects[id] = Object(fields: [target], data: [], kind: .weak)
            roots.insert(id)
        case let .weakset(id, target):
            let o = try root(id)
            guard o.kind == .weak else { throw bad("weakset on \(o.kind == .plain ? "plain object" : "ephemeron") \(id): only a weak box can be set this way") }
            if let target { _ = try root(target) }
            objects[id]!.fields[0] = target
        case let .ephemeron(id, key, value):
            try fresh(id)
            _ = try root(key)
            if let value { _ = try root(value) }
            used.insert(id)
            objects[id] = Object(fields: [key, value], data: [], kind: .ephemeron)
            roots.insert(id)
        case let .guardian(name):
            guard guardians[name] == nil else { throw bad("guardian \(name) is already used") }
            guardians[name] = GuardianModel()
        case let .guardObject(name, id):
            _ = try guardian(name)
            _ = try root(id)
            guardians[name]!.registered.append((sequence, id))
            sequence += 1
        case let .pop(name, id):
            let g = try guardian(name)
            guard let first = g.ready.first else { throw bad("pop \(name): nothing is ready (a pop goes right after a major)") }
            guard first.1 == id else { throw bad("pop \(name) \(id): the earliest ready registration is object \(first.1), not \(id)") }
            guardians[name]!.ready.removeFirst()
            roots.insert(id)
        }
    }

    /// The IDs reachable from `start`, with what `seen` already holds: a
    /// weak box's target is not followed, an ephemeron's value only once its
    /// key is reached.
    private func trace(from start: [Int], into seen: inout Set<Int>) {
        var stack: [Int] = []
        var waiting: [Int: [Int]] = [:]
        func reach(_ id: Int) {
            guard seen.insert(id).inserted else { return }
            stack.append(id)
            if let values = waiting.removeValue(forKey: id) { values.forEach(reach) }
        }
        // Ephemerons already reached whose key is not: their values wait.
        for id in seen {
            if let o = objects[id], o.kind == .ephemeron, let key = o.fields[0], let value = o.fields[1], !seen.contains(key) {
                waiting[key, default: []].append(value)
            }
        }
        start.forEach(reach)
        while let id = stack.popLast() {
            let o = objects[id]!
            switch o.kind {
            case .plain: for case let t? in o.fields { reach(t) }
            case .weak: break
            case .ephemeron:
                guard let value = o.fields[1] else { break }
                if let key = o.fields[0], !seen.contains(key) { waiting[key, default: []].append(value) } else { reach(value) }
            }
        }
    }

    /// The IDs reachable from the roots and the ready registrations.
    public func reachable() -> Set<Int> {
        var seen = Set<Int>()
        trace(from: Array(roots) + guardians.values.flatMap { $0.ready.map { $0.1 } }, into: &seen)
        return seen
    }

    /// A major line: guardians, then clearing (see the type's comment).
    private mutating func decideWeak() {
        guard usesWeakLines else { return }
        var live = reachable()
        var preserved: [Int] = []
        for name in guardians.keys {
            var g = guardians[name]!
            let ready = g.registered.filter { !live.contains($0.1) }
            g.registered.removeAll { !live.contains($0.1) }
            g.ready = (g.ready + ready).sorted { $0.0 < $1.0 }
            guardians[name] = g
            preserved += ready.map { $0.1 }
        }
        trace(from: preserved, into: &live)
        for (id, o) in objects where live.contains(id) {
            switch o.kind {
            case .plain: break
            case .weak:
                if let t = o.fields[0], !live.contains(t) { objects[id]!.fields[0] = nil }
            case .ephemeron:
                if let k = o.fields[0], !live.contains(k) { objects[id]!.fields = [nil, nil] }
            }
        }
    }

    /// Forgets unreachable objects, as a collector would (keeps long runs
    /// small). With weak lines, only right after a major: registered objects
    /// are reachable then, and no weak field names a forgotten object.
    public mutating func collect() {
        let live = reachable()
        objects = objects.filter { live.contains($0.key) }
    }

    /// The dump format of docs/trace-format.md.
    public func dump() -> String {
        var out = ""
        func name(_ id: Int?) -> String { id.map(String.init) ?? "-" }
        for id in reachable().sorted() {
            let o = objects[id]!
            switch o.kind {
            case .plain:
                out += "\(id): [" + o.fields.map(name).joined(separator: " ") + "]"
                if !o.data.isEmpty { out += " " + hex(o.data) }
            case .weak: out += "\(id): weak \(name(o.fields[0]))"
            case .ephemeron: out += "\(id): ephemeron \(name(o.fields[0])) \(name(o.fields[1]))"
            }
            out += "\n"
        }
        for name in guardians.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            out += "guardian \(name):" + guardians[name]!.ready.map { " \($0.1)" }.joined() + "\n"
        }
        return out
    }
}

/// Lowercase hexadecimal of some bytes.
func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
