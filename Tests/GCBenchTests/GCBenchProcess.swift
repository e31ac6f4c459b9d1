import Foundation
import XCTest
@testable import gcbench

/// Runs the built gcbench executable as a child process, for what must be
/// seen from outside: exit statuses, standard error, and runs that may
/// crash (a workload under the none barrier) without taking the test
/// process with them.
struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

extension XCTestCase {
    /// Runs the gcbench executable `swift test` builds beside the bundle.
    func gcbench(_ arguments: String...) throws -> Outcome { try gcbench(arguments) }

    /// `environment` replaces variables of this process's environment in the child's.
    func gcbench(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let executable = bundle.deletingLastPathComponent().appendingPathComponent("gcbench")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw UsageError("no gcbench executable at \(executable.path): swift test builds it")
        }
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both before waiting: a full pipe would block the child.
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self))
    }
}
