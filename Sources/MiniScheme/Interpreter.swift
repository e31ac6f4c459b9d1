import GCHeap

/// A small Scheme whose every pair, vector, string, symbol, closure and
/// environment frame lives in a `Heap<B>`.
///
/// The rule that makes it safe under a moving collector: a heap value held
/// in a Swift local is dead after any allocation. Everything that must
/// survive one sits in a shadow-stack slot (`heap.push`, `stackSlot`) and is
/// re-read from there afterwards. `eval` owns four slots (expression,
/// environment, two scratch) and loops instead of recursing on tail calls,
/// so Scheme loops run in constant Swift stack.
public final class Interpreter<B: Barrier> {
    public let heap: Heap<B>
    /// Where `display`, `write` and `newline` go.
    public var output: (String) -> Void

    var symbolRoots: [String: Root] = [:]
    var symbolNames: [String] = []
    var globals: [Int: Root] = [:]
    var primitiveNames: [String] = []
    var primitives: [(Interpreter, Int, Int) throws -> Value] = []
    /// The heap guardians `make-guardian` made: destroyed with the interpreter.
    var guardians: [Guardian] = []

    // Interned ids of the special forms.
    let sQuote, sQuasiquote, sUnquote, sIf, sDefine, sSet, sLambda, sBegin, sLet, sLetStar, sLetrec,
        sCond, sCase, sAnd, sOr, sWhen, sUnless, sDo, sElse, sArrow: Int

    public init(heap: Heap<B>, output: @escaping (String) -> Void) throws {
        self.heap = heap
        self.output = output
        // The special forms are interned first, in this order, so their ids
        // are their positions in the list.
        let forms = ["quote", "quasiquote", "unquote", "if", "define", "set!", "lambda", "begin", "let", "let*", "letrec",
                     "cond", "case", "and", "or", "when", "unless", "do", "else", "=>"]
        (sQuote, sQuasiquote, sUnquote, sIf, sDefine, sSet, sLambda, sBegin, sLet, sLetStar, sLetrec) = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
        (sCond, sCase, sAnd, sOr, sWhen, sUnless, sDo, sElse, sArrow) = (11, 12, 13, 14, 15, 16, 17, 18, 19)
        for name in forms { _ = try symbol(name) }
        assert(symbolNames == forms)
        installPrimitives()
    }

    deinit {
        for g in guardians { try? heap.destroyGuardian(g) }
    }

    /// Runs a whole program: reads and evaluates one top-level form at a time.
    public func run(_ source: String) throws {
        var reader = Reader(source)
        while true {
            let base = heap.stackDepth
            defer { heap.truncateStack(to: base) }
            guard let form = try reader.read(self) else { return }
            _ = try eval(form, .null)
        }
    }

    // MARK: - Objects

    func kind(_ v: Value) -> Kind? {
        guard let r = v.ref else { return nil }
        return Kind(rawValue: heap.tag(r))
    }

    func isPair(_ v: Value) -> Bool { kind(v) == .pair }
    func car(_ v: Value) -> Value { heap.load(v.ref!, 0) }
    func cdr(_ v: Value) -> Value { heap.load(v.ref!, 1) }

    func checkedCar(_ v: Value, _ who: String) throws -> Value {
        guard isPair(v) else { throw SchemeError("\(who): not a pair: \(write(v))") }
        return car(v)
    }

    func checkedCdr(_ v: Value, _ who: String) throws -> Value {
        guard isPair(v) else { throw SchemeError("\(who): not a pair: \(write(v))") }
        return cdr(v)
    }

    /// A fresh pair. `a` and `b` are kept alive across the allocation.
    func cons(_ a: Value, _ b: Value) throws -> Value {
        heap.push(a)
        heap.push(b)
        let p = try allocate(pointers: 2, bytes: 0, .pair)
        let d = heap.pop(), a = heap.pop()
        heap.store(p, 0, a)
        heap.store(p, 1, d)
        return Value(p)
    }

    func allocate(pointers: Int, bytes: Int, _ kind: Kind) throws -> ObjectRef {
        do { return try heap.allocate(pointers: pointers, bytes: bytes, tag: kind.rawValue) } catch {
            throw SchemeError("\(error)")
        }
    }

    func makeString(_ s: String) throws -> Value {
        let bytes = Array(s.utf8)
        let o = try allocate(pointers: 0, bytes: bytes.count, .string)
        heap.withData(o) { d in for (i, b) in bytes.enumerated() { d[i] = b } }
        return Value(o)
    }

    func string(_ v: Value) -> String { heap.withData(v.ref!) { String(decoding: $0, as: UTF8.self) } }

    func symbol(_ name: String) throws -> Value {
        if let r = symbolRoots[name] { return try heap.get(r) }
        let id = symbolNames.count
        symbolNames.append(name)
        let o = try allocate(pointers: 0, bytes: 8 + name.utf8.count, .symbol)
        heap.withData(o) { data in
            data.storeBytes(of: id, as: Int.self)
            for (i, b) in name.utf8.enumerated() { data[8 + i] = b }
        }
        symbolRoots[name] = heap.makeRoot(o)
        return Value(o)
    }

    func symbolID(_ v: Value) -> Int { heap.withData(v.ref!) { $0.load(as: Int.self) } }
    func symbolName(_ v: Value) -> String { symbolNames[symbolID(v)] }

    /// The special-form id of `v` if it is a symbol, else -1.
    func formID(_ v: Value) -> Int { kind(v) == .symbol ? symbolID(v) : -1 }

    func truthy(_ v: Value) -> Bool { v != Imm.falseValue }

    // MARK: - Environments: frames of [parent, vars, vals]; the global one is a table of roots

    func lookup(_ sym: Value, _ env: Value) throws -> Value {
        if let cell = findCell(sym, env) { return car(cell) }
        if let r = globals[symbolID(sym)] { return try heap.get(r) }
        throw SchemeError("unbound variable: \(symbolName(sym))")
    }

    /// The `vals` pair holding `sym`'s value in the nearest frame, if any.
    func findCell(_ sym: Value, _ env: Value) -> Value? {
        var e = env
        while let f = e.ref {
            var vars = heap.load(f, 1), vals = heap.load(f, 2)
            while isPair(vars) {
                if car(vars) == sym { return vals }
                vars = cdr(vars)
                vals = cdr(vals)
            }
            e = heap.load(f, 0)
        }
        return nil
    }

    func define(_ sym: Value, _ value: Value, _ env: Value) throws {
        guard let f = env.ref else {
            let id = symbolID(sym)
            if let r = globals[id] { try heap.set(r, value) } else { globals[id] = heap.makeRoot(value) }
            return
        }
        _ = f
        let base = heap.stackDepth
        defer { heap.truncateStack(to: base) }
        heap.push(sym); heap.push(value); heap.push(env)
        let vars = try cons(heap.stackSlot(base), heap.load(heap.stackSlot(base + 2).ref!, 1))
        heap.store(heap.stackSlot(base + 2).ref!, 1, vars)
        let vals = try cons(heap.stackSlot(base + 1), heap.load(heap.stackSlot(base + 2).ref!, 2))
        heap.store(heap.stackSlot(base + 2).ref!, 2, vals)
    }

    func makeFrame(parent: Value, vars: Value, vals: Value) throws -> Value {
        heap.push(parent); heap.push(vars); heap.push(vals)
        let f = try allocate(pointers: 3, bytes: 0, .frame)
        heap.store(f, 2, heap.pop())
        heap.store(f, 1, heap.pop())
        heap.store(f, 0, heap.pop())
        return Value(f)
    }

    // MARK: - Evaluation

    /// Evaluates `expr` in `env` (`.null` is the global environment).
    func eval(_ expr: Value, _ environment: Value) throws -> Value {
        let E = heap.stackDepth, V = E + 1, S = E + 2, T = E + 3
        heap.push(expr); heap.push(environment); heap.push(.null); heap.push(.null)
        defer { heap.truncateStack(to: E) }
        func x() -> Value { heap.stackSlot(E) }
        func env() -> Value { heap.stackSlot(V) }
        func tail(_ e: Value, _ v: Value) { heap.setStackSlot(E, e); heap.setStackSlot(V, v) }

        while true {
            heap.truncateStack(to: E + 4)
            let e = x()
            switch kind(e) {
            case .symbol?: return try lookup(e, env())
            case .pair?: break
            default: return e   // numbers, strings, chars, booleans, vectors, ()
            }
            let op = car(e)
            let form = formID(op)
            // Special forms cannot be rebound, as in most small Schemes.
            if form >= 0 {
                switch form {
                case sQuote: return car(cdr(e))
                case sQuasiquote: return try quasi(car(cdr(e)), env())
                case sIf:
                    let test = try eval(car(cdr(e)), env())
                    let rest = cdr(cdr(x()))
                    if truthy(test) { heap.setStackSlot(E, car(rest)) }
                    else if isPair(cdr(rest)) { heap.setStackSlot(E, car(cdr(rest))) }
                    else { return Imm.unspecified }
                    continue
                case sDefine:
                    var target = car(cdr(e))
                    if isPair(target) {   // (define (f . formals) body...)
                        let lambda = try makeClosure(formals: cdr(target), body: cdr(cdr(e)), env: env())
                        target = car(car(cdr(x())))
                        try define(target, lambda, env())
                    } else {
                        let value = try eval(car(cdr(cdr(e))), env())
                        try define(car(cdr(x())), value, env())
                    }
                    return Imm.unspecified
                case sSet:
                    let value = try eval(car(cdr(cdr(e))), env())
                    let sym = car(cdr(x()))
                    if let cell = findCell(sym, env()) { heap.store(cell.ref!, 0, value) }
                    else if let r = globals[symbolID(sym)] { try heap.set(r, value) }
                    else { throw SchemeError("set!: unbound variable: \(symbolName(sym))") }
                    return Imm.unspecified
                case sLambda:
                    return try makeClosure(formals: car(cdr(e)), body: cdr(cdr(e)), env: env())
                case sBegin:
                    guard isPair(cdr(e)) else { return Imm.unspecified }
                    try evalSequence(cdr(e), slot: S, env: V)
                    tail(car(heap.stackSlot(S)), env())
                    continue
                case sAnd, sOr:
                    heap.setStackSlot(S, cdr(e))
                    guard isPair(heap.stackSlot(S)) else { return Imm.bool(form == sAnd) }
                    while isPair(cdr(heap.stackSlot(S))) {
                        let v = try eval(car(heap.stackSlot(S)), env())
                        if truthy(v) != (form == sAnd) { return v }
                        heap.setStackSlot(S, cdr(heap.stackSlot(S)))
                    }
                    heap.setStackSlot(E, car(heap.stackSlot(S)))
                    continue
                case sWhen, sUnless:
                    let test = truthy(try eval(car(cdr(e)), env()))
                    guard test == (form == sWhen), isPair(cdr(cdr(x()))) else { return Imm.unspecified }
                    try evalSequence(cdr(cdr(x())), slot: S, env: V)
                    tail(car(heap.stackSlot(S)), env())
                    continue
                case sCond:
                    heap.setStackSlot(S, cdr(e))
                    let chosen = try chooseClause(slot: S, env: V) { clause in
                        formID(car(clause)) == sElse ? Imm.trueValue : try eval(car(clause), env())
                    }
                    switch chosen {
                    case .nothing: return Imm.unspecified
                    case let .value(v): return v
                    case .tail: tail(car(heap.stackSlot(S)), env()); continue
                    }
                case sCase:
                    heap.setStackSlot(T, try eval(car(cdr(e)), env()))
                    heap.setStackSlot(S, cdr(cdr(x())))
                    let chosen = try chooseClause(slot: S, env: V) { clause in
                        if formID(car(clause)) == sElse { return Imm.trueValue }
                        var data = car(clause)
                        while isPair(data) {
                            if car(data) == heap.stackSlot(T) { return Imm.trueValue }
                            data = cdr(data)
                        }
                        return Imm.falseValue
                    }
                    switch chosen {
                    case .nothing: return Imm.unspecified
                    case let .value(v): return v
                    case .tail: tail(car(heap.stackSlot(S)), env()); continue
                    }
                case sLet, sLetStar, sLetrec:
                    try evalLet(form, S: S, T: T, E: E, V: V)
                    continue
                case sDo:
                    if let result = try evalDo(S: S, T: T, E: E, V: V) { return result }
                    continue
                default: break
                }
            }
            // Application: the operator and arguments go on the stack above our slots.
            let argBase = E + 5
            heap.push(try eval(op, env()))          // E + 4: the procedure
            heap.setStackSlot(S, cdr(x()))
            while isPair(heap.stackSlot(S)) {
                heap.push(try eval(car(heap.stackSlot(S)), env()))
                heap.setStackSlot(S, cdr(heap.stackSlot(S)))
            }
            switch try enter(argBase: argBase, count: heap.stackDepth - argBase) {
            case let .value(v): return v
            case let .tail(body, frame): tail(body, frame)
            }
        }
    }

    enum Chosen {
        case nothing
        case value(Value)
        case tail
    }

    /// Walks the cond or case clauses in slot `S` and picks the first whose
    /// `test` is true. Its body's last expression is left in slot `S` for
    /// tail evaluation; a clause without a body yields its test value.
    func chooseClause(slot S: Int, env V: Int, _ test: (Value) throws -> Value) throws -> Chosen {
        while isPair(heap.stackSlot(S)) {
            let t = try test(car(heap.stackSlot(S)))
            if truthy(t) {
                let body = cdr(car(heap.stackSlot(S)))
                guard isPair(body) else { return .value(t) }
                try evalSequence(body, slot: S, env: V)
                return .tail
            }
            heap.setStackSlot(S, cdr(heap.stackSlot(S)))
        }
        return .nothing
    }

    /// Evaluates all but the last expression of the list `body`, leaving
    /// the last pair in slot `slot` for the caller to evaluate in tail position.
    func evalSequence(_ body: Value, slot: Int, env: Int) throws {
        heap.setStackSlot(slot, body)
        while isPair(cdr(heap.stackSlot(slot))) {
            _ = try eval(car(heap.stackSlot(slot)), heap.stackSlot(env))
            heap.setStackSlot(slot, cdr(heap.stackSlot(slot)))
        }
    }

    enum Entered {
        case value(Value)
        case tail(Value, Value)
    }

    /// Applies the procedure in slot `argBase - 1` to the `count` arguments
    /// above it. A closure's last body expression comes back for the caller
    /// to evaluate in tail position.
    func enter(argBase: Int, count: Int) throws -> Entered {
        let proc = heap.stackSlot(argBase - 1)
        if Imm.isPrimitive(proc) {
            return .value(try primitives[Imm.primitiveIndex(proc)](self, argBase, count))
        }
        if kind(proc) == .guardian { return .value(try callGuardian(proc, argBase: argBase, count: count)) }
        guard kind(proc) == .closure else { throw SchemeError("not a procedure: \(write(proc))") }
        let c = proc.ref!
        let formals = heap.load(c, 0)
        let rest = heap.load(c, 3).immediate == 1
        var n = 0
        var f = formals
        while isPair(f) { n += 1; f = cdr(f) }
        let required = rest ? n - 1 : n
        if count < required || (!rest && count > required) {
            throw SchemeError("wrong number of arguments: expected \(rest ? "at least " : "")\(required), got \(count)")
        }
        // Build the values list from the end, rooted in a slot of its own.
        let acc = heap.stackDepth
        heap.push(Imm.empty)
        if rest {
            for i in stride(from: count - 1, through: required, by: -1) {
                heap.setStackSlot(acc, try cons(heap.stackSlot(argBase + i), heap.stackSlot(acc)))
            }
            heap.setStackSlot(acc, try cons(heap.stackSlot(acc), Imm.empty))
        }
        for i in stride(from: required - 1, through: 0, by: -1) {
            heap.setStackSlot(acc, try cons(heap.stackSlot(argBase + i), heap.stackSlot(acc)))
        }
        let closure = heap.stackSlot(argBase - 1).ref!
        let frame = try makeFrame(parent: heap.load(closure, 2), vars: heap.load(closure, 0), vals: heap.stackSlot(acc))
        heap.setStackSlot(acc, frame)
        heap.push(heap.load(heap.stackSlot(argBase - 1).ref!, 1))   // the body, in a slot
        let body = acc + 1
        try evalSequence(heap.stackSlot(body), slot: body, env: acc)
        return .tail(car(heap.stackSlot(body)), heap.stackSlot(acc))
    }

    /// Calls a procedure from Swift (for map, for-each, apply).
    func apply(argBase: Int, count: Int) throws -> Value {
        switch try enter(argBase: argBase, count: count) {
        case let .value(v): return v
        case let .tail(e, env): return try eval(e, env)
        }
    }

    /// A closure of [proper formals, body, env, rest flag].
    func makeClosure(formals: Value, body: Value, env: Value) throws -> Value {
        let base = heap.stackDepth
        defer { heap.truncateStack(to: base) }
        heap.push(formals); heap.push(body); heap.push(env); heap.push(Imm.empty)
        // Proper formals: (a b . c) becomes (a b c) with the rest flag set.
        var items: [Int] = []
        var f = formals
        while isPair(f) {
            guard kind(car(f)) == .symbol else { throw SchemeError("lambda: a parameter is not a symbol: \(write(car(f)))") }
            items.append(items.count); f = cdr(f)
        }
        let rest = kind(f) == .symbol
        if !rest && f != Imm.empty { throw SchemeError("lambda: bad parameter list: \(write(formals))") }
        if rest { heap.setStackSlot(base + 3, try cons(f, Imm.empty)) }
        else if items.isEmpty { heap.setStackSlot(base + 3, Imm.empty) }
        if !items.isEmpty || rest {
            // Copy the proper part in front of the rest symbol.
            var elements: [Int] = []
            var g = heap.stackSlot(base)
            var i = 0
            while isPair(g) { elements.append(i); i += 1; g = cdr(g) }
            for k in elements.reversed() {
                var h = heap.stackSlot(base)
                for _ in 0..<k { h = cdr(h) }
                heap.setStackSlot(base + 3, try cons(car(h), heap.stackSlot(base + 3)))
            }
        }
        let c = try allocate(pointers: 4, bytes: 0, .closure)
        heap.store(c, 0, heap.stackSlot(base + 3))
        heap.store(c, 1, heap.stackSlot(base + 1))
        heap.store(c, 2, heap.stackSlot(base + 2))
        heap.store(c, 3, Value(immediate: rest ? 1 : 0))
        return Value(c)
    }

    /// let, let*, letrec and named let: builds the frame(s) and leaves the
    /// body's last expression in tail position.
    private func evalLet(_ form: Int, S: Int, T: Int, E: Int, V: Int) throws {
        let e = heap.stackSlot(E)
        if form == sLet && kind(car(cdr(e))) == .symbol {
            // Named let: (let name ((v init)...) body...) binds a loop
            // procedure in a frame of its own, then calls it.
            heap.setStackSlot(T, try makeFrame(parent: heap.stackSlot(V), vars: Imm.empty, vals: Imm.empty))
            heap.setStackSlot(S, try vars(of: car(cdr(cdr(heap.stackSlot(E))))))
            let loop = try makeClosure(formals: heap.stackSlot(S), body: cdr(cdr(cdr(heap.stackSlot(E)))), env: heap.stackSlot(T))
            try define(car(cdr(heap.stackSlot(E))), loop, heap.stackSlot(T))
            heap.truncateStack(to: E + 4)
            heap.push(try lookup(car(cdr(heap.stackSlot(E))), heap.stackSlot(T)))   // the procedure, at E + 4
            heap.setStackSlot(S, car(cdr(cdr(heap.stackSlot(E)))))
            while isPair(heap.stackSlot(S)) {
                heap.push(try eval(car(cdr(car(heap.stackSlot(S)))), heap.stackSlot(V)))
                heap.setStackSlot(S, cdr(heap.stackSlot(S)))
            }
            switch try enter(argBase: E + 5, count: heap.stackDepth - (E + 5)) {
            case let .value(v): heap.setStackSlot(E, try quoteValue(v)); heap.setStackSlot(V, .null)
            case let .tail(body, frame): heap.setStackSlot(E, body); heap.setStackSlot(V, frame)
            }
            return
        }
        // The new frame starts empty; bindings are added as they are made.
        let bindingsOf: (Value) -> Value = { [unowned self] e in self.car(self.cdr(e)) }
        if form == sLetStar {
            heap.setStackSlot(S, bindingsOf(e))
            heap.setStackSlot(T, heap.stackSlot(V))
            while isPair(heap.stackSlot(S)) {
                let value = try eval(car(cdr(car(heap.stackSlot(S)))), heap.stackSlot(T))
                heap.push(value)
                let frame = try makeFrame(parent: heap.stackSlot(T), vars: Imm.empty, vals: Imm.empty)
                heap.setStackSlot(T, frame)
                try define(car(car(heap.stackSlot(S))), heap.pop(), heap.stackSlot(T))
                heap.setStackSlot(S, cdr(heap.stackSlot(S)))
            }
        } else {
            heap.setStackSlot(T, try makeFrame(parent: heap.stackSlot(V), vars: Imm.empty, vals: Imm.empty))
            heap.setStackSlot(S, bindingsOf(heap.stackSlot(E)))
            if form == sLetrec {
                while isPair(heap.stackSlot(S)) {
                    try define(car(car(heap.stackSlot(S))), Imm.unspecified, heap.stackSlot(T))
                    heap.setStackSlot(S, cdr(heap.stackSlot(S)))
                }
                heap.setStackSlot(S, bindingsOf(heap.stackSlot(E)))
                while isPair(heap.stackSlot(S)) {
                    let value = try eval(car(cdr(car(heap.stackSlot(S)))), heap.stackSlot(T))
                    heap.store(findCell(car(car(heap.stackSlot(S))), heap.stackSlot(T))!.ref!, 0, value)
                    heap.setStackSlot(S, cdr(heap.stackSlot(S)))
                }
            } else {
                // let: evaluate every init in the outer env first.
                let first = heap.stackDepth
                try pushInits(cursor: S, env: V)
                try bindPushed(bindingsOf(heap.stackSlot(E)), from: first, frame: T, cursor: S)
            }
        }
        let body = cdr(cdr(heap.stackSlot(E)))
        guard isPair(body) else { heap.setStackSlot(E, try quoteValue(Imm.unspecified)); return }
        heap.setStackSlot(V, heap.stackSlot(T))
        try evalSequence(body, slot: S, env: V)
        heap.setStackSlot(E, car(heap.stackSlot(S)))
    }

    /// (do ((var init step)...) (test result...) body...). Returns the result,
    /// or nil with the last result expression left in tail position.
    private func evalDo(S: Int, T: Int, E: Int, V: Int) throws -> Value? {
        heap.setStackSlot(T, try makeFrame(parent: heap.stackSlot(V), vars: Imm.empty, vals: Imm.empty))
        heap.setStackSlot(S, car(cdr(heap.stackSlot(E))))
        let first = heap.stackDepth
        try pushInits(cursor: S, env: V)
        try bindPushed(car(cdr(heap.stackSlot(E))), from: first, frame: T, cursor: S)
        while true {
            let clause = car(cdr(cdr(heap.stackSlot(E))))
            if truthy(try eval(car(clause), heap.stackSlot(T))) {
                let results = cdr(car(cdr(cdr(heap.stackSlot(E)))))
                guard isPair(results) else { return Imm.unspecified }
                heap.setStackSlot(V, heap.stackSlot(T))
                try evalSequence(results, slot: S, env: V)
                heap.setStackSlot(E, car(heap.stackSlot(S)))
                return nil
            }
            heap.setStackSlot(S, cdr(cdr(cdr(heap.stackSlot(E)))))
            while isPair(heap.stackSlot(S)) {
                _ = try eval(car(heap.stackSlot(S)), heap.stackSlot(T))
                heap.setStackSlot(S, cdr(heap.stackSlot(S)))
            }
            // Steps are computed in the old frame, then bound in a new one,
            // so closures made in one iteration keep their own variables.
            heap.setStackSlot(S, car(cdr(heap.stackSlot(E))))
            while isPair(heap.stackSlot(S)) {
                let spec = car(heap.stackSlot(S))
                heap.push(isPair(cdr(cdr(spec))) ? try eval(car(cdr(cdr(spec))), heap.stackSlot(T)) : try lookup(car(spec), heap.stackSlot(T)))
                heap.setStackSlot(S, cdr(heap.stackSlot(S)))
            }
            let frame = try makeFrame(parent: heap.stackSlot(V), vars: Imm.empty, vals: Imm.empty)
            heap.setStackSlot(T, frame)
            try bindPushed(car(cdr(heap.stackSlot(E))), from: first, frame: T, cursor: S)
        }
    }

    /// Evaluates the init of each binding in the list in slot `cursor`,
    /// ((name init) ...), in the environment in slot `env`, pushing the values.
    private func pushInits(cursor: Int, env: Int) throws {
        while isPair(heap.stackSlot(cursor)) {
            heap.push(try eval(car(cdr(car(heap.stackSlot(cursor)))), heap.stackSlot(env)))
            heap.setStackSlot(cursor, cdr(heap.stackSlot(cursor)))
        }
    }

    /// Binds the name of each of `bindings`, in the frame in slot `frame`, to
    /// the values pushed from stack slot `first` on, in order, then pops them.
    /// Slot `cursor` walks the list, since each binding allocates.
    private func bindPushed(_ bindings: Value, from first: Int, frame: Int, cursor: Int) throws {
        heap.setStackSlot(cursor, bindings)
        var i = first
        while isPair(heap.stackSlot(cursor)) {
            try define(car(car(heap.stackSlot(cursor))), heap.stackSlot(i), heap.stackSlot(frame))
            i += 1
            heap.setStackSlot(cursor, cdr(heap.stackSlot(cursor)))
        }
        heap.truncateStack(to: first)
    }

    /// `(quote v)`, so a computed value can be handed back through the tail slot.
    func quoteValue(_ v: Value) throws -> Value {
        let list = try cons(v, Imm.empty)
        return try cons(try symbol("quote"), list)
    }

    /// Variable names of a let's bindings, as a list.
    func vars(of bindings: Value) throws -> Value {
        let base = heap.stackDepth
        defer { heap.truncateStack(to: base) }
        heap.push(bindings)
        var count = 0
        var b = bindings
        while isPair(b) { count += 1; b = cdr(b) }
        heap.push(Imm.empty)
        for k in stride(from: count - 1, through: 0, by: -1) {
            var h = heap.stackSlot(base)
            for _ in 0..<k { h = cdr(h) }
            heap.setStackSlot(base + 1, try cons(car(car(h)), heap.stackSlot(base + 1)))
        }
        return heap.stackSlot(base + 1)
    }

    /// Quasiquote without splicing: rebuilds pairs and vectors, evaluating
    /// (unquote x) parts.
    func quasi(_ template: Value, _ env: Value) throws -> Value {
        if isPair(template) {
            if formID(car(template)) == sUnquote { return try eval(car(cdr(template)), env) }
            let base = heap.stackDepth
            defer { heap.truncateStack(to: base) }
            heap.push(template); heap.push(env)
            let a = try quasi(car(template), env)
            heap.push(a)
            let d = try quasi(cdr(heap.stackSlot(base)), heap.stackSlot(base + 1))
            return try cons(heap.stackSlot(base + 2), d)
        }
        return template
    }
}
