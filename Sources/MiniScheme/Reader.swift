import GCHeap

/// Reads Scheme data from text straight into the heap. Elements of a list
/// being read wait on the shadow stack until the list is built.
struct Reader {
    let bytes: [UInt8]
    var position = 0
    var line = 1

    init(_ source: String) { bytes = Array(source.utf8) }

    func error(_ message: String) -> SyntaxError { SyntaxError(line: line, message: message) }

    mutating func skipSpace() {
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: ";") {
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
            } else if c == UInt8(ascii: "\n") {
                line += 1; position += 1
            } else if c == 32 || c == 9 || c == 13 {
                position += 1
            } else {
                return
            }
        }
    }

    static func isDelimiter(_ c: UInt8) -> Bool {
        c == 32 || c == 9 || c == 10 || c == 13 || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "\"") || c == UInt8(ascii: ";")
    }

    /// The next datum, or nil at the end of the text.
    mutating func read<B>(_ s: Interpreter<B>) throws -> Value? {
        skipSpace()
        guard position < bytes.count else { return nil }
        return try datum(s)
    }

    mutating func datum<B>(_ s: Interpreter<B>) throws -> Value {
        skipSpace()
        guard position < bytes.count else { throw error("unexpected end of input") }
        let c = bytes[position]
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: "["):
            position += 1
            return try list(s, close: c == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]"))
        case UInt8(ascii: ")"), UInt8(ascii: "]"):
            throw error("unexpected '\(Character(UnicodeScalar(c)))'")
        case UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: ","):
            position += 1
            if c == UInt8(ascii: ","), position < bytes.count, bytes[position] == UInt8(ascii: "@") {
                throw error("unquote-splicing (,@) is not supported")
            }
            let name = c == UInt8(ascii: "'") ? "quote" : c == UInt8(ascii: "`") ? "quasiquote" : "unquote"
            let inner = try datum(s)
            let tail = try s.cons(inner, Imm.empty)
            s.heap.push(tail)
            let head = try s.symbol(name)
            return try s.cons(head, s.heap.pop())
        case UInt8(ascii: "\""):
            position += 1
            return try s.makeString(try stringLiteral())
        case UInt8(ascii: "#"):
            return try hash(s)
        default:
            return try atom(s)
        }
    }

    mutating func list<B>(_ s: Interpreter<B>, close: UInt8) throws -> Value {
        let base = s.heap.stackDepth
        defer { s.heap.truncateStack(to: base) }
        var tail = Imm.empty
        var dotted = false
        while true {
            skipSpace()
            guard position < bytes.count else { throw error("missing ')'") }
            if bytes[position] == close { position += 1; break }
            if bytes[position] == UInt8(ascii: "."), position + 1 < bytes.count, Reader.isDelimiter(bytes[position + 1]) {
                guard s.heap.stackDepth > base else { throw error("'.' at the start of a list") }
                position += 1
                s.heap.push(try datum(s))
                skipSpace()
                guard position < bytes.count, bytes[position] == close else { throw error("expected ')' after the dotted tail") }
                position += 1
                dotted = true
                break
            }
            s.heap.push(try datum(s))
        }
        var end = s.heap.stackDepth
        if dotted { end -= 1; tail = s.heap.stackSlot(end) }
        s.heap.push(tail)
        let acc = s.heap.stackDepth - 1
        for i in stride(from: end - 1, through: base, by: -1) {
            s.heap.setStackSlot(acc, try s.cons(s.heap.stackSlot(i), s.heap.stackSlot(acc)))
        }
        return s.heap.stackSlot(acc)
    }

    mutating func stringLiteral() throws -> String {
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated string") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\n") { line += 1 }
            if c == UInt8(ascii: "\\") {
                guard position < bytes.count else { throw error("unterminated string") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
                default: throw error("unknown escape '\\\(Character(UnicodeScalar(e)))' in a string")
                }
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func token() -> String {
        let start = position
        while position < bytes.count && !Reader.isDelimiter(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func hash<B>(_ s: Interpreter<B>) throws -> Value {
        if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "(") {
            position += 2
            let list = try self.list(s, close: UInt8(ascii: ")"))
            s.heap.push(list)
            defer { s.heap.pop() }
            return try s.listToVector(base: s.heap.stackDepth - 1)
        }
        if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\\") {
            position += 2
            let start = position
            if position < bytes.count { position += 1 }
            while position < bytes.count && !Reader.isDelimiter(bytes[position]) { position += 1 }
            let name = String(decoding: bytes[start..<position], as: UTF8.self)
            switch name {
            case "space": return Imm.char(32)
            case "newline": return Imm.char(10)
            case "tab": return Imm.char(9)
            default:
                guard let scalar = name.unicodeScalars.first, name.unicodeScalars.count == 1 else { throw error("unknown character #\\\(name)") }
                return Imm.char(scalar.value)
            }
        }
        let t = token()
        switch t {
        case "#t", "#true": return Imm.trueValue
        case "#f", "#false": return Imm.falseValue
        default: throw error("unknown syntax '\(t)'")
        }
    }

    mutating func atom<B>(_ s: Interpreter<B>) throws -> Value {
        let t = token()
        if let n = Int(t) {
            guard n >= Imm.fixnumMin && n <= Imm.fixnumMax else { throw error("number \(t) is out of the fixnum range") }
            return Value(immediate: n)
        }
        guard !t.isEmpty else { throw error("unexpected character") }
        return try s.symbol(t)
    }
}
