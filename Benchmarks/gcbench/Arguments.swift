import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small command-line reader: positional words and `--name value` options.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init(_ words: [String], flags known: Set<String>) throws(UsageError) {
        var i = 0
        while i < words.count {
            let w = words[i]
            if w.hasPrefix("--") {
                let name = String(w.dropFirst(2))
                if known.contains(name) {
                    flags.insert(name)
                } else {
                    guard i + 1 < words.count else { throw UsageError("option --\(name) needs a value") }
                    options[name] = words[i + 1]
                    i += 1
                }
            } else {
                positional.append(w)
            }
            i += 1
        }
    }

    /// Fails on options the command does not know.
    func only(_ allowed: Set<String>) throws(UsageError) {
        for name in options.keys where !allowed.contains(name) { throw UsageError("unknown option --\(name)") }
    }

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

/// Parses sizes such as 64M, 1G, 4096.
func parseBytes(_ text: String) -> Int? {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    if let last = text.last, let unit = units[Character(last.uppercased())] {
        return Int(text.dropLast()).map { $0 * unit }
    }
    return Int(text)
}
