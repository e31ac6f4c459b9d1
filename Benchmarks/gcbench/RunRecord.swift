/// What one run of one workload under one barrier measured, or (in the
/// suite's output) the medians of its repetitions with the ratio to software.
struct RunRecord: Codable {
    var workload: String
    var barrier: String
    var parameters: String
    var summary: String
    var repetitions = 1
    var ratioToSoftware: Double?
    var wallSeconds: Double
    var mutatorSeconds: Double
    var minorSeconds: Double
    var majorSeconds: Double
    var minorPauseMedianSeconds: Double
    var minorPauseP95Seconds: Double
    var minorPauseMaxSeconds: Double
    var minorCollections: Int
    var majorCollections: Int
    var dirtyPages: Int
    var dirtyCards: Int
    var scanCalls: Int
    var writeFaults: Int
    var peakRSSBytes: Int
    var promotedBytes: Int
    /// Ranges the collector suspended, re-arming calls, and old pages the
    /// collector wrote while armed (protection faults; 0 by design).
    var collectorSuspends: Int? = nil
    var rearmCalls: Int? = nil
    var collectorFaultPages: Int? = nil
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func median(_ xs: [Int]) -> Int { Int(median(xs.map(Double.init)).rounded()) }

func percentile(_ xs: [UInt64], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return Double(s[min(s.count - 1, Int((Double(s.count) * p).rounded(.up)) - 1)]) / 1e9
}
