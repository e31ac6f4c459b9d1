#if canImport(Glibc)
import Glibc
#endif
import WriteWatch

let usage = """
usage: gcbench [suite options]       run the benchmark suite (options below)
       gcbench probe                 what this machine supports
       gcbench replay TRACE ...      run a mutator trace
       gcbench tracker ...           the tracker micro-benchmark
       gcbench report SUITE.json [--svg FILE]   the table and chart of a saved suite run
       gcbench peer ...              GCBench and binarytrees in C on Boehm GC (needs libgc-dev)
"""

let words = Array(CommandLine.arguments.dropFirst())
let status: Int32
switch words.first {
case "probe":
    print(Probe.run())
    status = 0
case "replay":
    status = ReplayCommand.run(Array(words.dropFirst()))
case "run-one":
    status = RunOneCommand.run(Array(words.dropFirst()))
case "report":
    status = SuiteCommand.report(Array(words.dropFirst()))
case "peer":
    status = BoehmPeer.run(Array(words.dropFirst()))
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
