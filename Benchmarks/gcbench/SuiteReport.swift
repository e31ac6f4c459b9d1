import Foundation

/// The suite's table, targets, crossover and SVG chart.
///
/// Every comparison is made round by round: a ratio is this row's wall time
/// over the other row's in the same round, reported as the median with its
/// [min..max] over rounds. A target is met or missed only when that whole
/// range is on one side of it; otherwise it is "within noise". The A/A row
/// (`software-aa`: software again in each round) shows how far two identical
/// runs drift apart on this machine.
enum SuiteReport {
    static func table(_ records: [RunRecord]) -> String {
        func s(_ x: Double) -> String { String(format: "%.3f", x) }
        func ms(_ x: Double) -> String { String(format: "%.2f", x * 1000) }
        var lines = [
            "| workload | barrier | wall s | cpu s | mutator s | minor s | major s | pause p50/p95/max ms | minors | majors | dirty pages | dirty cards | write faults | collector faults | peak RSS MiB | ratio to software [min..max] |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in records {
            let cpu = r.cpuSeconds.map(s) ?? "-"
            let faults = r.collectorFaultPages.map(String.init) ?? "-"
            lines.append("| \(r.workload) | \(r.barrier) | \(s(r.wallSeconds)) | \(cpu) | \(s(r.mutatorSeconds)) | \(s(r.minorSeconds)) | \(s(r.majorSeconds)) | \(ms(r.minorPauseMedianSeconds))/\(ms(r.minorPauseP95Seconds))/\(ms(r.minorPauseMaxSeconds)) | \(r.minorCollections) | \(r.majorCollections) | \(r.dirtyPages) | \(r.dirtyCards) | \(r.writeFaults) | \(faults) | \(r.peakRSSBytes >> 20) | \(ratioText(r)) |")
        }
        return lines.joined(separator: "\n")
    }

    static func ratioText(_ r: RunRecord) -> String {
        guard let m = r.ratioToSoftware else { return "-" }
        return spread(m, r.ratioMin ?? m, r.ratioMax ?? m)
    }

    /// Per-round ratios of one row's wall time to another's.
    static func roundRatios(_ records: [RunRecord], _ workload: String, _ a: String, over b: String) -> [Double]? {
        guard let x = records.first(where: { $0.workload == workload && $0.barrier == a }),
              let y = records.first(where: { $0.workload == workload && $0.barrier == b }) else { return nil }
        guard let xs = x.roundWallSeconds, let ys = y.roundWallSeconds, xs.count == ys.count, !xs.isEmpty else {
            return [x.wallSeconds / y.wallSeconds]
        }
        return zip(xs, ys).map { $0 / $1 }
    }

    /// "met", "MISSED" or "within noise" for `ratios` against `bound`.
    static func verdict(_ ratios: [Double], atMost bound: Double) -> String {
        let lo = ratios.min()!, hi = ratios.max()!
        return "\(hi <= bound ? "met" : lo > bound ? "MISSED" : "within noise") (\(spread(ratios)))"
    }

    /// The same for a target of being slower: every ratio above `bound`.
    static func verdict(_ ratios: [Double], above bound: Double) -> String {
        let lo = ratios.min()!, hi = ratios.max()!
        return "\(lo > bound ? "met" : hi <= bound ? "MISSED" : "within noise") (\(spread(ratios)))"
    }

    /// "median [min..max]", as every ratio is printed.
    static func spread(_ median: Double, _ low: Double, _ high: Double) -> String {
        String(format: "%.2f [%.2f..%.2f]", median, low, high)
    }

    static func spread(_ ratios: [Double]) -> String { spread(median(ratios), ratios.min()!, ratios.max()!) }

    /// The targets of the heap-speed and benchmark issues, with verdicts.
    static func targets(_ records: [RunRecord]) -> String {
        var lines = ["", "## Targets (a ratio per round; met or missed only when its whole range clears the bound)"]
        func check(_ label: String, _ workload: String, _ a: String, _ b: String, atMost bound: Double) {
            guard let r = roundRatios(records, workload, a, over: b) else { return }
            lines.append("- \(label): \(verdict(r, atMost: bound))")
        }
        check("gcbench: hardware <= 0.97x software", "gcbench", "hardware", "software", atMost: 0.97)
        check("binarytrees: hardware <= 1.00x software", "binarytrees", "hardware", "software", atMost: 1.0)
        check("promoted-store: hardware <= 0.90x software", "promoted-store", "hardware", "software", atMost: 0.90)
        check("gcold: hardware <= 1.00x software", "gcold", "hardware", "software", atMost: 1.0)
        check("gcbench: hardware <= 1.0x Boehm GC", "gcbench", "hardware", "bdwgc", atMost: 1.0)
        check("binarytrees: hardware <= 0.75x Boehm GC", "binarytrees", "hardware", "bdwgc", atMost: 0.75)
        check("binarytrees: hardware <= 1.02x none", "binarytrees", "hardware", "none", atMost: 1.02)
        check("gcbench: hardware <= 1.02x none", "gcbench", "hardware", "none", atMost: 1.02)
        check("gcold: hardware <= 1.10x software", "gcold", "hardware", "software", atMost: 1.10)
        for w in ["gcbench-c", "binarytrees-c", "gcold-c"] { check("\(w): hardware <= 1.0x HotSpot Serial", w, "hardware", "hotspot-serial", atMost: 1.0) }
        for w in ["gcbench", "binarytrees", "gcold"] { check("\(w): hardware <= 1.3x HotSpot Serial", w, "hardware", "hotspot-serial", atMost: 1.3) }
        func rss(_ w: String, _ peer: String, atMost bound: Double) {
            guard let h = records.first(where: { $0.workload == w && $0.barrier == "hardware" }),
                  let p = records.first(where: { $0.workload == w && $0.barrier == peer }), p.peakRSSBytes > 0 else { return }
            let r = Double(h.peakRSSBytes) / Double(p.peakRSSBytes)
            lines.append(String(format: "- \(w): peak RSS hardware <= %.1fx \(peer)'s: %.2f (%d / %d MiB, medians): %@", bound, r,
                                h.peakRSSBytes >> 20, p.peakRSSBytes >> 20, r <= bound ? "met" : "missed"))
        }
        for w in ["gcbench", "binarytrees", "gcold"] { rss(w, "hotspot-serial", atMost: 1.0) }
        for w in ["gcbench", "binarytrees"] { rss(w, "bdwgc", atMost: 1.5) }
        let ks = sweepPoints(records, "store-sweep").map(\.k)
        for k in Set([4096, ks.last ?? 4096]).sorted() where ks.contains(k) {
            check("store-sweep:\(k): hardware faster than software", "store-sweep:\(k)", "hardware", "software", atMost: 1.0)
        }
        if ks.first == 1, let r = roundRatios(records, "store-sweep:1", "hardware", over: "software") {
            lines.append("- store-sweep:1: hardware slower than software: \(verdict(r, above: 1.0))")
        }
        for w in uniq(records.map(\.workload)) {
            if let r = roundRatios(records, w, "software-aa", over: "software") {
                lines.append("- noise floor on \(w) (software-aa / software): \(spread(r))")
            }
            if let r = roundRatios(records, w, "none", over: "software") {
                lines.append("- barrier floor on \(w) (none / software: no barrier at all, the best any barrier could do): \(spread(r))")
            }
        }
        return lines.joined(separator: "\n")
    }

    struct SweepPoint {
        var k: Int
        var ratio: Double
        var low: Double
        var high: Double
        var noiseLow: Double?
        var noiseHigh: Double?
    }

    /// The hardware/software ratio at each K of a sweep, with the A/A band.
    static func sweepPoints(_ records: [RunRecord], _ sweep: String, barrier: String = "hardware") -> [SweepPoint] {
        records.filter { $0.workload.hasPrefix(sweep + ":") && $0.barrier == barrier }.compactMap { r -> SweepPoint? in
            guard let m = r.ratioToSoftware, let k = Int(r.workload.split(separator: ":")[1]) else { return nil }
            let aa = records.first { $0.workload == r.workload && $0.barrier == "software-aa" }
            return SweepPoint(k: k, ratio: m, low: r.ratioMin ?? m, high: r.ratioMax ?? m, noiseLow: aa?.ratioMin, noiseHigh: aa?.ratioMax)
        }.sorted { $0.k < $1.k }
    }

    /// Where each sweep's hardware/software ratio crosses 1, and the
    /// per-store and per-page costs behind it.
    static func crossover(_ records: [RunRecord]) -> String {
        var lines = ["", "## Crossover"]
        for sweep in ["store-sweep", "remset-sweep"] {
            let points = sweepPoints(records, sweep)
            guard points.count > 1 else { continue }
            let curve = points.map { String(format: "%d: %.2f", $0.k, $0.ratio) }.joined(separator: ", ")
            if let i = points.indices.dropLast().first(where: { points[$0].ratio > 1 && points[$0 + 1].ratio <= 1 }) {
                let a = points[i], b = points[i + 1]
                // Interpolate log(ratio) linearly in log(K).
                let t = log(a.ratio) / (log(a.ratio) - log(b.ratio))
                let k = exp(log(Double(a.k)) + t * (log(Double(b.k)) - log(Double(a.k))))
                let clear = b.high < 1 ? "below 1 across every round" : "but within noise there"
                lines.append("- \(sweep): hardware/software crosses 1 at about \(Int(k.rounded())) stores per page (\(String(format: "%.2f", a.ratio)) at \(a.k), \(spread(b.ratio, b.low, b.high)) at \(b.k), \(clear)); ratios \(curve)")
            } else {
                lines.append("- \(sweep): hardware/software does not cross 1 between \(points.first!.k) and \(points.last!.k) stores per page; ratios \(curve)")
            }
            if let costs = derivedCosts(records, sweep) { lines.append("  \(costs)") }
        }
        return lines.count > 2 ? lines.joined(separator: "\n") : ""
    }

    /// Least squares over the sweep's K: hardware's wall time minus
    /// software's is `pages * perPage - stores * perStore`, where perStore is
    /// what the card mark costs per store and perPage what the hardware
    /// barrier pays per touched page beyond software (a first-write fault, a
    /// 4 KiB page to scan instead of cards, a re-arm, and its share of the
    /// per-minor walks). Each point is weighted by 1 / software's time: the
    /// noise here is proportional to a run's length, and unweighted the
    /// longest point (65,536) would decide the fit alone.
    static func derivedCosts(_ records: [RunRecord], _ sweep: String) -> String? {
        var sss = 0.0, ssp = 0.0, spp = 0.0, ssd = 0.0, spd = 0.0
        var n = 0
        for h in records where h.workload.hasPrefix(sweep + ":") && h.barrier == "hardware" {
            guard let s = records.first(where: { $0.workload == h.workload && $0.barrier == "software" }),
                  let stores = h.stores, let pages = h.pageTouches, s.wallSeconds > 0 else { continue }
            let w = 1 / s.wallSeconds
            let S = Double(stores) * w, P = Double(pages) * w, D = (h.wallSeconds - s.wallSeconds) * w
            sss += S * S; ssp += S * P; spp += P * P; ssd += S * D; spd += P * D
            n += 1
        }
        let det = sss * spp - ssp * ssp
        guard n >= 2, det != 0 else { return nil }
        // Normal equations of D = -S x + P y.
        let x = (-ssd * spp + ssp * spd) / det
        let y = (sss * spd - ssp * ssd) / det
        let crossing = x > 0 ? String(format: "; these predict the crossing at %.0f stores per page", y / x) : ""
        return String(format: "costs fitted over the sweep: the card mark %.2f ns per store; hardware pays %.2f us more per touched page%@", x * 1e9, y * 1e6, crossing)
    }

    /// idle-old: each barrier's minor time per minor against the size of an
    /// old space nobody writes, and its slope (a least-squares line through
    /// the sizes, per round), with hardware's slope over software's.
    static func fixedCost(_ records: [RunRecord]) -> String {
        let rows = records.filter { $0.workload.hasPrefix("idle-old:") && $0.roundSteadyMinorSeconds != nil }
        let sizes = uniq(rows.compactMap { Int($0.workload.dropFirst("idle-old:".count)) }).sorted()
        guard sizes.count >= 2 else { return "" }
        var lines = ["", "## Fixed cost per minor (idle-old: old space read, never written)", "",
                     "| barrier | " + sizes.map { "\($0) MiB us/minor" }.joined(separator: " | ") + " | slope us per GiB per minor [min..max] |",
                     "|---|" + String(repeating: "---|", count: sizes.count + 1)]
        var slopes: [String: [Double]] = [:]
        for barrier in rowOrder {
            let points = sizes.compactMap { size in rows.first { $0.workload == "idle-old:\(size)" && $0.barrier == barrier } }
            guard points.count == sizes.count, let rounds = points.first?.roundSteadyMinorSeconds?.count,
                  points.allSatisfy({ $0.roundSteadyMinorSeconds?.count == rounds }) else { continue }
            let xs = sizes.map { Double($0) / 1024 }
            let perRound = (0..<rounds).map { r in fitSlope(xs, points.map { $0.roundSteadyMinorSeconds![r] * 1e6 }) }
            slopes[barrier] = perRound
            let cells = points.map { String(format: "%.1f", ($0.steadyMinorSeconds ?? 0) * 1e6) }
            lines.append("| \(barrier) | " + cells.joined(separator: " | ") + " | \(spread(perRound)) |")
        }
        if let h = slopes["hardware"], let s = slopes["software"], h.count == s.count, !h.isEmpty {
            let ratios = zip(h, s).map { $0 / max($1, 1e-9) }
            lines.append("")
            lines.append("- idle-old: hardware's slope over software's (round by round) \(spread(ratios)): \(verdict(ratios, atMost: 1.5))")
        }
        return lines.joined(separator: "\n")
    }

    /// The least-squares slope of `ys` over `xs`.
    static func fitSlope(_ xs: [Double], _ ys: [Double]) -> Double {
        let n = Double(xs.count), mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        return sxx > 0 ? sxy / sxx : 0
    }

    /// Threaded workloads: each barrier at N threads against itself at 1
    /// thread (per round), the time to safepoint, and the ratio to software.
    /// mt-gcbench and shared-store do N times the work at N threads, so
    /// their scaling is throughput (N x time at 1 / time at N); binarytrees
    /// splits fixed work, so its scaling is speed-up (time at 1 / time at N).
    static func scaling(_ records: [RunRecord]) -> String {
        var lines = ["", "## Threads", "",
                     "| workload | barrier | threads | wall s | cpu s | scaling [min..max] | safepoint p95/max ms | ratio to software [min..max] |",
                     "|---|---|---|---|---|---|---|---|"]
        let threaded = records.filter { $0.threads != nil }
        for r in threaded {
            guard let n = r.threads, let name = r.workload.split(separator: ":").first else { continue }
            var scaling = "-"
            if n > 1, let one = threaded.first(where: { $0.workload == "\(name):1" && $0.barrier == r.barrier }),
               let xs = r.roundWallSeconds, let ys = one.roundWallSeconds, xs.count == ys.count, !xs.isEmpty {
                let work = name == "mt-binarytrees" ? 1 : Double(n)
                let s = zip(xs, ys).map { work * $1 / $0 }
                scaling = spread(s)
            }
            let safepoint = String(format: "%.2f/%.2f", (r.safepointP95Seconds ?? 0) * 1000, (r.safepointMaxSeconds ?? 0) * 1000)
            lines.append("| \(name) | \(r.barrier) | \(n) | \(String(format: "%.3f", r.wallSeconds)) | \(r.cpuSeconds.map { String(format: "%.3f", $0) } ?? "-") | \(scaling) | \(safepoint) | \(ratioText(r)) |")
        }
        return threaded.isEmpty ? "" : lines.joined(separator: "\n")
    }

    /// Major collections: every pause a major caused (a stop-the-world
    /// major's whole collection; a concurrent one's initial and final pauses
    /// and the baselines' stops to re-protect in each round), and what the
    /// concurrent marker did. Rows with at least one major only.
    static func majors(_ records: [RunRecord]) -> String {
        let rows = records.filter { $0.majorCollections > 0 && $0.majorPauseMaxSeconds != nil }
        guard !rows.isEmpty else { return "" }
        var lines = ["", "## Major collections (\(rows.first?.majorMode ?? "stw"))", "",
                     "| workload | barrier | wall s | cpu s | majors | forced | major pause p95/max ms | rounds | round pauses | pages re-marked |",
                     "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows {
            let pauses = String(format: "%.1f/%.1f", (r.majorPauseP95Seconds ?? 0) * 1000, (r.majorPauseMaxSeconds ?? 0) * 1000)
            lines.append("| \(r.workload) | \(r.barrier) | \(String(format: "%.3f", r.wallSeconds)) | \(r.cpuSeconds.map { String(format: "%.3f", $0) } ?? "-") | \(r.majorCollections) | \(r.forcedFinishes ?? 0) | \(pauses) | \(r.markRounds ?? 0) | \(r.markRoundPauses ?? 0) | \(r.pagesRemarked ?? 0) |")
        }
        return lines.joined(separator: "\n")
    }

    static let colors = ["hardware": "#1b9e77", "software": "#7570b3", "software-cond": "#e6ab02", "software-aa": "#b3b3b3", "none": "#000000", "mprotect": "#d95f02",
                         "uffd-sync": "#e7298a", "bdwgc": "#66a61e", "bdwgc-incremental": "#a6761d"]
    static let rowOrder = ["hardware", "software", "software-cond", "software-aa", "none", "mprotect", "uffd-sync", "bdwgc", "bdwgc-incremental"]

    /// Two panels: the wall-time ratio to software per workload (log scale)
    /// with each bar's [min..max] and the A/A band behind each group; and
    /// both sweeps' crossover curves (ratio against stores per page).
    static func svg(_ records: [RunRecord]) -> String {
        let isSweep = { (w: String) in w.hasPrefix("remset-sweep") || w.hasPrefix("store-sweep") }
        let workloads = uniq(records.map(\.workload).filter { !isSweep($0) })
        let barriers = rowOrder.filter { b in records.contains { $0.barrier == b } }
        let width = max(960.0, Double(workloads.count) * 150 + 100), height = 760.0
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"

        // Panel 1: bars, log2 ratio axis from 1/4 to 64.
        let top = 60.0, bottom = 340.0, left = 70.0, right = width - 20
        let lo = -2.0, hi = 6.0
        func y1(_ ratio: Double) -> Double { bottom - (min(hi, max(lo, log2(ratio))) - lo) / (hi - lo) * (bottom - top) }
        out += text(left, 24, "Wall time relative to the software barrier, per round: median bar, [min..max] whisker; grey band: the A/A noise floor (log scale)", bold: true)
        out += gridLines(lo, hi, left, right, y1)
        let group = (right - left) / Double(max(1, workloads.count))
        let bar = group * 0.8 / Double(max(1, barriers.count))
        for (i, w) in workloads.enumerated() {
            let x0 = left + Double(i) * group + group * 0.05
            if let aa = records.first(where: { $0.workload == w && $0.barrier == "software-aa" }), let a = aa.ratioMin, let b = aa.ratioMax {
                out += "<rect x=\"\(x0)\" y=\"\(y1(b))\" width=\"\(group * 0.9)\" height=\"\(max(1, y1(a) - y1(b)))\" fill=\"#eeeeee\"/>\n"
            }
            for (j, b) in barriers.enumerated() {
                guard let r = records.first(where: { $0.workload == w && $0.barrier == b }), let m = r.ratioToSoftware else { continue }
                let x = left + Double(i) * group + group * 0.1 + Double(j) * bar
                let y = y1(m), base = y1(1)
                out += "<rect x=\"\(x)\" y=\"\(min(y, base))\" width=\"\(bar - 2)\" height=\"\(max(1, abs(base - y)))\" fill=\"\(colors[b]!)\"><title>\(w) \(b): \(ratioText(r))</title></rect>\n"
                out += whisker(x + bar / 2 - 1, y1(r.ratioMin ?? m), y1(r.ratioMax ?? m))
            }
            out += text(left + Double(i) * group + group / 2, bottom + 16, w, anchor: "middle", size: 11)
        }
        for (j, b) in barriers.enumerated() {
            out += "<rect x=\"\(left + Double(j) * 130)\" y=\"32\" width=\"12\" height=\"12\" fill=\"\(colors[b]!)\"/>\n"
            out += text(left + Double(j) * 130 + 16, 42, b)
        }

        // Panel 2: both sweeps' hardware/software curves, with the A/A band.
        let top2 = 420.0, bottom2 = 700.0, right2 = right - 160
        func y2(_ ratio: Double) -> Double { bottom2 - (min(hi, max(lo, log2(ratio))) - lo) / (hi - lo) * (bottom2 - top2) }
        out += text(left, 400, "Crossover: hardware / software against stores per touched page, [min..max] per point; grey: A/A band (log scales)", bold: true)
        let sweeps = [("store-sweep", "", "#1b9e77", "stores of existing objects"), ("remset-sweep", "7 4", "#0a5c45", "stores of fresh young objects")]
        let ks = uniq(sweeps.flatMap { sweepPoints(records, $0.0).map(\.k) }).sorted()
        if let first = ks.first, let last = ks.last, last > first {
            func x2(_ k: Int) -> Double { left + (log2(Double(k)) - log2(Double(first))) / (log2(Double(last)) - log2(Double(first))) * (right2 - left) }
            out += gridLines(lo, hi, left, right2, y2)
            for k in ks { out += text(x2(k), bottom2 + 16, "\(k)", anchor: "middle") }
            out += text((left + right2) / 2, bottom2 + 34, "stores per touched page", anchor: "middle")
            for (j, (sweep, dash, color, label)) in sweeps.enumerated() {
                let points = sweepPoints(records, sweep)
                guard !points.isEmpty else { continue }
                let band = points.filter { $0.noiseLow != nil && $0.noiseHigh != nil }
                if band.count > 1 {
                    let upper = band.map { "\(x2($0.k)),\(y2($0.noiseHigh!))" }, lower = band.reversed().map { "\(x2($0.k)),\(y2($0.noiseLow!))" }
                    out += "<polygon fill=\"#e0e0e0\" fill-opacity=\"0.6\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
                }
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\" points=\"" + points.map { "\(x2($0.k)),\(y2($0.ratio))" }.joined(separator: " ") + "\"/>\n"
                for p in points {
                    out += whisker(x2(p.k), y2(p.low), y2(p.high))
                    out += "<circle cx=\"\(x2(p.k))\" cy=\"\(y2(p.ratio))\" r=\"3\" fill=\"\(color)\"><title>\(sweep):\(p.k) \(spread(p.ratio, p.low, p.high))</title></circle>\n"
                }
                out += "<line x1=\"\(right2 + 12)\" y1=\"\(top2 + 6 + Double(j) * 36)\" x2=\"\(right2 + 40)\" y2=\"\(top2 + 6 + Double(j) * 36)\" stroke=\"\(color)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\"/>\n"
                out += text(right2 + 46, top2 + 10 + Double(j) * 36, sweep, size: 11)
                out += text(right2 + 46, top2 + 24 + Double(j) * 36, label, size: 9)
            }
        }
        return out + "</svg>\n"
    }

    static func gridLines(_ lo: Double, _ hi: Double, _ left: Double, _ right: Double, _ y: (Double) -> Double) -> String {
        var out = ""
        for e in stride(from: lo, through: hi, by: 1) {
            let yy = y(pow(2, e))
            out += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(right)\" y2=\"\(yy)\" stroke=\"\(e == 0 ? "#333" : "#ddd")\"/>\n"
            out += text(left - 8, yy + 4, pow(2, e) >= 1 ? "\(Int(pow(2, e)))x" : "1/\(Int(pow(2, -e)))", anchor: "end")
        }
        return out
    }

    static func whisker(_ x: Double, _ low: Double, _ high: Double) -> String {
        "<line x1=\"\(x)\" y1=\"\(low)\" x2=\"\(x)\" y2=\"\(high)\" stroke=\"#222\" stroke-width=\"1\"/>\n"
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Int = 12, bold: Bool = false) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\"\(bold ? " font-weight=\"bold\"" : "")>\(s)</text>\n"
    }

    static func uniq<T: Hashable>(_ xs: [T]) -> [T] {
        var seen = Set<T>()
        return xs.filter { seen.insert($0).inserted }
    }
}
