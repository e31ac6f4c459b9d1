import GCHeap

extension Interpreter {
    /// `display` form: strings and characters as themselves.
    func display(_ v: Value) -> String { var out = ""; print(v, write: false, into: &out); return out }

    /// `write` form: strings quoted, characters as #\x.
    func write(_ v: Value) -> String { var out = ""; print(v, write: true, into: &out); return out }

    func print(_ v: Value, write: Bool, into out: inout String) {
        if let n = v.immediate { out += String(n); return }
        switch v {
        case Imm.empty: out += "()"; return
        case Imm.trueValue: out += "#t"; return
        case Imm.falseValue: out += "#f"; return
        case Imm.unspecified: return
        default: break
        }
        if Imm.isChar(v) {
            let c = Character(UnicodeScalar(Imm.charCode(v)) ?? "?")
            if !write { out.append(c); return }
            switch c {
            case " ": out += "#\\space"
            case "\n": out += "#\\newline"
            case "\t": out += "#\\tab"
            default: out += "#\\\(c)"
            }
            return
        }
        if Imm.isPrimitive(v) { out += "#<primitive \(primitiveNames[Imm.primitiveIndex(v)])>"; return }
        switch kind(v) {
        case .pair?:
            out += "("
            var p = v
            var first = true
            while isPair(p) {
                if !first { out += " " }
                first = false
                print(car(p), write: write, into: &out)
                p = cdr(p)
            }
            if p != Imm.empty { out += " . "; print(p, write: write, into: &out) }
            out += ")"
        case .vector?:
            out += "#("
            let r = v.ref!
            for i in 0..<heap.pointerCount(r) {
                if i > 0 { out += " " }
                print(heap.load(r, i), write: write, into: &out)
            }
            out += ")"
        case .string?:
            let s = string(v)
            if !write { out += s; return }
            out += "\""
            for c in s {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default: out.append(c)
                }
            }
            out += "\""
        case .symbol?: out += symbolName(v)
        case .closure?: out += "#<procedure>"
        case .frame?: out += "#<environment>"
        case .weakBox?: out += "#<weak-box>"
        case .ephemeron?: out += "#<ephemeron>"
        case .guardian?: out += "#<guardian>"
        case nil: out += "#<unknown \(v.bits)>"
        }
    }
}
