import Foundation

/// The heap limits the suite runs its sized workloads at: a multiple of
/// each workload's minimum heap (`gcbench minheap`), so that every row of
/// a workload, ours and the peers', has the same memory, and a time-space
/// curve is a list of multiples. The minimum is searched once per workload
/// and size and cached in `.build/gcbench-minheap.json`.
///
/// Invariant: the point at the default multiple keeps the workload's bare
/// name, so every table and target keyed by it reads the 2x run; other
/// multiples are `NAME@Mx`.
struct HeapPoints {
    /// One workload at one heap limit.
    struct Point {
        var id: String
        var workload: String
        var heapBytes: Int?
        var multiple: Double?
    }

    static let sizedWorkloads: Set<String> = ["gcbench", "binarytrees", "gcold", "gcbench-c", "binarytrees-c", "gcold-c"]
    static let defaultMultiple = 2.0

    /// The peer program a point runs: its workload, without `-c` or `@Mx`.
    static func program(of point: String) -> String {
        let name = point.split(separator: "@").first.map(String.init) ?? point
        return name.hasSuffix("-c") ? String(name.dropLast(2)) : name
    }

    static func parseMultiples(_ text: String?) throws(UsageError) -> [Double] {
        guard let text else { return [defaultMultiple] }
        let values = text.split(separator: ",").map { Double($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 1 }) else {
            throw UsageError("--heap-multiples takes numbers of at least 1, such as 1.5,2,3,6, not '\(text)'")
        }
        return values.map { $0! }
    }

    /// The points of `names`: sized workloads at each multiple of their
    /// minimum heap (or at `--heap` when given), the rest as they are.
    static func points(_ names: [String], sizes: WorkloadOptions, multiples: [Double], runOne: URL) throws -> [Point] {
        var cache = Cache()
        return try names.flatMap { name -> [Point] in
            guard sizedWorkloads.contains(name), sizes.heapBytes == nil else {
                return [Point(id: name, workload: name, heapBytes: sizes.heapBytes, multiple: nil)]
            }
            let arguments = ["--workload", name] + sizes.arguments(for: name)
            let minimum = try cache.minimum(arguments, runOne: runOne)
            return multiples.map { m in
                let bytes = (Int(Double(minimum) * m) + (1 << 20) - 1) & ~((1 << 20) - 1)
                return Point(id: m == defaultMultiple ? name : "\(name)@\(m.shortText)x", workload: name, heapBytes: bytes, multiple: m)
            }
        }
    }

    /// Minimum heaps found so far, by run-one arguments.
    struct Cache {
        let file = PeerProcess.root.appendingPathComponent(".build/gcbench-minheap.json")
        var entries: [String: Int]

        init() {
            entries = (try? JSONDecoder().decode([String: Int].self, from: Data(contentsOf: file))) ?? [:]
        }

        mutating func minimum(_ arguments: [String], runOne: URL) throws -> Int {
            let key = arguments.joined(separator: " ")
            if let bytes = entries[key] { return bytes }
            printError("gcbench: finding the minimum heap of \(key) (once; cached in \(file.path))")
            guard let bytes = try MinHeapCommand.minimum(runOne: runOne, arguments + ["--barrier", "software"]) else {
                throw WorkloadFailure("\(key) does not complete even at a 4 GiB heap")
            }
            entries[key] = bytes
            try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? JSONEncoder().encode(entries).write(to: file)
            return bytes
        }
    }
}

extension Double {
    /// 2 as "2", 1.5 as "1.5".
    var shortText: String { self == rounded() ? String(Int(self)) : String(self) }
}
