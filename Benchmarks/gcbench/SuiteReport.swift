import Foundation

/// The suite's table, target check and SVG chart.
enum SuiteReport {
    static func table(_ records: [RunRecord]) -> String {
        func s(_ x: Double) -> String { String(format: "%.3f", x) }
        func ms(_ x: Double) -> String { String(format: "%.2f", x * 1000) }
        var lines = [
            "| workload | barrier | wall s | mutator s | minor s | major s | pause p50/p95/max ms | minors | majors | dirty pages | dirty cards | write faults | peak RSS MiB | ratio to software |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in records {
            lines.append("| \(r.workload) | \(r.barrier) | \(s(r.wallSeconds)) | \(s(r.mutatorSeconds)) | \(s(r.minorSeconds)) | \(s(r.majorSeconds)) | \(ms(r.minorPauseMedianSeconds))/\(ms(r.minorPauseP95Seconds))/\(ms(r.minorPauseMaxSeconds)) | \(r.minorCollections) | \(r.majorCollections) | \(r.dirtyPages) | \(r.dirtyCards) | \(r.writeFaults) | \(r.peakRSSBytes >> 20) | \(r.ratioToSoftware.map { String(format: "%.2f", $0) } ?? "-") |")
        }
        return lines.joined(separator: "\n")
    }

    /// The issue's targets, reported (never asserted).
    static func targets(_ records: [RunRecord]) -> String {
        func rec(_ w: String, _ b: String) -> RunRecord? { records.first { $0.workload == w && $0.barrier == b } }
        var lines = ["", "## Targets"]
        for w in ["gcbench", "binarytrees", "promoted-store"] {
            if let h = rec(w, "hardware"), let r = h.ratioToSoftware {
                lines.append("- hardware <= software on \(w): \(r <= 1 ? "met" : "MISSED") (ratio \(String(format: "%.2f", r)))")
            }
        }
        for w in ["promoted-store", "gcold"] {
            guard let h = rec(w, "hardware") else { continue }
            for b in ["mprotect", "uffd-sync"] {
                if let o = rec(w, b) {
                    let x = o.wallSeconds / h.wallSeconds
                    lines.append("- hardware >= 5x faster than \(b) on \(w): \(x >= 5 ? "met" : "MISSED") (\(String(format: "%.1f", x))x)")
                }
            }
        }
        if let h = rec("gcold", "hardware"), let s = rec("gcold", "software"), s.minorPauseP95Seconds > 0 {
            let x = h.minorPauseP95Seconds / s.minorPauseP95Seconds
            lines.append("- minor pause p95 hardware within 1.2x of software on gcold: \(x <= 1.2 ? "met" : "MISSED") (\(String(format: "%.2f", x))x)")
        }
        return lines.joined(separator: "\n")
    }

    static let colors = ["hardware": "#1b9e77", "software": "#7570b3", "mprotect": "#d95f02", "uffd-sync": "#e7298a"]

    /// Two panels: wall-time ratio to software per workload (log scale), and
    /// the remset-sweep crossover (ratio against stores per touched page).
    static func svg(_ records: [RunRecord]) -> String {
        let groups = Double(uniq(records.map(\.workload).filter { !$0.hasPrefix("remset-sweep") }).count)
        let width = max(960.0, groups * 130 + 100), height = 740.0
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let barriers = ["hardware", "software", "mprotect", "uffd-sync"].filter { b in records.contains { $0.barrier == b } }

        // Panel 1: bars, log2 ratio axis from 1/4 to 64.
        let workloads = uniq(records.map(\.workload).filter { !$0.hasPrefix("remset-sweep") })
        let top = 60.0, bottom = 340.0, left = 70.0, right = width - 20
        let lo = -2.0, hi = 6.0
        func y1(_ ratio: Double) -> Double { bottom - (min(hi, max(lo, log2(ratio))) - lo) / (hi - lo) * (bottom - top) }
        out += text(left, 24, "Wall time relative to the software barrier (log scale, clipped at 1/4 and 64x; lower is better)", bold: true)
        for e in stride(from: lo, through: hi, by: 1) {
            let y = y1(pow(2, e))
            out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right)\" y2=\"\(y)\" stroke=\"\(e == 0 ? "#333" : "#ddd")\"/>\n"
            out += text(left - 8, y + 4, pow(2, e) >= 1 ? "\(Int(pow(2, e)))x" : "1/\(Int(pow(2, -e)))", anchor: "end")
        }
        let group = (right - left) / Double(max(1, workloads.count))
        let bar = group * 0.8 / Double(max(1, barriers.count))
        for (i, w) in workloads.enumerated() {
            for (j, b) in barriers.enumerated() {
                guard let r = records.first(where: { $0.workload == w && $0.barrier == b })?.ratioToSoftware else { continue }
                let x = left + Double(i) * group + group * 0.1 + Double(j) * bar
                let y = y1(r), base = y1(1)
                out += "<rect x=\"\(x)\" y=\"\(min(y, base))\" width=\"\(bar - 2)\" height=\"\(max(1, abs(base - y)))\" fill=\"\(colors[b]!)\"><title>\(w) \(b): \(String(format: "%.2f", r))x</title></rect>\n"
                out += text(x + bar / 2, min(y, base) - 3, String(format: "%.2f", r), anchor: "middle", size: 8)
            }
            out += text(left + Double(i) * group + group / 2, bottom + 16, w, anchor: "middle", size: 11)
        }

        // Panel 2: the crossover curve.
        let sweep = records.filter { $0.workload.hasPrefix("remset-sweep:") }
        let ks = uniq(sweep.map { Int($0.workload.split(separator: ":")[1])! }).sorted()
        let top2 = 410.0, bottom2 = 690.0
        out += text(left, 394, "remset-sweep: wall time relative to software against stores per touched page (clipped at 1/4 and 64x)", bold: true)
        if ks.count > 1 {
            func x2(_ k: Int) -> Double { left + log2(Double(k)) / log2(Double(ks.last!)) * (right - left - 120) }
            func y2(_ ratio: Double) -> Double { bottom2 - (min(hi, max(lo, log2(ratio))) - lo) / (hi - lo) * (bottom2 - top2) }
            for e in stride(from: lo, through: hi, by: 1) {
                let y = y2(pow(2, e))
                out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right - 120)\" y2=\"\(y)\" stroke=\"\(e == 0 ? "#333" : "#ddd")\"/>\n"
                out += text(left - 8, y + 4, pow(2, e) >= 1 ? "\(Int(pow(2, e)))x" : "1/\(Int(pow(2, -e)))", anchor: "end")
            }
            for k in ks { out += text(x2(k), bottom2 + 16, "\(k)", anchor: "middle") }
            out += text((left + right - 120) / 2, bottom2 + 34, "stores per touched page", anchor: "middle")
            for (j, b) in barriers.enumerated() {
                let points = ks.compactMap { k in sweep.first { $0.workload == "remset-sweep:\(k)" && $0.barrier == b }?.ratioToSoftware.map { (k, $0) } }
                guard !points.isEmpty else { continue }
                out += "<polyline fill=\"none\" stroke=\"\(colors[b]!)\" stroke-width=\"2\" points=\"" + points.map { "\(x2($0.0)),\(y2($0.1))" }.joined(separator: " ") + "\"/>\n"
                for p in points { out += "<circle cx=\"\(x2(p.0))\" cy=\"\(y2(p.1))\" r=\"3\" fill=\"\(colors[b]!)\"><title>\(b) at \(p.0): \(String(format: "%.2f", p.1))x</title></circle>\n" }
                out += "<rect x=\"\(right - 100)\" y=\"\(top2 + Double(j) * 18)\" width=\"12\" height=\"12\" fill=\"\(colors[b]!)\"/>\n"
                out += text(right - 82, top2 + Double(j) * 18 + 10, b)
            }
        }
        for (j, b) in barriers.enumerated() {
            out += "<rect x=\"\(left + Double(j) * 100)\" y=\"32\" width=\"12\" height=\"12\" fill=\"\(colors[b]!)\"/>\n"
            out += text(left + Double(j) * 100 + 16, 42, b)
        }
        return out + "</svg>\n"
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Int = 12, bold: Bool = false) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\"\(bold ? " font-weight=\"bold\"" : "")>\(s)</text>\n"
    }

    static func uniq<T: Hashable>(_ xs: [T]) -> [T] {
        var seen = Set<T>()
        return xs.filter { seen.insert($0).inserted }
    }
}
