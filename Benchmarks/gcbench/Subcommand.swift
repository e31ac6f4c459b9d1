import Foundation

/// How every gcbench subcommand meets its caller: `--help` or `-h` prints
/// the usage on standard output and exits 0; a usage error goes to standard
/// error with what to do and exits 2; any other failure exits 1.
///
/// Invariant: every subcommand goes through `run`, so the three outcomes
/// look the same everywhere and no subcommand can mistake `--help` for an
/// option's value or a workload's name.
enum Subcommand {
    /// `name` is how the subcommand is typed after `gcbench` ("" for the suite).
    static func run(_ name: String, usage: String, _ words: [String], _ body: ([String]) throws -> Int32) -> Int32 {
        let command = name.isEmpty ? "gcbench" : "gcbench \(name)"
        if Arguments.asksForHelp(words) {
            print(usage)
            return 0
        }
        do {
            return try body(words)
        } catch let e as UsageError {
            printError("\(command): \(e)\nrun '\(command) --help' for the usage")
            return 2
        } catch {
            printError("\(command): \(error)")
            return 1
        }
    }
}
