import GCHeap

/// What one run of one workload under one barrier measured, or (in the
/// suite's output) the medians of its repetitions with the ratio to software.
///
/// A barrier is one of ours (hardware, software, mprotect, uffd-sync), the
/// A/A control `software-aa` (software again, in the same round), or a peer
/// (`bdwgc`, `bdwgc-incremental`: the C programs on Boehm GC;
/// `hotspot-serial`, `hotspot-parallel`, `hotspot-g1`: the Java programs on
/// HotSpot; each prints this record itself; Boehm GC's collections count as
/// minors, HotSpot's young and full collections as minors and majors).
struct RunRecord: Codable {
    var workload: String
    var barrier: String
    var parameters: String
    var summary: String
    var repetitions = 1
    /// The median over rounds of this run's wall time divided by software's
    /// in the same round, and the least and greatest of those ratios. With
    /// 5 rounds, [min, max] covers the true median ratio with 94% confidence.
    var ratioToSoftware: Double?
    var ratioMin: Double? = nil
    var ratioMax: Double? = nil
    /// Each round's wall time, in round order, so that any two rows can be
    /// compared round by round later (`gcbench report`).
    var roundWallSeconds: [Double]? = nil
    var wallSeconds: Double
    /// User plus system CPU time of the measured part of the run.
    var cpuSeconds: Double? = nil
    var mutatorSeconds: Double
    var minorSeconds: Double
    var majorSeconds: Double
    var minorPauseMedianSeconds: Double
    var minorPauseP95Seconds: Double
    var minorPauseMaxSeconds: Double
    var minorPauseP99Seconds: Double? = nil
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
    /// Pointer stores and page touches of a sweep workload, for deriving
    /// per-store and per-page costs.
    var stores: Int? = nil
    var pageTouches: Int? = nil
    /// Minor time per minor in a workload's steady phase, after building
    /// its old space (idle-old).
    var steadyMinorSeconds: Double? = nil
    /// Each round's `steadyMinorSeconds`, in round order (suite output).
    var roundSteadyMinorSeconds: [Double]? = nil
    /// Mutator threads (threaded workloads), and the time from a
    /// collection's request until every other active thread had parked.
    var threads: Int? = nil
    var safepointP95Seconds: Double? = nil
    var safepointMaxSeconds: Double? = nil
    /// How major collections ran (stw or concurrent), and every pause a
    /// major caused: a stop-the-world major's whole collection; a concurrent
    /// one's initial and final pauses and (mprotect, uffd-sync) its rounds'
    /// stops to re-protect. Rounds and pages re-marked are concurrent only.
    var majorMode: String? = nil
    var majorPauseP95Seconds: Double? = nil
    var majorPauseMaxSeconds: Double? = nil
    var markRounds: Int? = nil
    var markRoundPauses: Int? = nil
    var pagesRemarked: Int? = nil
    var forcedFinishes: Int? = nil
    /// The heap limit the run had, and the nursery the policy gave it.
    var heapLimitBytes: Int? = nil
    var nurseryBytes: Int? = nil
    /// The heap limit as a multiple of the workload's minimum heap (suite).
    var heapMultiple: Double? = nil
    /// Old-space bytes given back to the OS after majors.
    var releasedBytes: Int? = nil
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func median(_ xs: [Int]) -> Int { Int(median(xs.map(Double.init)).rounded()) }

/// The median of a figure only some runs record (nil when the first lacks it).
func median(_ xs: [Double?]) -> Double? { xs.first.flatMap { $0 }.map { _ in median(xs.map { $0 ?? 0 }) } }
func median(_ xs: [Int?]) -> Int? { xs.first.flatMap { $0 }.map { _ in median(xs.map { $0 ?? 0 }) } }

/// Quantile `p` of a heap's latency histogram (nanoseconds), in seconds.
func quantileSeconds(_ h: LatencyHistogram, _ p: Double) -> Double { Double(h.quantile(p)) / 1e9 }
