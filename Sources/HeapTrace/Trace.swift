/// One command of a mutator trace (see docs/trace-format.md).
public enum TraceCommand: Equatable, Sendable {
    case alloc(id: Int, pointers: Int, bytes: Int)
    case set(id: Int, field: Int, target: Int?)
    case get(id: Int, field: Int)
    case poke(id: Int, offset: Int, byte: Int)
    case drop(id: Int)
    case minor
    case major
    case verify
    /// A weak box whose target is root `target`.
    case weak(id: Int, target: Int)
    /// Weak box root `id`'s target := root `target`, or nil.
    case weakset(id: Int, target: Int?)
    case ephemeron(id: Int, key: Int, value: Int?)
    case guardian(name: String)
    case guardObject(guardian: String, id: Int)
    /// Take guardian `guardian`'s earliest ready registration, which must be `id`.
    case pop(guardian: String, id: Int)

    /// Whether the command is one of the weak-reference lines.
    public var isWeakLine: Bool {
        switch self {
        case .weak, .weakset, .ephemeron, .guardian, .guardObject, .pop: true
        default: false
        }
    }
}

/// A command and the line it came from.
public struct TraceLine: Equatable, Sendable {
    public var line: Int
    public var command: TraceCommand
    public init(line: Int, command: TraceCommand) {
        self.line = line
        self.command = command
    }
}

/// A problem at a line of a trace: `line N: <what is wrong>`.
public struct TraceError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }
}

public enum Trace {
    /// Parses a whole trace. Only the form is checked here; whether IDs are
    /// roots and fields in range is checked as the trace runs.
    public static func parse(_ text: String) throws(TraceError) -> [TraceLine] {
        var out: [TraceLine] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let verb = words.first else { continue }
            out.append(TraceLine(line: number, command: try command(String(verb), Array(words.dropFirst()), line: number)))
        }
        return out
    }

    private static func command(_ verb: String, _ args: [Substring], line: Int) throws(TraceError) -> TraceCommand {
        func arity(_ n: Int, _ usage: String) throws(TraceError) {
            guard args.count == n else {
                throw TraceError(line: line, "\(verb) takes \(n) argument\(n == 1 ? "" : "s") (\(usage)), got \(args.count)")
            }
        }
        func number(_ i: Int, _ what: String) throws(TraceError) -> Int {
            let word = args[i]
            guard !word.isEmpty, word.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(word) else {
                throw TraceError(line: line, "\(what) '\(word)' is not a non-negative decimal number")
            }
            return n
        }
        switch verb {
        case "alloc":
            try arity(3, "alloc ID NPTR NBYTES")
            return .alloc(id: try number(0, "ID"), pointers: try number(1, "NPTR"), bytes: try number(2, "NBYTES"))
        case "set":
            try arity(3, "set ID FIELD TARGET")
            let target: Int? = args[2] == "-" ? nil : try number(2, "TARGET")
            return .set(id: try number(0, "ID"), field: try number(1, "FIELD"), target: target)
        case "get":
            try arity(2, "get ID FIELD")
            return .get(id: try number(0, "ID"), field: try number(1, "FIELD"))
        case "poke":
            try arity(3, "poke ID OFFSET BYTE")
            let byte = try number(2, "BYTE")
            guard byte <= 255 else { throw TraceError(line: line, "BYTE \(byte) is over 255") }
            return .poke(id: try number(0, "ID"), offset: try number(1, "OFFSET"), byte: byte)
        case "drop":
            try arity(1, "drop ID")
            return .drop(id: try number(0, "ID"))
        case "minor":
            try arity(0, "minor")
            return .minor
        case "major":
            try arity(0, "major")
            return .major
        case "verify":
            try arity(0, "verify")
            return .verify
        case "weak":
            try arity(2, "weak ID TARGET")
            return .weak(id: try number(0, "ID"), target: try number(1, "TARGET"))
        case "weakset":
            try arity(2, "weakset ID TARGET")
            let target: Int? = args[1] == "-" ? nil : try number(1, "TARGET")
            return .weakset(id: try number(0, "ID"), target: target)
        case "ephemeron":
            try arity(3, "ephemeron ID KEY VALUE")
            let value: Int? = args[2] == "-" ? nil : try number(2, "VALUE")
            return .ephemeron(id: try number(0, "ID"), key: try number(1, "KEY"), value: value)
        case "guardian":
            try arity(1, "guardian G")
            return .guardian(name: String(args[0]))
        case "guard":
            try arity(2, "guard G ID")
            return .guardObject(guardian: String(args[0]), id: try number(1, "ID"))
        case "pop":
            try arity(2, "pop G ID")
            return .pop(guardian: String(args[0]), id: try number(1, "ID"))
        default:
            throw TraceError(line: line, "unknown command '\(verb)'")
        }
    }
}
