import Foundation
import WriteWatch

/// `gcbench minheap --workload W [--barrier B] [size options]`: the smallest
/// `--heap` at which W completes and validates, found by binary search.
///
/// Invariant: every probe is a child `run-one` process, so a probe that
/// exhausts its heap (or fails its validation) ends that child alone, with
/// a status, never this search; the answer is a size that passed, and the
/// size a step below it failed.
enum MinHeapCommand {
    static let usage = """
    usage: gcbench minheap --workload W [--barrier B] [--major stw|concurrent] [--nursery BYTES] [size options]
      The smallest heap limit (--heap) at which workload W completes and validates, to within
      1/32 of it (or 256 KiB): a binary search from 1 MiB to 4 GiB, each probe a child run-one.
      Prints the size in bytes. The size options are run-one's.
    """

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("minheap", usage: usage, words) { words in
            guard !words.contains("--heap") else { throw UsageError("minheap searches --heap itself: do not give it") }
            // The same checks as run-one, before any probe runs.
            let plan = try RunOneCommand.plan(words)
            if let notice = plan.notice { printError("gcbench minheap: \(notice)") }
            var rest = words
            if let i = rest.firstIndex(of: "--barrier") { rest.removeSubrange(i...i + 1) }
            let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            guard let found = try minimum(runOne: me, rest + ["--barrier", plan.barrier.rawValue]) else {
                printError("gcbench minheap: \(plan.workload) does not complete even at a 4 GiB heap")
                return 1
            }
            print(found)
            return 0
        }
    }

    /// The smallest heap at which `gcbench run-one ARGUMENTS --heap SIZE`
    /// succeeds, by child processes of `runOne`; nil if 4 GiB fails.
    static func minimum(runOne: URL, _ arguments: [String]) throws -> Int? {
        try search(low: 1 << 20, high: 4 << 30) { bytes in
            let p = Process()
            p.executableURL = runOne
            p.arguments = ["run-one"] + arguments + ["--heap", "\(bytes)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus == 0
        }
    }

    /// The smallest size in `low...high` for which `passes` holds, assuming
    /// it holds for every size above one that does; nil if `high` fails.
    static func search(low: Int, high: Int, passes: (Int) throws -> Bool) rethrows -> Int? {
        guard try passes(high) else { return nil }
        if try passes(low) { return low }
        var fail = low, pass = high
        while pass - fail > max(256 << 10, pass / 32) {
            let mid = fail + (pass - fail) / 2
            if try passes(mid) { pass = mid } else { fail = mid }
        }
        return pass
    }
}
