import Foundation
import GCHeap
import MiniScheme

/// A Scheme program from Benchmarks/scheme run by minischeme on the heap: a
/// second, realistic mutator whose stores go into old environment frames and
/// data structures. Its output must equal the program's .out file.
struct SchemeWorkload: Workload {
    var program: String

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scheme")

    static var programs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".scm") }.map { String($0.dropLast(4)) }.sorted()
    }

    var name: String { "scheme:\(program)" }
    var parameters: String { "Benchmarks/scheme/\(program).scm" }
    var configuration: HeapConfiguration { .benchmark(nursery: 1 << 20, limit: 1 << 30) }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        let file = Self.directory.appendingPathComponent("\(program).scm")
        guard let source = try? String(contentsOf: file, encoding: .utf8),
              let expected = try? String(contentsOf: file.deletingPathExtension().appendingPathExtension("out"), encoding: .utf8) else {
            throw WorkloadFailure("cannot read \(file.path) and its .out")
        }
        var output = ""
        let interpreter = try Interpreter(heap: heap, output: { output += $0 })
        try interpreter.run(source)
        guard output == expected else { throw WorkloadFailure("\(program): output differs from \(program).out") }
        return "\(program): output matches (\(output.split(separator: "\n").count) lines)"
    }
}
