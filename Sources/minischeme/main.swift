import Foundation
import GCHeap
import MiniScheme
import WriteWatch

// minischeme [FILE] [--barrier B] [--stats FILE] [--heap-limit BYTES]
// Runs a Scheme program from FILE or standard input on the heap.
let usage = "usage: minischeme [FILE] [--barrier hardware|software|mprotect|uffd-sync|none|auto] [--stats FILE] [--heap-limit BYTES]"
var path: String?
var barrierName = "auto"
var statsPath: String?
var heapLimit: Int?
var words = Array(CommandLine.arguments.dropFirst())
while !words.isEmpty {
    let w = words.removeFirst()
    switch w {
    case "--barrier", "--stats", "--heap-limit":
        guard !words.isEmpty else { FileHandle.standardError.write(Data("\(w) needs a value\n\(usage)\n".utf8)); exit(2) }
        let v = words.removeFirst()
        if w == "--barrier" { barrierName = v } else if w == "--stats" { statsPath = v } else { heapLimit = Int(v) }
    case "-h", "--help": print(usage); exit(0)
    default:
        guard path == nil, !w.hasPrefix("--") else { FileHandle.standardError.write(Data("unexpected '\(w)'\n\(usage)\n".utf8)); exit(2) }
        path = w
    }
}
guard let (kind, notice) = BarrierKind.parse(barrierName, probe: Probe.run()) else {
    FileHandle.standardError.write(Data("unknown barrier '\(barrierName)'\n\(usage)\n".utf8)); exit(2)
}
if let notice { FileHandle.standardError.write(Data("minischeme: \(notice)\n".utf8)) }
let data = path.map { FileManager.default.contents(atPath: $0) } ?? FileHandle.standardInput.readDataToEndOfFile()
guard let data else { FileHandle.standardError.write(Data("cannot read '\(path!)'\n".utf8)); exit(2) }
var configuration = HeapConfiguration()
configuration.nurseryBytes = 1 << 20
if let heapLimit { configuration.heapLimitBytes = heapLimit }
let result = try kind.accept(SchemeRun(source: String(decoding: data, as: UTF8.self), configuration: configuration))
FileHandle.standardOutput.write(Data(result.output.utf8))
if let error = result.error { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
if let statsPath, let stats = result.statisticsJSON { try stats.write(to: URL(fileURLWithPath: statsPath)) }
exit(result.error == nil ? 0 : 1)
