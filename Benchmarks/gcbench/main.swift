#if canImport(Glibc)
import Glibc
#endif
import WriteWatch

let gcbenchSubcommands = "run-one, minheap, replay, tracker, peer, report, probe, help"

let usage = """
usage: gcbench [suite options]       run the benchmark suite (options below)
       gcbench run-one --workload W [--barrier B] ...   one measured run, one JSON record
       gcbench minheap --workload W [--barrier B] ...   the smallest --heap at which W validates
       gcbench replay TRACE ...      run a mutator trace
       gcbench tracker ...           the tracker micro-benchmark
       gcbench peer ...              the peers: Boehm GC (C, needs libgc-dev) and HotSpot (Java, needs a JDK)
       gcbench report SUITE.json [--svg FILE]   the table and chart of a saved suite run
       gcbench probe                 what this machine supports
       gcbench help                  this text
Each subcommand answers --help (or -h) with its own usage.
"""

let probeUsage = """
usage: gcbench probe
  What this machine supports: the kernel, its userfaultfd features, and for each tracking
  mechanism whether it is available and, if not, why.
"""

let words = Array(CommandLine.arguments.dropFirst())
let status: Int32
switch words.first {
case "probe":
    status = Subcommand.run("probe", usage: probeUsage, Array(words.dropFirst())) { words in
        let args = try Arguments(words, options: [])
        guard args.positional.isEmpty else { throw UsageError("probe takes no arguments, not '\(args.positional[0])'") }
        print(Probe.run())
        return 0
    }
case "replay":
    status = ReplayCommand.run(Array(words.dropFirst()))
case "run-one":
    status = RunOneCommand.run(Array(words.dropFirst()))
case "minheap":
    status = MinHeapCommand.run(Array(words.dropFirst()))
case "report":
    status = SuiteCommand.report(Array(words.dropFirst()))
case "peer":
    status = PeerCommand.run(Array(words.dropFirst()))
case "tracker":
    status = TrackerBenchmark.run(Array(words.dropFirst()))
case "help", "--help", "-h":
    print(usage)
    print()
    print(SuiteCommand.usage)
    status = 0
default:
    status = SuiteCommand.run(words)
}
exit(status)
