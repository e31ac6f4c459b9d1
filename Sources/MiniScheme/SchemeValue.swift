import GCHeap

/// How Scheme values live in the heap.
///
/// Fixnums are the heap's immediates (low bit 1). The other constants are
/// words whose low three bits are 010 or 110: not 8-aligned, so the
/// collector never mistakes them for pointers, and low bit clear, so they
/// are not fixnums. Everything else is a heap object whose embedder tag says
/// what it is.
enum Imm {
    static let empty = Value(bits: 0x02)
    static let falseValue = Value(bits: 0x0A)
    static let trueValue = Value(bits: 0x12)
    static let unspecified = Value(bits: 0x1A)

    static func char(_ c: UInt32) -> Value { Value(bits: UInt(c) << 8 | 0x06) }
    static func isChar(_ v: Value) -> Bool { v.bits & 0xFF == 0x06 }
    static func charCode(_ v: Value) -> UInt32 { UInt32(truncatingIfNeeded: v.bits >> 8) }

    static func primitive(_ index: Int) -> Value { Value(bits: UInt(index) << 8 | 0x0E) }
    static func isPrimitive(_ v: Value) -> Bool { v.bits & 0xFF == 0x0E }
    static func primitiveIndex(_ v: Value) -> Int { Int(v.bits >> 8) }

    static func bool(_ b: Bool) -> Value { b ? trueValue : falseValue }

    /// Fixnums have 62 bits and a sign.
    static let fixnumMax = Int.max >> 1
    static let fixnumMin = Int.min >> 1
}

/// Heap object kinds, kept in the object's tag word.
enum Kind: UInt32 {
    case pair = 1        // car, cdr
    case vector = 2      // n fields
    case string = 3      // UTF-8 data
    case symbol = 4      // UTF-8 data, interned
    case closure = 5     // formals (proper list), body, env, rest flag
    case frame = 6       // parent, vars, vals
    case weakBox = 7     // the heap's weak box: its target
    case ephemeron = 8   // the heap's ephemeron: key, value
    case guardian = 9    // a procedure: the heap guardian's handle as data
}

/// An error in the Scheme program: printed as `error: <message>`.
public struct SchemeError: Error, CustomStringConvertible {
    public var message: String
    public init(_ m: String) { message = m }
    public var description: String { "error: \(message)" }
}

/// A syntax error in the program text, with its line.
public struct SyntaxError: Error, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "syntax error at line \(line): \(message)" }
}
