import GCHeap

/// The workloads by name, and the sizes they run at: the one place the
/// suite, run-one and the peers take their names and defaults from.
///
/// Invariant: a name is either a family (`store-sweep`, `mt-gcbench`, ...)
/// or one point of a family (`store-sweep:4`, `mt-gcbench:2`); `points`
/// turns either into points, and only points are run. Each size option
/// belongs to the families listed in `families`: an option given to a
/// workload that does not take it is a usage error, never ignored.
struct WorkloadOptions {
    /// A family of workloads: its name, the suffix its points take (nil if
    /// the name is itself the one point), the option whose list its bare
    /// name runs over, and the size options its points take.
    struct Family {
        let name: String
        let suffix: String?
        let listOption: String?
        let sizeOptions: [String]
    }

    static let families: [Family] = [
        Family(name: "gcbench", suffix: nil, listOption: nil, sizeOptions: ["gcbench-stretch"]),
        Family(name: "gcbench-c", suffix: nil, listOption: nil, sizeOptions: ["gcbench-stretch"]),
        Family(name: "binarytrees", suffix: nil, listOption: nil, sizeOptions: ["binarytrees-n"]),
        Family(name: "binarytrees-c", suffix: nil, listOption: nil, sizeOptions: ["binarytrees-n"]),
        Family(name: "gcold", suffix: nil, listOption: nil, sizeOptions: ["gcold"]),
        Family(name: "gcold-c", suffix: nil, listOption: nil, sizeOptions: ["gcold"]),
        Family(name: "promoted-store", suffix: nil, listOption: nil, sizeOptions: ["promoted-stores"]),
        Family(name: "remset-sweep", suffix: "K", listOption: "remset-sweep", sizeOptions: []),
        Family(name: "store-sweep", suffix: "K", listOption: "store-sweep", sizeOptions: []),
        Family(name: "idle-old", suffix: "MIB", listOption: "idle-old", sizeOptions: []),
        Family(name: "scheme", suffix: "NAME", listOption: nil, sizeOptions: []),
        Family(name: "weak-table", suffix: nil, listOption: nil, sizeOptions: []),
        Family(name: "ephemeron-chain", suffix: nil, listOption: nil, sizeOptions: []),
        Family(name: "guardian", suffix: nil, listOption: nil, sizeOptions: []),
        Family(name: "mt-gcbench", suffix: "THREADS", listOption: "threads", sizeOptions: ["gcbench-stretch"]),
        Family(name: "mt-binarytrees", suffix: "THREADS", listOption: "threads", sizeOptions: ["mt-binarytrees-n"]),
        Family(name: "shared-store", suffix: "THREADS", listOption: "threads", sizeOptions: []),
    ]

    /// Options every workload takes: how majors run, and the heap's sizes.
    static let heapOptions: Set<String> = ["major", "heap", "nursery"]
    /// Every option that sets a size or a list, and the heap options.
    static let names: Set<String> = Set(families.flatMap { $0.sizeOptions + ($0.listOption.map { [$0] } ?? []) }).union(heapOptions)
    static let threadedNames = families.filter { $0.suffix == "THREADS" }.map(\.name)
    static let maxThreads = 64

    /// The workloads as the usage and the errors list them.
    static var workloadList: String {
        let names = families.map { f in f.suffix.map { "\(f.name)[:\($0)]" } ?? f.name }.joined(separator: ", ")
        return """
        \(names)
                     A bare NAME[:X] runs every point of its list: remset-sweep over --remset-sweep,
                     store-sweep over --store-sweep, idle-old over --idle-old, the mt- and shared- workloads over --threads,
                     scheme over its programs (\(SchemeWorkload.programs.joined(separator: ", "))).
                     NAME:X runs one point: K stores per touched page, MIB of old space, THREADS threads (1 to \(maxThreads)).
        """
    }

    // The defaults: the suite's sizes, scaled to finish in under 10
    // minutes on 2 cores; `full` restores the published ones.
    var binaryTreesN = 19
    var threadedBinaryTreesN = 18
    var gcold = GCOldWorkload(liveMegabytes: 50, work: 1, ratio: 20, mutations: 10, steps: 2000)
    var promotedStores = 30_000_000
    var sweep = RemsetSweepWorkload.defaultSweep
    var storeSweep = StoreSweepWorkload.defaultSweep
    /// Old-space sizes in MiB idle-old runs at.
    var idleOld = [64, 256, 1024]
    /// Thread counts the threaded workloads run at.
    var threads = [1, 2]
    var gcbenchStretch = 18
    /// How the heap runs major collections (`--major stw|concurrent`).
    var majorMode = HeapConfiguration.MajorMode.stopTheWorld
    /// The heap limit (`--heap BYTES`), replacing the workload's own; the
    /// policy derives the other sizes from it.
    var heapBytes: Int?
    /// The nursery (`--nursery BYTES`), overriding the policy's.
    var nurseryBytes: Int?

    /// The defaults (`full`: the published sizes), then the options given.
    init(_ args: Arguments = Arguments(), full: Bool = false) throws(UsageError) {
        if full {
            binaryTreesN = 21
            threadedBinaryTreesN = 21
            gcold.steps = 10_000
        }
        if let m = args.options["major"] {
            guard let mode = HeapConfiguration.MajorMode(rawValue: m) else { throw UsageError("--major takes stw or concurrent, not '\(m)'") }
            majorMode = mode
        }
        heapBytes = try Self.size(args, "heap")
        nurseryBytes = try Self.size(args, "nursery")
        binaryTreesN = try args.int("binarytrees-n", default: binaryTreesN)
        threadedBinaryTreesN = try args.int("mt-binarytrees-n", default: threadedBinaryTreesN)
        promotedStores = try args.int("promoted-stores", default: promotedStores)
        gcbenchStretch = try args.int("gcbench-stretch", default: gcbenchStretch)
        if let g = args.options["gcold"] {
            let n = g.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
            guard n.count == 5, n.allSatisfy({ $0 > 0 }) else { throw UsageError("--gcold takes five positive numbers: 'live work ratio mutations steps'") }
            gcold = GCOldWorkload(liveMegabytes: n[0], work: n[1], ratio: n[2], mutations: n[3], steps: n[4])
        }
        sweep = try Self.sweepList(args, "remset-sweep", default: sweep)
        storeSweep = try Self.sweepList(args, "store-sweep", default: storeSweep)
        idleOld = try Self.sweepList(args, "idle-old", default: idleOld)
        if let m = idleOld.first(where: { $0 > 1024 }) { throw UsageError("--idle-old takes sizes from 1 to 1024 MiB (the heap's limit is 2 GiB), not \(m)") }
        threads = try Self.sweepList(args, "threads", default: threads)
        if let t = threads.first(where: { $0 > Self.maxThreads }) { throw UsageError("--threads takes 1 to \(Self.maxThreads) threads, not \(t)") }
    }

    /// A `--NAME BYTES` size (suffixes k, m, g), if given.
    static func size(_ args: Arguments, _ name: String) throws(UsageError) -> Int? {
        guard let text = args.options[name] else { return nil }
        guard let n = parseBytes(text), n > 0 else { throw UsageError("--\(name) takes a size in bytes with an optional suffix k, m or g, such as 256m, not '\(text)'") }
        return n
    }

    /// `configuration` with the heap sizes given on the command line, checked:
    /// a size the heap refuses is a usage error naming the option.
    func sized(_ configuration: HeapConfiguration) throws(UsageError) -> HeapConfiguration {
        var c = configuration
        c.majorMode = majorMode
        if let heapBytes { c.heapLimitBytes = heapBytes }
        if let nurseryBytes { c.nurseryBytes = nurseryBytes }
        do { try c.validate() } catch {
            guard case let .invalidConfiguration(field, requirement, value) = error else { throw UsageError("\(error)") }
            let option = field == .heapLimitBytes ? "--heap" : field == .nurseryBytes ? "--nursery" : field.rawValue
            throw UsageError("\(option) must be \(requirement), not \(value)")
        }
        return c
    }

    /// A `--NAME 1,4,16` list of positive counts.
    static func sweepList(_ args: Arguments, _ name: String, default value: [Int]) throws(UsageError) -> [Int] {
        guard let text = args.options[name] else { return value }
        let list = text.split(separator: ",").map { Int($0) }
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) > 0 }) else { throw UsageError("--\(name) takes positive counts such as 1,4,16, not '\(text)'") }
        return list.map { $0! }
    }

    /// The family a name belongs to, and the suffix after its colon if any.
    static func family(of name: String) -> (Family, String?)? {
        let parts = name.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let family = families.first(where: { $0.name == parts[0] }) else { return nil }
        return (family, parts.count == 2 ? String(parts[1]) : nil)
    }

    /// The points `name` runs: itself if it is a point, its list if it is a
    /// bare family name. Throws for a name that is neither.
    func points(_ name: String) throws(UsageError) -> [String] {
        guard let (family, suffix) = Self.family(of: name), suffix == nil || family.suffix != nil else {
            throw UsageError("unknown workload \(name)\nworkloads: \(Self.workloadList)")
        }
        guard let suffix else {
            switch family.listOption {
            case "remset-sweep": return sweep.map { "\(name):\($0)" }
            case "store-sweep": return storeSweep.map { "\(name):\($0)" }
            case "idle-old": return idleOld.map { "\(name):\($0)" }
            case "threads": return threads.map { "\(name):\($0)" }
            default: return family.name == "scheme" ? SchemeWorkload.programs.map { "scheme:\($0)" } : [name]
            }
        }
        let valid = switch family.suffix {
        case "NAME": SchemeWorkload.programs.contains(suffix)
        case "THREADS": Int(suffix).map { $0 >= 1 && $0 <= Self.maxThreads } ?? false
        case "MIB": Int(suffix).map { $0 >= 1 && $0 <= 1024 } ?? false
        default: Int(suffix).map { $0 > 0 } ?? false
        }
        guard valid else { throw UsageError("unknown workload \(name): \(family.name):\(family.suffix!) needs \(Self.suffixMeaning(family.suffix!))\nworkloads: \(Self.workloadList)") }
        return [name]
    }

    static func suffixMeaning(_ suffix: String) -> String {
        switch suffix {
        case "NAME": "one of \(SchemeWorkload.programs.joined(separator: ", "))"
        case "THREADS": "a thread count from 1 to \(maxThreads)"
        case "MIB": "an old-space size from 1 to 1024 MiB"
        default: "a positive number of stores per touched page"
        }
    }

    /// The options (besides `major`) a name takes: a point its family's size
    /// options, a bare family name also the option its list comes from.
    static func optionsTaken(by name: String) -> [String] {
        guard let (family, suffix) = family(of: name) else { return [] }
        return family.sizeOptions + (suffix == nil ? family.listOption.map { [$0] } ?? [] : [])
    }

    /// Fails on an option in `given` that none of `workloads` takes.
    static func checkTaken(_ given: some Collection<String>, by workloads: [String]) throws(UsageError) {
        for option in given.sorted() where names.contains(option) && !heapOptions.contains(option) {
            guard !workloads.contains(where: { optionsTaken(by: $0).contains(option) }) else { continue }
            if workloads.count == 1, let (family, suffix) = family(of: workloads[0]), let suffix, family.listOption == option {
                throw UsageError("option --\(option) does not apply to workload \(workloads[0]), whose suffix :\(suffix) already sets it: "
                                 + "give the suffix or --\(option) with the bare \(family.name), not both")
            }
            let takers = families.filter { f in f.sizeOptions.contains(option) || f.listOption == option }.map(\.name)
            throw UsageError("option --\(option) does not apply to workload \(workloads.joined(separator: ", ")): "
                             + "only \(takers.joined(separator: ", ")) take\(takers.count == 1 ? "s" : "") it")
        }
    }

    /// The words to pass on to a child run-one of `point`: only the options
    /// it takes, so the child's check that every option applies holds.
    func arguments(for point: String) -> [String] {
        let values: [String: String] = [
            "binarytrees-n": "\(binaryTreesN)", "mt-binarytrees-n": "\(threadedBinaryTreesN)",
            "promoted-stores": "\(promotedStores)", "gcbench-stretch": "\(gcbenchStretch)", "gcold": gcold.parameters,
        ]
        let sizes = [("heap", heapBytes), ("nursery", nurseryBytes)].flatMap { name, bytes in bytes.map { ["--\(name)", "\($0)"] } ?? [] }
        return Self.optionsTaken(by: point).flatMap { ["--\($0)", values[$0]!] } + ["--major", majorMode.rawValue] + sizes
    }

    /// The size arguments of a peer program (C on Boehm GC, Java on
    /// HotSpot) for `workload`, in the order the programs take them.
    func peerArguments(for workload: String) -> [String] {
        switch workload {
        case "gcbench": ["\(gcbenchStretch)"]
        case "binarytrees": ["\(binaryTreesN)"]
        default: gcold.parameters.split(separator: " ").map(String.init)
        }
    }

    /// GCBench at the chosen stretch depth (long-lived and maximum depth two less).
    var gcbench: GCBenchWorkload {
        GCBenchWorkload(stretchDepth: gcbenchStretch, longLivedDepth: gcbenchStretch - 2, maxDepth: gcbenchStretch - 2)
    }

    /// Runs `visitor` with the point `name` (one `points` returned) as a
    /// concrete type.
    func withWorkload<V: WorkloadVisitor>(named name: String, _ visitor: V) throws -> V.Output {
        guard let (family, suffix) = Self.family(of: name), (suffix == nil) == (family.suffix == nil), try points(name) == [name] else {
            throw UsageError("\(name) is not one point of a workload")
        }
        let k = suffix.flatMap { Int($0) } ?? 0
        switch family.name {
        case "gcbench": return try visitor.visit(gcbench)
        case "gcbench-c": return try visitor.visit(CWorkload(gcbench))
        case "binarytrees": return try visitor.visit(BinaryTreesWorkload(n: binaryTreesN))
        case "binarytrees-c": return try visitor.visit(CWorkload(BinaryTreesWorkload(n: binaryTreesN)))
        case "gcold": return try visitor.visit(gcold)
        case "gcold-c": return try visitor.visit(CWorkload(gcold))
        case "promoted-store": return try visitor.visit(PromotedStoreWorkload(stores: promotedStores))
        case "remset-sweep": return try visitor.visit(RemsetSweepWorkload(storesPerPage: k))
        case "store-sweep": return try visitor.visit(StoreSweepWorkload(storesPerPage: k))
        case "idle-old": return try visitor.visit(IdleOldWorkload(megabytes: k))
        case "scheme": return try visitor.visit(SchemeWorkload(program: suffix!))
        case "weak-table": return try visitor.visit(WeakTableWorkload())
        case "ephemeron-chain": return try visitor.visit(EphemeronChainWorkload())
        case "guardian": return try visitor.visit(GuardianWorkload())
        case "mt-gcbench": return try visitor.visit(MTGCBenchWorkload(threads: k, gcbench: gcbench))
        case "mt-binarytrees": return try visitor.visit(BinaryTreesWorkload(n: threadedBinaryTreesN, threads: k))
        default: return try visitor.visit(SharedStoreWorkload(threads: k))
        }
    }
}
