/// SplitMix64: a small, fast, seedable generator, so a seed names the same
/// program on every machine and Swift version.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random mutator programs that lean on old-to-young pointers: promote
/// objects, hang fresh young objects and chains off them (small objects and
/// far fields of large pointer arrays), drop the young roots so only the
/// barrier keeps them alive, collect, walk back, overwrite, and mix in
/// majors and data writes. Every program is valid: the generator consults
/// the model as it goes.
public struct TraceGenerator {
    public var seed: UInt64
    /// Commands per program.
    public var length = 400

    public init(seed: UInt64, length: Int = 400) {
        self.seed = seed
        self.length = length
    }

    public func generate() -> [TraceLine] {
        var rng = SplitMix64(seed: seed)
        var model = TraceModel()
        var lines: [TraceLine] = []
        var nextID = 0
        /// Minor collections seen by each rooted ID since allocation.
        var age: [Int: Int] = [:]

        func emit(_ c: TraceCommand) {
            let line = TraceLine(line: lines.count + 1, command: c)
            do { try model.apply(line) } catch { preconditionFailure("generator produced an invalid command: \(error)") }
            lines.append(line)
            if c == .minor || c == .major { for k in age.keys { age[k]! += 1 } }
        }
        func roots() -> [Int] { model.roots.sorted() }
        func pick(_ ids: [Int]) -> Int? { ids.isEmpty ? nil : ids[Int.random(in: 0..<ids.count, using: &rng)] }
        func old() -> [Int] { roots().filter { (age[$0] ?? 3) >= 3 && !model.objects[$0]!.fields.isEmpty } }
        func young() -> [Int] { roots().filter { (age[$0] ?? 3) < 3 } }
        func alloc(pointers: Int, bytes: Int) -> Int {
            let id = nextID
            nextID += 1
            emit(.alloc(id: id, pointers: pointers, bytes: bytes))
            age[id] = 0
            return id
        }
        /// A field to store into: for large arrays, often a far one.
        func field(of id: Int) -> Int {
            let n = model.objects[id]!.fields.count
            return n > 64 && Bool.random(using: &rng) ? n - 1 - Int.random(in: 0..<32, using: &rng) : Int.random(in: 0..<n, using: &rng)
        }

        // A few objects made old first, including a large pointer array.
        for _ in 0..<4 { _ = alloc(pointers: Int.random(in: 1...6, using: &rng), bytes: Int.random(in: 0...32, using: &rng)) }
        _ = alloc(pointers: Int.random(in: 1100...3000, using: &rng), bytes: 0)
        for _ in 0..<3 { emit(.minor) }

        while lines.count < length {
            let r = Int.random(in: 0..<100, using: &rng)
            switch r {
            case 0..<18:   // hang a young object off an old one, drop its root
                guard let o = pick(old()) else { fallthrough }
                let y = alloc(pointers: Int.random(in: 0...3, using: &rng), bytes: Int.random(in: 0...24, using: &rng))
                if let b = model.objects[y]?.data.count, b > 0 {
                    emit(.poke(id: y, offset: Int.random(in: 0..<b, using: &rng), byte: Int.random(in: 0...255, using: &rng)))
                }
                emit(.set(id: o, field: field(of: o), target: y))
                emit(.drop(id: y))
            case 18..<26:  // a young chain off an old object
                guard let o = pick(old()) else { fallthrough }
                var head = alloc(pointers: 1, bytes: 8)
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let next = alloc(pointers: 1, bytes: 8)
                    emit(.set(id: next, field: 0, target: head))
                    emit(.drop(id: head))
                    head = next
                }
                emit(.set(id: o, field: field(of: o), target: head))
                emit(.drop(id: head))
            case 26..<31:  // move a reference from one old object to another:
                // the only pointer to an object jumps between objects a
                // concurrent marker may or may not have scanned yet
                guard let from = pick(old().filter { model.objects[$0]!.fields.contains { $0 != nil } }),
                      let to = pick(old().filter { $0 != from }) else { fallthrough }
                let fs = model.objects[from]!.fields.indices.filter { model.objects[from]!.fields[$0] != nil }
                let f = pick(fs)!
                let target = model.objects[from]!.fields[f]!
                let wasRoot = model.roots.contains(target)
                emit(.get(id: from, field: f))
                emit(.set(id: to, field: field(of: to), target: target))
                emit(.set(id: from, field: f, target: nil))
                if !wasRoot { emit(.drop(id: target)) }
            case 31..<38:  // allocate something that may live
                if Int.random(in: 0..<40, using: &rng) == 0 {
                    _ = alloc(pointers: Int.random(in: 1100...2000, using: &rng), bytes: 0)
                } else {
                    _ = alloc(pointers: Int.random(in: 0...6, using: &rng), bytes: Int.random(in: 0...64, using: &rng))
                }
            case 38..<50:  // walk back: root something reached through a field
                guard let id = pick(roots().filter { model.objects[$0]!.fields.contains { $0 != nil } }) else { fallthrough }
                let fs = model.objects[id]!.fields.indices.filter { model.objects[id]!.fields[$0] != nil }
                emit(.get(id: id, field: pick(fs)!))
            case 50..<58:  // overwrite: another root or nil
                guard let id = pick(roots().filter { !model.objects[$0]!.fields.isEmpty }) else { fallthrough }
                emit(.set(id: id, field: field(of: id), target: Bool.random(using: &rng) ? nil : pick(roots())))
            case 58..<64:  // data writes
                guard let id = pick(roots().filter { !model.objects[$0]!.data.isEmpty }) else { fallthrough }
                let n = model.objects[id]!.data.count
                emit(.poke(id: id, offset: Int.random(in: 0..<n, using: &rng), byte: Int.random(in: 0...255, using: &rng)))
            case 64..<76:  // drop roots: young ones mostly
                guard let id = pick(young()) ?? pick(roots()), model.roots.count > 3 else { fallthrough }
                emit(.drop(id: id))
            case 76..<93:
                emit(.minor)
            case 93..<96:
                emit(.major)
            default:
                emit(.verify)
            }
        }
        emit(.minor)
        return lines
    }

    /// The program in the shared trace format, so a failing seed becomes a file.
    public static func text(_ lines: [TraceLine], seed: UInt64) -> String {
        var out = "# TraceGenerator seed=\(seed)\n"
        for l in lines {
            switch l.command {
            case let .alloc(id, p, b): out += "alloc \(id) \(p) \(b)\n"
            case let .set(id, f, t): out += "set \(id) \(f) \(t.map(String.init) ?? "-")\n"
            case let .get(id, f): out += "get \(id) \(f)\n"
            case let .poke(id, o, b): out += "poke \(id) \(o) \(b)\n"
            case let .drop(id): out += "drop \(id)\n"
            case .minor: out += "minor\n"
            case .major: out += "major\n"
            case .verify: out += "verify\n"
            }
        }
        return out
    }
}
