import GCHeap

/// How many arguments a primitive takes.
enum Arity {
    case exactly(Int)
    case atLeast(Int)
    case between(Int, Int)

    func accepts(_ n: Int) -> Bool {
        switch self {
        case let .exactly(k): n == k
        case let .atLeast(k): n >= k
        case let .between(a, b): n >= a && n <= b
        }
    }
}

extension Interpreter {
    typealias Body = (Interpreter, Int, Int) throws -> Value

    func arg(_ base: Int, _ i: Int) -> Value { heap.stackSlot(base + i) }

    func fixnum(_ v: Value, _ who: String) throws -> Int {
        guard let n = v.immediate else { throw SchemeError("\(who): not a number: \(write(v))") }
        return n
    }

    func checkFixnum(_ r: (partialValue: Int, overflow: Bool), _ who: String) throws -> Value {
        guard !r.overflow, r.partialValue >= Imm.fixnumMin, r.partialValue <= Imm.fixnumMax else {
            throw SchemeError("\(who): fixnum overflow")
        }
        return Value(immediate: r.partialValue)
    }

    func vectorRef(_ v: Value, _ who: String) throws -> ObjectRef {
        guard kind(v) == .vector else { throw SchemeError("\(who): not a vector: \(write(v))") }
        return v.ref!
    }

    func index(_ v: Value, _ length: Int, _ who: String) throws -> Int {
        let i = try fixnum(v, who)
        guard i >= 0 && i < length else { throw SchemeError("\(who): index \(i) out of range for length \(length)") }
        return i
    }

    func stringValue(_ v: Value, _ who: String) throws -> String {
        guard kind(v) == .string else { throw SchemeError("\(who): not a string: \(write(v))") }
        return string(v)
    }

    /// Conses the values in stack slots [from, to) in front of `tail`.
    func listFromSlots(_ from: Int, _ to: Int, tail: Value) throws -> Value {
        heap.push(tail)
        let acc = heap.stackDepth - 1
        for i in stride(from: to - 1, through: from, by: -1) {
            heap.setStackSlot(acc, try cons(heap.stackSlot(i), heap.stackSlot(acc)))
        }
        return heap.pop()
    }

    /// Pushes the elements of a proper list; returns how many.
    func pushElements(_ list: Value, _ who: String) throws -> Int {
        var p = list, n = 0
        while isPair(p) { heap.push(car(p)); n += 1; p = cdr(p) }
        guard p == Imm.empty else { throw SchemeError("\(who): not a proper list: \(write(list))") }
        return n
    }

    /// A vector of the list in stack slot `base`.
    func listToVector(base: Int) throws -> Value {
        var n = 0
        var p = heap.stackSlot(base)
        while isPair(p) { n += 1; p = cdr(p) }
        let v = try allocate(pointers: n, bytes: 0, .vector)
        p = heap.stackSlot(base)
        for i in 0..<n { heap.store(v, i, car(p)); p = cdr(p) }
        return Value(v)
    }

    func equal(_ a: Value, _ b: Value) -> Bool {
        if a == b { return true }
        switch (kind(a), kind(b)) {
        case (.pair?, .pair?): return equal(car(a), car(b)) && equal(cdr(a), cdr(b))
        case (.string?, .string?): return string(a) == string(b)
        case (.vector?, .vector?):
            let x = a.ref!, y = b.ref!
            guard heap.pointerCount(x) == heap.pointerCount(y) else { return false }
            return (0..<heap.pointerCount(x)).allSatisfy { equal(heap.load(x, $0), heap.load(y, $0)) }
        default: return false
        }
    }

    func isProcedure(_ v: Value) -> Bool { Imm.isPrimitive(v) || kind(v) == .closure || kind(v) == .guardian }

    func installPrimitives() {
        func def(_ name: String, _ arity: Arity, _ body: @escaping Body) {
            let index = primitives.count
            primitiveNames.append(name)
            primitives.append { s, base, count in
                guard arity.accepts(count) else { throw SchemeError("wrong number of arguments to \(name): got \(count)") }
                return try body(s, base, count)
            }
            let id = (try? symbol(name)).map(symbolID)!
            globals[id] = heap.makeRoot(Imm.primitive(index))
        }
        func pred(_ name: String, _ test: @escaping (Interpreter, Value) -> Bool) {
            def(name, .exactly(1)) { s, b, _ in Imm.bool(test(s, s.arg(b, 0))) }
        }

        // Pairs and lists.
        def("cons", .exactly(2)) { s, b, _ in try s.cons(s.arg(b, 0), s.arg(b, 1)) }
        def("car", .exactly(1)) { s, b, _ in try s.checkedCar(s.arg(b, 0), "car") }
        def("cdr", .exactly(1)) { s, b, _ in try s.checkedCdr(s.arg(b, 0), "cdr") }
        def("set-car!", .exactly(2)) { s, b, _ in
            _ = try s.checkedCar(s.arg(b, 0), "set-car!"); s.heap.store(s.arg(b, 0).ref!, 0, s.arg(b, 1)); return Imm.unspecified
        }
        def("set-cdr!", .exactly(2)) { s, b, _ in
            _ = try s.checkedCdr(s.arg(b, 0), "set-cdr!"); s.heap.store(s.arg(b, 0).ref!, 1, s.arg(b, 1)); return Imm.unspecified
        }
        def("list", .atLeast(0)) { s, b, n in try s.listFromSlots(b, b + n, tail: Imm.empty) }
        def("length", .exactly(1)) { s, b, _ in
            var p = s.arg(b, 0), n = 0
            while s.isPair(p) { n += 1; p = s.cdr(p) }
            guard p == Imm.empty else { throw SchemeError("length: not a proper list: \(s.write(s.arg(b, 0)))") }
            return Value(immediate: n)
        }
        def("append", .atLeast(0)) { s, b, n in
            guard n > 0 else { return Imm.empty }
            s.heap.push(s.arg(b, n - 1))
            let result = s.heap.stackDepth - 1
            for j in stride(from: n - 2, through: 0, by: -1) {
                let mark = s.heap.stackDepth
                _ = try s.pushElements(s.arg(b, j), "append")
                let joined = try s.listFromSlots(mark, s.heap.stackDepth, tail: s.heap.stackSlot(result))
                s.heap.truncateStack(to: mark)
                s.heap.setStackSlot(result, joined)
            }
            return s.heap.pop()
        }
        def("reverse", .exactly(1)) { s, b, _ in
            let mark = s.heap.stackDepth
            defer { s.heap.truncateStack(to: mark) }
            let n = try s.pushElements(s.arg(b, 0), "reverse")
            var acc = Imm.empty
            s.heap.push(acc)
            for i in 0..<n { acc = try s.cons(s.heap.stackSlot(mark + i), s.heap.stackSlot(mark + n)); s.heap.setStackSlot(mark + n, acc) }
            return s.heap.stackSlot(mark + n)
        }
        def("list-tail", .exactly(2)) { s, b, _ in
            var p = s.arg(b, 0)
            for _ in 0..<(try s.fixnum(s.arg(b, 1), "list-tail")) { p = try s.checkedCdr(p, "list-tail") }
            return p
        }
        def("list-ref", .exactly(2)) { s, b, _ in
            var p = s.arg(b, 0)
            for _ in 0..<(try s.fixnum(s.arg(b, 1), "list-ref")) { p = try s.checkedCdr(p, "list-ref") }
            return try s.checkedCar(p, "list-ref")
        }
        def("memq", .exactly(2)) { s, b, _ in
            var p = s.arg(b, 1)
            while s.isPair(p) { if s.car(p) == s.arg(b, 0) { return p }; p = s.cdr(p) }
            return Imm.falseValue
        }
        for (name, same) in [("assq", false), ("assoc", true)] {
            def(name, .exactly(2)) { s, b, _ in
                var p = s.arg(b, 1)
                while s.isPair(p) {
                    let entry = try s.checkedCar(s.car(p), name)
                    if same ? s.equal(entry, s.arg(b, 0)) : entry == s.arg(b, 0) { return s.car(p) }
                    p = s.cdr(p)
                }
                return Imm.falseValue
            }
        }
        for (name, collect) in [("map", true), ("for-each", false)] {
            def(name, .atLeast(2)) { s, b, n in
                guard s.isProcedure(s.arg(b, 0)) else { throw SchemeError("\(name): not a procedure: \(s.write(s.arg(b, 0)))") }
                let results = s.heap.stackDepth
                while (1..<n).allSatisfy({ s.isPair(s.arg(b, $0)) }) {
                    let call = s.heap.stackDepth
                    s.heap.push(s.arg(b, 0))
                    for i in 1..<n { s.heap.push(s.car(s.arg(b, i))); s.heap.setStackSlot(b + i, s.cdr(s.arg(b, i))) }
                    let r = try s.apply(argBase: call + 1, count: n - 1)
                    s.heap.truncateStack(to: call)
                    if collect { s.heap.push(r) }
                }
                defer { s.heap.truncateStack(to: results) }
                return collect ? try s.listFromSlots(results, s.heap.stackDepth, tail: Imm.empty) : Imm.unspecified
            }
        }
        def("apply", .atLeast(2)) { s, b, n in
            let call = s.heap.stackDepth
            defer { s.heap.truncateStack(to: call) }
            s.heap.push(s.arg(b, 0))
            for i in 1..<(n - 1) { s.heap.push(s.arg(b, i)) }
            _ = try s.pushElements(s.arg(b, n - 1), "apply")
            return try s.apply(argBase: call + 1, count: s.heap.stackDepth - call - 1)
        }

        // Vectors.
        def("make-vector", .between(1, 2)) { s, b, n in
            let k = try s.fixnum(s.arg(b, 0), "make-vector")
            guard k >= 0 else { throw SchemeError("make-vector: negative length \(k)") }
            let v = try s.allocate(pointers: k, bytes: 0, .vector)
            let fill = n == 2 ? s.arg(b, 1) : Value(immediate: 0)
            for i in 0..<k { s.heap.store(v, i, fill) }
            return Value(v)
        }
        def("vector", .atLeast(0)) { s, b, n in
            let v = try s.allocate(pointers: n, bytes: 0, .vector)
            for i in 0..<n { s.heap.store(v, i, s.arg(b, i)) }
            return Value(v)
        }
        def("vector-ref", .exactly(2)) { s, b, _ in
            let v = try s.vectorRef(s.arg(b, 0), "vector-ref")
            return s.heap.load(v, try s.index(s.arg(b, 1), s.heap.pointerCount(v), "vector-ref"))
        }
        def("vector-set!", .exactly(3)) { s, b, _ in
            let v = try s.vectorRef(s.arg(b, 0), "vector-set!")
            s.heap.store(v, try s.index(s.arg(b, 1), s.heap.pointerCount(v), "vector-set!"), s.arg(b, 2))
            return Imm.unspecified
        }
        def("vector-length", .exactly(1)) { s, b, _ in Value(immediate: s.heap.pointerCount(try s.vectorRef(s.arg(b, 0), "vector-length"))) }
        def("vector->list", .exactly(1)) { s, b, _ in
            let v = try s.vectorRef(s.arg(b, 0), "vector->list")
            let mark = s.heap.stackDepth
            defer { s.heap.truncateStack(to: mark) }
            for i in 0..<s.heap.pointerCount(v) { s.heap.push(s.heap.load(v, i)) }
            return try s.listFromSlots(mark, s.heap.stackDepth, tail: Imm.empty)
        }
        def("list->vector", .exactly(1)) { s, b, _ in
            var p = s.arg(b, 0)
            while s.isPair(p) { p = s.cdr(p) }
            guard p == Imm.empty else { throw SchemeError("list->vector: not a proper list") }
            return try s.listToVector(base: b)
        }
        def("vector-fill!", .exactly(2)) { s, b, _ in
            let v = try s.vectorRef(s.arg(b, 0), "vector-fill!")
            for i in 0..<s.heap.pointerCount(v) { s.heap.store(v, i, s.arg(b, 1)) }
            return Imm.unspecified
        }

        // Numbers.
        def("+", .atLeast(0)) { s, b, n in
            var acc = Value(immediate: 0)
            for i in 0..<n { acc = try s.checkFixnum(acc.immediate!.addingReportingOverflow(try s.fixnum(s.arg(b, i), "+")), "+") }
            return acc
        }
        def("*", .atLeast(0)) { s, b, n in
            var acc = Value(immediate: 1)
            for i in 0..<n { acc = try s.checkFixnum(acc.immediate!.multipliedReportingOverflow(by: try s.fixnum(s.arg(b, i), "*")), "*") }
            return acc
        }
        def("-", .atLeast(1)) { s, b, n in
            let first = try s.fixnum(s.arg(b, 0), "-")
            if n == 1 { return try s.checkFixnum((0).subtractingReportingOverflow(first), "-") }
            var acc = Value(immediate: first)
            for i in 1..<n { acc = try s.checkFixnum(acc.immediate!.subtractingReportingOverflow(try s.fixnum(s.arg(b, i), "-")), "-") }
            return acc
        }
        for (name, op) in [("quotient", 0), ("remainder", 1), ("modulo", 2)] {
            def(name, .exactly(2)) { s, b, _ in
                let x = try s.fixnum(s.arg(b, 0), name), y = try s.fixnum(s.arg(b, 1), name)
                guard y != 0 else { throw SchemeError("\(name): division by zero") }
                switch op {
                case 0: return try s.checkFixnum(x.dividedReportingOverflow(by: y), name)
                case 1: return Value(immediate: x % y)
                default: let r = x % y; return Value(immediate: r != 0 && (r < 0) != (y < 0) ? r + y : r)
                }
            }
        }
        for (name, test) in [("=", { (a: Int, c: Int) in a == c }), ("<", { $0 < $1 }), (">", { $0 > $1 }),
                             ("<=", { $0 <= $1 }), (">=", { $0 >= $1 })] {
            def(name, .atLeast(1)) { s, b, n in
                var ok = true
                var previous = try s.fixnum(s.arg(b, 0), name)
                for i in 1..<max(1, n) {
                    let x = try s.fixnum(s.arg(b, i), name)
                    ok = ok && test(previous, x)
                    previous = x
                }
                return Imm.bool(ok)
            }
        }
        def("zero?", .exactly(1)) { s, b, _ in Imm.bool(try s.fixnum(s.arg(b, 0), "zero?") == 0) }
        def("even?", .exactly(1)) { s, b, _ in Imm.bool(try s.fixnum(s.arg(b, 0), "even?") % 2 == 0) }
        def("odd?", .exactly(1)) { s, b, _ in Imm.bool(try s.fixnum(s.arg(b, 0), "odd?") % 2 != 0) }
        def("abs", .exactly(1)) { s, b, _ in Value(immediate: abs(try s.fixnum(s.arg(b, 0), "abs"))) }
        for (name, pickMin) in [("min", true), ("max", false)] {
            def(name, .atLeast(1)) { s, b, n in
                var best = try s.fixnum(s.arg(b, 0), name)
                for i in 1..<max(1, n) { let x = try s.fixnum(s.arg(b, i), name); best = pickMin ? min(best, x) : max(best, x) }
                return Value(immediate: best)
            }
        }

        // Predicates.
        pred("null?") { _, v in v == Imm.empty }
        pred("pair?") { s, v in s.isPair(v) }
        pred("not") { _, v in v == Imm.falseValue }
        pred("symbol?") { s, v in s.kind(v) == .symbol }
        pred("procedure?") { s, v in s.isProcedure(v) }
        pred("vector?") { s, v in s.kind(v) == .vector }
        pred("string?") { s, v in s.kind(v) == .string }
        def("eq?", .exactly(2)) { s, b, _ in Imm.bool(s.arg(b, 0) == s.arg(b, 1)) }
        def("eqv?", .exactly(2)) { s, b, _ in Imm.bool(s.arg(b, 0) == s.arg(b, 1)) }
        def("equal?", .exactly(2)) { s, b, _ in Imm.bool(s.equal(s.arg(b, 0), s.arg(b, 1))) }

        // Strings.
        def("string-length", .exactly(1)) { s, b, _ in Value(immediate: try s.stringValue(s.arg(b, 0), "string-length").utf8.count) }
        def("string-append", .atLeast(0)) { s, b, n in
            var out = ""
            for i in 0..<n { out += try s.stringValue(s.arg(b, i), "string-append") }
            return try s.makeString(out)
        }
        def("number->string", .exactly(1)) { s, b, _ in try s.makeString(String(try s.fixnum(s.arg(b, 0), "number->string"))) }
        def("symbol->string", .exactly(1)) { s, b, _ in
            guard s.kind(s.arg(b, 0)) == .symbol else { throw SchemeError("symbol->string: not a symbol: \(s.write(s.arg(b, 0)))") }
            return try s.makeString(s.symbolName(s.arg(b, 0)))
        }
        def("string=?", .exactly(2)) { s, b, _ in
            Imm.bool(try s.stringValue(s.arg(b, 0), "string=?") == s.stringValue(s.arg(b, 1), "string=?"))
        }

        installWeakPrimitives(def)

        // Output and errors.
        def("display", .exactly(1)) { s, b, _ in s.output(s.display(s.arg(b, 0))); return Imm.unspecified }
        def("write", .exactly(1)) { s, b, _ in s.output(s.write(s.arg(b, 0))); return Imm.unspecified }
        def("newline", .exactly(0)) { s, _, _ in s.output("\n"); return Imm.unspecified }
        def("error", .atLeast(1)) { s, b, n in
            var message = s.display(s.arg(b, 0))
            for i in 1..<max(1, n) { message += " " + s.write(s.arg(b, i)) }
            throw SchemeError(message)
        }
    }
}
