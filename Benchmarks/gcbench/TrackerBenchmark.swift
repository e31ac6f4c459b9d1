import Foundation
import CScanReference
import CWriteWatch
import WriteWatch

/// `gcbench tracker`: what a tracker costs per page, for each mechanism.
///
/// For each size: the first write to an armed page (populated before
/// arming, so it measures the protection fault, not the page allocation);
/// a collect of clean memory; a collect after dense writes (every page) and
/// after sparse writes (one page in 1000). For uffd-async, the same
/// collects by a plain C PAGEMAP_SCAN loop alternate with the Swift
/// tracker's on the same memory, so the ratio says what the Swift layer costs.
enum TrackerBenchmark {
    struct Row: Codable {
        var mechanism: String
        var bytes: Int
        var faultNanosPerPage: Double
        var cleanNanosPerPage: Double
        var denseNanosPerDirtyPage: Double
        var sparseNanosPerDirtyPage: Double
        var referenceCleanNanosPerPage: Double?
        var referenceDenseNanosPerDirtyPage: Double?
    }

    static let usage = """
    usage: gcbench tracker [--sizes 64M,1G] [--mechanisms uffd-async,mprotect,uffd-sync] [--repetitions N] [--json FILE]
      What each tracking mechanism costs per page: the first write, a clean collect, dense and sparse
      collects (default: 64M and 1G, every mechanism this machine has, 5 repetitions).
    """

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("tracker", usage: usage, words) { words in
            let args = try Arguments(words, options: ["sizes", "mechanisms", "repetitions", "json"])
            guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
            let sizes = try (args.options["sizes"] ?? "64M,1G").split(separator: ",").map { (s) throws(UsageError) -> Int in
                guard let n = parseBytes(String(s)), n >= 16 << 20 else { throw UsageError("--sizes takes sizes of 16M or more, such as 64M,1G") }
                return n
            }
            let probe = Probe.run()
            let mechanisms = try (args.options["mechanisms"].map { $0.split(separator: ",").map(String.init) } ?? Mechanism.allCases.map(\.rawValue))
                .map { (name) throws(UsageError) -> Mechanism in
                    guard let m = Mechanism(rawValue: name) else { throw UsageError("unknown mechanism '\(name)': use uffd-async, mprotect, uffd-sync") }
                    return m
                }
            let repetitions = max(1, try args.int("repetitions", default: 5))
            var rows: [Row] = []
            for size in sizes {
                for m in mechanisms {
                    guard probe.results[m]?.isAvailable == true else {
                        printError("tracker: skipping \(m): \(probe.results[m]!)")
                        continue
                    }
                    printError("tracker: \(m) \(size >> 20) MiB ...")
                    rows.append(try measure(m, bytes: size, repetitions: repetitions))
                }
            }
            print(table(rows))
            if let path = args.options["json"] {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(rows).write(to: URL(fileURLWithPath: path))
            }
            return 0
        }
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? .nan : s[s.count / 2]
    }

    static func measure(_ mechanism: Mechanism, bytes: Int, repetitions: Int) throws -> Row {
        let pageSize = PageRange.pageSize
        let pages = bytes / pageSize
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw WriteWatchError.system(operation: "mmap(\(bytes))", errno: Errno(rawValue: errno))
        }
        defer { munmap(p, bytes) }
        let start = UInt64(UInt(bitPattern: p)), end = start + UInt64(bytes)
        _ = madvise(p, bytes, MADV_NOHUGEPAGE)
        ww_reference_touch(start, end, UInt64(pageSize))   // populate first
        let tracker = try makeTracker(mechanism)
        defer { tracker.close() }
        try tracker.track(PageRange(start: p, byteCount: bytes))
        var out: [PageRange] = []
        out.reserveCapacity(pages)

        func timeCollect() throws -> Double {
            out.removeAll(keepingCapacity: true)
            let t0 = ww_reference_now()
            try tracker.collect(into: &out)
            return Double(ww_reference_now() - t0)
        }
        let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        defer { close(pagemap) }
        let vec = UnsafeMutableRawPointer.allocate(byteCount: 256 * 24, alignment: 8)
        defer { vec.deallocate() }
        func timeReference() -> Double {
            let t0 = ww_reference_now()
            _ = ww_reference_collect(pagemap, start, end, vec, 256)
            return Double(ww_reference_now() - t0)
        }
        let reference = mechanism == .uffdAsync

        var fault: [Double] = [], clean: [Double] = [], dense: [Double] = [], sparse: [Double] = []
        var refClean: [Double] = [], refDense: [Double] = []
        for _ in 0..<repetitions {
            clean.append(try timeCollect() / Double(pages))
            if reference { refClean.append(timeReference() / Double(pages)) }
            let t0 = ww_reference_now()
            ww_reference_touch(start, end, UInt64(pageSize))
            fault.append(Double(ww_reference_now() - t0) / Double(pages))
            dense.append(try timeCollect() / Double(pages))
            if reference {
                ww_reference_touch(start, end, UInt64(pageSize))
                refDense.append(timeReference() / Double(pages))
            }
            ww_reference_touch(start, end, UInt64(pageSize * 1000))
            let sparsePages = (pages + 999) / 1000
            sparse.append(try timeCollect() / Double(sparsePages))
        }
        let c = median(clean), rc = median(refClean)
        return Row(mechanism: mechanism.rawValue, bytes: bytes,
                   faultNanosPerPage: median(fault), cleanNanosPerPage: c,
                   denseNanosPerDirtyPage: median(dense) - c,
                   sparseNanosPerDirtyPage: median(sparse) - c * 1000,
                   referenceCleanNanosPerPage: reference ? rc : nil,
                   referenceDenseNanosPerDirtyPage: reference ? median(refDense) - rc : nil)
    }

    static func table(_ rows: [Row]) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "-" }
        var lines = ["| mechanism | size | first write ns/page | collect clean ns/page | dense ns/dirty page | sparse (0.1%) ns/dirty page | C loop clean | C loop dense |",
                     "|---|---|---|---|---|---|---|---|"]
        for r in rows {
            lines.append("| \(r.mechanism) | \(r.bytes >> 20) MiB | \(f(r.faultNanosPerPage)) | \(f(r.cleanNanosPerPage)) | \(f(r.denseNanosPerDirtyPage)) | \(f(r.sparseNanosPerDirtyPage)) | \(f(r.referenceCleanNanosPerPage)) | \(f(r.referenceDenseNanosPerDirtyPage)) |")
        }
        return lines.joined(separator: "\n")
    }
}
