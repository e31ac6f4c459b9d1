/// The meaning of a trace without any collector: a plain object graph.
///
/// It is the independent reference for the heap. A replay checks a trace
/// against it before touching the heap (so malformed traces are rejected
/// with their line and nothing run), runs it in lockstep with the heap, and
/// compares the heap's reachable graph with the model's.
public struct TraceModel {
    public struct Object: Equatable {
        public var fields: [Int?]
        public var data: [UInt8]
    }

    public private(set) var objects: [Int: Object] = [:]
    public private(set) var roots = Set<Int>()
    private var used = Set<Int>()

    public init() {}

    /// Applies one command; a command that breaks the format's rules throws.
    public mutating func apply(_ t: TraceLine) throws(TraceError) {
        func bad(_ message: String) -> TraceError { TraceError(line: t.line, message) }
        func root(_ id: Int) throws(TraceError) -> Object {
            guard roots.contains(id), let o = objects[id] else { throw bad("ID \(id) is not a root") }
            return o
        }
        switch t.command {
        case let .alloc(id, pointers, bytes):
            guard !used.contains(id) else { throw bad("ID \(id) is already used") }
            guard id <= Int(UInt32.max) else { throw bad("ID \(id) is too large (at most \(UInt32.max))") }
            guard pointers <= Int(Int32.max), bytes <= Int(Int32.max) else { throw bad("object too large: \(pointers) fields, \(bytes) bytes") }
            used.insert(id)
            objects[id] = Object(fields: Array(repeating: nil, count: pointers), data: Array(repeating: 0, count: bytes))
            roots.insert(id)
        case let .set(id, field, target):
            let o = try root(id)
            guard field < o.fields.count else { throw bad("field \(field) is out of range: object \(id) has \(o.fields.count) pointer fields") }
            if let target { _ = try root(target) }
            objects[id]!.fields[field] = target
        case let .get(id, field):
            let o = try root(id)
            guard field < o.fields.count else { throw bad("field \(field) is out of range: object \(id) has \(o.fields.count) pointer fields") }
            guard let target = o.fields[field] else { throw bad("get of a nil field (\(id) field \(field))") }
            roots.insert(target)
        case let .poke(id, offset, byte):
            let o = try root(id)
            guard offset < o.data.count else { throw bad("offset \(offset) is out of range: object \(id) has \(o.data.count) data bytes") }
            objects[id]!.data[offset] = UInt8(byte)
        case let .drop(id):
            guard roots.remove(id) != nil else { throw bad("ID \(id) is not a root") }
        case .minor, .major, .verify:
            break
        }
    }

    /// The IDs reachable from the roots.
    public func reachable() -> Set<Int> {
        var seen = roots
        var stack = Array(roots)
        while let id = stack.popLast() {
            for case let t? in objects[id]!.fields where seen.insert(t).inserted { stack.append(t) }
        }
        return seen
    }

    /// Forgets unreachable objects, as a collector would (keeps long runs small).
    public mutating func collect() {
        let live = reachable()
        objects = objects.filter { live.contains($0.key) }
    }

    /// The dump format of docs/trace-format.md.
    public func dump() -> String {
        var out = ""
        for id in reachable().sorted() {
            let o = objects[id]!
            out += "\(id): [" + o.fields.map { $0.map(String.init) ?? "-" }.joined(separator: " ") + "]"
            if !o.data.isEmpty { out += " " + hex(o.data) }
            out += "\n"
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
