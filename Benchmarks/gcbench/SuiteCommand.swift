enum SuiteCommand {
    static func run(_ words: [String]) -> Int32 { TrackerBenchmark.run(words) }
}
