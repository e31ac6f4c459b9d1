import Foundation

/// What the peers (Boehm GC in C, HotSpot in Java) share: they are built
/// from the source tree on first use into `.build/peers`, so the package
/// never links or requires them, and each run is a child process whose
/// standard output is one JSON `RunRecord`.
///
/// Invariant: a product is reused only while it is newer than every source
/// it was built from, so an edited peer is never measured stale.
enum PeerProcess {
    /// A peer cannot run here; the text says what to install.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// The package's root directory (the peers' sources are read from it).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func isUpToDate(_ product: URL, builtFrom sources: [URL]) -> Bool {
        func modified(_ url: URL) -> Date? { (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date }
        guard let built = modified(product), let written = sources.compactMap(modified).max() else { return false }
        return built > written
    }

    /// Runs `command` (looked up on PATH) to completion.
    static func run(_ command: [String]) throws -> (status: Int32, output: Data, errors: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command
        // Standard error goes to a file, so that neither stream can fill a
        // pipe and stall the child while the other is read.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("gcbench-peer-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw PeerProcess.Unavailable(description: "cannot create \(errorFile.path) for a peer's standard error")
        }
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let err = try FileHandle(forWritingTo: errorFile)
        defer { try? err.close() }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errors = (try? Data(contentsOf: errorFile)) ?? Data()
        return (p.terminationStatus, output, String(decoding: errors, as: UTF8.self))
    }
}
