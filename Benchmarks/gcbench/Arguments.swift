import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command line read against the options its command declares.
///
/// Invariant: every word is accounted for, as a positional word, a declared
/// flag, or a declared option with its value, each given at most once;
/// anything else is a `UsageError` naming the word. A mistyped or
/// misplaced option must stop the run, not be taken as another option's
/// value or silently dropped: a benchmark run with an option ignored
/// measures something other than what was asked.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init() {}

    /// `options` take a value (`--name value`); `flags` stand alone.
    init(_ words: [String], options valued: Set<String>, flags known: Set<String> = []) throws(UsageError) {
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            guard word.hasPrefix("-"), word != "-" else {
                positional.append(word)
                continue
            }
            let name = String(word.dropFirst(2))
            guard word.hasPrefix("--"), known.contains(name) || valued.contains(name) else {
                throw UsageError("unknown option \(word)")
            }
            guard !flags.contains(name), options[name] == nil else { throw UsageError("option \(word) is given twice") }
            if known.contains(name) {
                flags.insert(name)
                continue
            }
            // A value never starts with "--": `--workload --barrier x` lacks
            // the workload, it does not name a workload "--barrier".
            guard i < words.count, !words[i].hasPrefix("--") else { throw UsageError("option \(word) needs a value") }
            options[name] = words[i]
            i += 1
        }
    }

    /// Whether the words ask for help: `--help` or `-h` anywhere.
    static func asksForHelp(_ words: [String]) -> Bool { words.contains("--help") || words.contains("-h") }

    func int(_ name: String, default value: Int) throws(UsageError) -> Int {
        guard let text = options[name] else { return value }
        guard let n = Int(text), n >= 0 else { throw UsageError("--\(name) takes a non-negative integer, not '\(text)'") }
        return n
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func printError(_ message: String) {
    var text = message
    if !text.hasSuffix("\n") { text += "\n" }
    FileHandle.standardError.write(Data(text.utf8))
}

/// Parses a size in bytes: digits with an optional suffix k, m or g (either
/// case, powers of 1024), such as 4096, 64m, 1G. Nil for anything else: a
/// sign, a fraction, no digits, another suffix, or more than Int holds.
func parseBytes(_ text: String) -> Int? {
    let units: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
    var digits = Substring(text), unit = 1
    if let last = text.last, let u = units[Character(last.lowercased())] {
        digits = digits.dropLast()
        unit = u
    }
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
    let (bytes, overflow) = n.multipliedReportingOverflow(by: unit)
    return overflow ? nil : bytes
}
