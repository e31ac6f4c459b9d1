import Foundation
import GCHeap
import HeapTrace
import WriteWatch

/// `gcbench replay TRACE [--barrier B] [--dump] [--stats FILE]`
enum ReplayCommand {
    static var usage: String {
        """
        usage: gcbench replay TRACE [--barrier B] [--dump] [--stats FILE] [--nursery BYTES] [--heap-limit BYTES] [--promotion-age N]
          Runs a mutator trace on the heap; --dump prints the live heap after it, --stats writes its statistics.
          barriers: \(BarrierKind.namesForCommandLine) (default auto)
        """
    }

    static func run(_ words: [String]) -> Int32 {
        Subcommand.run("replay", usage: usage, words) { words in
            let args = try Arguments(words, options: ["barrier", "stats", "nursery", "heap-limit", "promotion-age"], flags: ["dump"])
            guard args.positional.count == 1 else { throw UsageError("replay takes one TRACE file, not \(args.positional.count)") }
            let (kind, notice) = try RunOneCommand.barrier(args.options["barrier"] ?? "auto", probe: Probe.run())
            if let notice { printError("gcbench replay: \(notice)") }
            var config = HeapConfiguration()
            if let n = args.options["nursery"] { config.nurseryBytes = try bytes(n, "nursery") }
            if let n = args.options["heap-limit"] { config.heapLimitBytes = try bytes(n, "heap-limit") }
            config.promotionAge = try args.int("promotion-age", default: config.promotionAge)

            let path = args.positional[0]
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("cannot read trace '\(path)'")
                return 2
            }
            let lines: [TraceLine]
            do { lines = try Trace.parse(String(decoding: data, as: UTF8.self)) } catch {
                printError("\(error)")
                return 2
            }
            return try kind.accept(Visitor(lines: lines, configuration: config, dump: args.flags.contains("dump"), statsPath: args.options["stats"]))
        }
    }

    static func bytes(_ text: String, _ name: String) throws(UsageError) -> Int {
        guard let n = parseBytes(text) else { throw UsageError("--\(name) takes a size such as 4M, not '\(text)'") }
        return n
    }

    struct Visitor: BarrierVisitor {
        let lines: [TraceLine]
        let configuration: HeapConfiguration
        let dump: Bool
        let statsPath: String?

        func visit<B: Barrier>(_ barrier: B.Type) throws -> Int32 {
            let heap: Heap<B>
            do { heap = try Heap<B>(configuration: configuration) } catch {
                printError("\(error)")
                return 1
            }
            heap.onDiagnostic = { printError("gcbench: \($0)") }
            let replayer = Replayer(heap: heap)
            var status: Int32 = 0
            var output = ""
            do {
                try replayer.run(lines)
                if dump { output = try replayer.dump() }
            } catch {
                printError("\(error)")
                status = error.exitStatus
            }
            if let statsPath { try writeStats(heap.statistics, barrier: B.name, to: statsPath) }
            if status == 0 { FileHandle.standardOutput.write(Data(output.utf8)) }
            return status
        }
    }

    static func writeStats(_ s: HeapStatistics, barrier: String, to path: String) throws {
        let object: [String: Any] = [
            "barrier": barrier,
            "minorCollections": s.minorCollections,
            "majorCollections": s.majorCollections,
            "scanCalls": s.scanCalls,
            "dirtyPages": s.dirtyPages,
            "dirtyCards": s.dirtyCards,
            "promotedBytes": s.promotedBytes,
            "verifyFailures": s.verifyFailures,
            "allocatedBytes": s.allocatedBytes,
            "degradedCollections": s.degradedCollections,
            "rememberedSlots": s.rememberedSlots,
            "collectorSuspends": s.collectorSuspends,
            "collectorFaultPages": s.collectorFaultPages,
            "rearmCalls": s.rearmCalls,
            "oldBytesInUse": s.oldBytesInUse,
            "minorSeconds": Double(s.minorNanoseconds) / 1e9,
            "majorSeconds": Double(s.majorNanoseconds) / 1e9,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        try data.write(to: URL(fileURLWithPath: path))
    }
}
