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
    /// Mix in weak boxes, ephemerons and guardians. Guarded objects are
    /// leaves that are never stored in a field or an ephemeron, so no
    /// registered object reaches another and what a `major` line decides
    /// depends on reachability alone (docs/trace-format.md).
    public var weakLines = false

    public init(seed: UInt64, length: Int = 400, weakLines: Bool = false) {
        self.seed = seed
        self.length = length
        self.weakLines = weakLines
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
        /// Registered objects, ever: never stored anywhere but roots and weak boxes.
        var guarded = Set<Int>()
        func isPlain(_ id: Int) -> Bool { model.objects[id]!.kind == .plain }
        /// Roots that may be stored into a field (not guarded objects).
        func roots() -> [Int] { model.roots.sorted().filter { !guarded.contains($0) } }
        func pick(_ ids: [Int]) -> Int? { ids.isEmpty ? nil : ids[Int.random(in: 0..<ids.count, using: &rng)] }
        func old() -> [Int] { roots().filter { (age[$0] ?? 3) >= 3 && isPlain($0) && !model.objects[$0]!.fields.isEmpty } }
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

        var weakIDs: [Int] = []
        if weakLines {
            emit(.guardian(name: "g0"))
            emit(.guardian(name: "g1"))
        }
        /// After a major: pop some of what is ready, and drop or keep it.
        func popReady() {
            for name in ["g0", "g1"] {
                while let first = model.guardians[name]?.ready.first, Int.random(in: 0..<4, using: &rng) > 0 {
                    emit(.pop(guardian: name, id: first.1))
                    if Bool.random(using: &rng) { weakIDs.append(first.1) }
                }
            }
            for id in weakIDs where model.roots.contains(id) { emit(.drop(id: id)) }
            weakIDs.removeAll()
        }

        while lines.count < length {
            if weakLines, Int.random(in: 0..<4, using: &rng) == 0 {
                weakStep()
                continue
            }
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
                guard let id = pick(roots().filter { isPlain($0) && model.objects[$0]!.fields.contains { $0 != nil } }) else { fallthrough }
                let fs = model.objects[id]!.fields.indices.filter { model.objects[id]!.fields[$0] != nil }
                emit(.get(id: id, field: pick(fs)!))
            case 50..<58:  // overwrite: another root or nil
                guard let id = pick(roots().filter { isPlain($0) && !model.objects[$0]!.fields.isEmpty }) else { fallthrough }
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
                if weakLines { popReady() }
            default:
                emit(.verify)
            }
        }
        emit(.minor)
        return lines

        /// One weak-reference step: boxes to objects that live or die, old
        /// boxes set to young targets (the barrier's case), ephemerons whose
        /// value refers to its key or keys another ephemeron, guardians.
        func weakStep() {
            let r = Int.random(in: 0..<100, using: &rng)
            switch r {
            case 0..<20:   // a box to a root, whose target may then die
                guard let t = pick(model.roots.sorted()) else { return }
                let id = nextID
                nextID += 1
                emit(.weak(id: id, target: t))
                age[id] = 0
                if Bool.random(using: &rng), model.roots.count > 3 { emit(.drop(id: t)) }
            case 20..<40:  // an old box set to a fresh young target, kept or not
                guard let box = pick(model.roots.sorted().filter { model.objects[$0]!.kind == .weak && (age[$0] ?? 3) >= 3 }) else {
                    guard let t = pick(roots()) else { return }
                    let id = nextID
                    nextID += 1
                    emit(.weak(id: id, target: t))
                    age[id] = 0
                    return
                }
                let y = alloc(pointers: Int.random(in: 0...2, using: &rng), bytes: Int.random(in: 0...16, using: &rng))
                emit(.weakset(id: box, target: y))
                if Bool.random(using: &rng) { emit(.drop(id: y)) }
            case 40..<48:  // a box emptied or repointed
                guard let box = pick(model.roots.sorted().filter { model.objects[$0]!.kind == .weak }) else { return }
                emit(.weakset(id: box, target: Bool.random(using: &rng) ? nil : pick(model.roots.sorted())))
            case 48..<70:  // an ephemeron; its value may refer to its key
                guard let key = pick(roots()) else { return }
                var value: Int? = nil
                if Int.random(in: 0..<4, using: &rng) > 0 {
                    let v = alloc(pointers: Int.random(in: 1...2, using: &rng), bytes: Int.random(in: 0...8, using: &rng))
                    if Bool.random(using: &rng) { emit(.set(id: v, field: 0, target: key)) }
                    value = v
                }
                let id = nextID
                nextID += 1
                emit(.ephemeron(id: id, key: key, value: value))
                age[id] = 0
                if let value { emit(.drop(id: value)) }
                if Int.random(in: 0..<3, using: &rng) == 0, model.roots.count > 3 { emit(.drop(id: key)) }
                // Hang it off an old object, or keep it as a root.
                if Bool.random(using: &rng), let o = pick(old()) {
                    emit(.set(id: o, field: field(of: o), target: id))
                    emit(.drop(id: id))
                }
            case 70..<78:  // a chain: e1 (k1 -> k2), e2 (k2 -> v)
                guard let k1 = pick(roots()) else { return }
                let k2 = alloc(pointers: 0, bytes: 4)
                let v = alloc(pointers: 0, bytes: 4)
                emit(.poke(id: v, offset: Int.random(in: 0..<4, using: &rng), byte: Int.random(in: 0...255, using: &rng)))
                let e1 = nextID
                nextID += 1
                emit(.ephemeron(id: e1, key: k1, value: k2))
                let e2 = nextID
                nextID += 1
                emit(.ephemeron(id: e2, key: k2, value: v))
                age[e1] = 0
                age[e2] = 0
                emit(.drop(id: k2))
                emit(.drop(id: v))
            case 78..<96:  // guard a fresh leaf (once or twice), which may die
                let g = Bool.random(using: &rng) ? "g0" : "g1"
                let id = alloc(pointers: 0, bytes: Int.random(in: 0...8, using: &rng))
                guarded.insert(id)
                if let b = model.objects[id]?.data.count, b > 0 {
                    emit(.poke(id: id, offset: Int.random(in: 0..<b, using: &rng), byte: Int.random(in: 0...255, using: &rng)))
                }
                emit(.guardObject(guardian: g, id: id))
                if Int.random(in: 0..<4, using: &rng) == 0 { emit(.guardObject(guardian: Bool.random(using: &rng) ? "g0" : "g1", id: id)) }
                if Bool.random(using: &rng) {
                    let box = nextID
                    nextID += 1
                    emit(.weak(id: box, target: id))
                    age[box] = 0
                }
                if Int.random(in: 0..<4, using: &rng) > 0 { emit(.drop(id: id)) }
            default:
                emit(.major)
                popReady()
            }
        }
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
            case let .weak(id, t): out += "weak \(id) \(t)\n"
            case let .weakset(id, t): out += "weakset \(id) \(t.map(String.init) ?? "-")\n"
            case let .ephemeron(id, k, v): out += "ephemeron \(id) \(k) \(v.map(String.init) ?? "-")\n"
            case let .guardian(g): out += "guardian \(g)\n"
            case let .guardObject(g, id): out += "guard \(g) \(id)\n"
            case let .pop(g, id): out += "pop \(g) \(id)\n"
            }
        }
        return out
    }
}
