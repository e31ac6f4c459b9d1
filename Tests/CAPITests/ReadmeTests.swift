import Foundation
import XCTest

/// Every code block in README.md builds and runs as written, so the README
/// cannot drift from the code: the Package.swift block and the Swift blocks
/// become a package of their own that depends on this one by path (as a
/// newcomer's would), built with `swift build` and run; the C block is
/// compiled with the README's own link lines and run.
final class ReadmeTests: XCTestCase {
    struct Block {
        let language: String
        let text: String
    }

    static func blocks() throws -> [Block] {
        let readme = try String(contentsOf: CAPITests.root.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [Block] = []
        var language: String?
        var lines: [String] = []
        for line in readme.components(separatedBy: "\n") {
            if let open = language {
                if line == "```" {
                    blocks.append(Block(language: open, text: lines.joined(separator: "\n") + "\n"))
                    language = nil
                    lines = []
                } else {
                    lines.append(line)
                }
            } else if line.hasPrefix("```") {
                language = String(line.dropFirst(3))
            }
        }
        XCTAssertNil(language, "README.md has an unclosed code block")
        return blocks
    }

    /// Every block is of a kind this test knows how to check: a new kind of
    /// block must come with its check.
    func testEveryBlockIsChecked() throws {
        let blocks = try Self.blocks()
        XCTAssertEqual(Set(blocks.map(\.language)), ["sh", "swift", "c"])
        XCTAssertEqual(blocks.filter { $0.language == "c" }.count, 1)
        XCTAssertEqual(blocks.filter { $0.language == "swift" && $0.text.hasPrefix("// swift-tools-version") }.count, 1)
    }

    /// The two commands are the ones .ci/run and a newcomer run.
    func testTheTwoCommands() throws {
        let first = try XCTUnwrap(Self.blocks().first)
        XCTAssertTrue(first.text.contains("swift run -c release gcbench ") && first.text.contains("swift test "), first.text)
        let ci = try String(contentsOf: CAPITests.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        XCTAssertTrue(ci.contains("swift test"), ".ci/run must run the README's test command")
    }

    /// The Swift blocks as one program in a package of its own, depending
    /// on this one through `.package(path: "../writewatch")` exactly as the
    /// README's Package.swift says: built (Swift 6 language mode, so the
    /// threads block must be data-race safe), then run.
    func testSwiftBlocksBuildAndRunInAPackageOfTheirOwn() throws {
        let blocks = try Self.blocks().filter { $0.language == "swift" }
        let manifest = try XCTUnwrap(blocks.first { $0.text.hasPrefix("// swift-tools-version") })
        let program = blocks.filter { !$0.text.hasPrefix("// swift-tools-version") }.map(\.text).joined(separator: "\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ww-readme-\(UUID().uuidString)")
        let app = dir.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: app.appendingPathComponent("Sources/app"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("writewatch"), withDestinationURL: CAPITests.root)
        try manifest.text.write(to: app.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try program.write(to: app.appendingPathComponent("Sources/app/main.swift"), atomically: true, encoding: .utf8)

        let swift = try Self.swiftExecutable()
        let (buildStatus, build) = try CAPITests.run([swift, "build", "--package-path", app.path], check: false)
        XCTAssertEqual(buildStatus, 0, "the README's Swift blocks do not build:\n\(build.suffix(6000))")
        guard buildStatus == 0 else { return }
        let (runStatus, output) = try CAPITests.run([app.appendingPathComponent(".build/debug/app").path], check: false)
        XCTAssertEqual(runStatus, 0, output)
        // The first block prints the dirty-page count and the verifier's
        // problems: none; the weak block the guardian's clean-up, and that
        // the box of a live object was not cleared.
        XCTAssertTrue(output.contains(" []\n"), output)
        XCTAssertTrue(output.hasSuffix("clean up 4\nfalse\n"), output)
    }

    /// The C block, linked with the README's `cc` lines against the
    /// libraries `swift test` built (the README's `.build/release`, here the
    /// test's own build folder), dynamically and statically, and run.
    func testCBlockLinksWithTheReadmesLinesAndRuns() throws {
        let blocks = try Self.blocks()
        let c = try XCTUnwrap(blocks.first { $0.language == "c" })
        let linkLines = blocks.filter { $0.language == "sh" && $0.text.contains("app.c") }.map(\.text)
        XCTAssertEqual(linkLines.count, 2, "the dynamic and the static link lines")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ww-readme-c-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try c.text.write(to: dir.appendingPathComponent("app.c"), atomically: true, encoding: .utf8)
        let build = CAPITests.buildDirectory.path
        for (i, lines) in linkLines.enumerated() {
            // The build itself is this test's; the link lines run as written
            // but for the folder the libraries are in.
            var script = lines.components(separatedBy: "\n").filter { !$0.hasPrefix("swift build") }.joined(separator: "\n")
            script = script.replacingOccurrences(of: "$PWD/.build/release", with: build)
                .replacingOccurrences(of: ".build/release", with: build)
                .replacingOccurrences(of: " app.c", with: " \(dir.path)/app.c")
                .replacingOccurrences(of: "-o app", with: "-o \(dir.path)/app\(i)")
            #if DEBUG
            // A debug Swift library also needs the -Onone support library.
            script = script.replacingOccurrences(of: "-lswiftGlibc", with: "-lswiftGlibc -lswiftSwiftOnoneSupport")
            #endif
            let (status, output) = try CAPITests.run(["bash", "-c", "cd '\(CAPITests.root.path)' && " + script], check: false)
            XCTAssertEqual(status, 0, "link line \(i + 1) failed:\n\(script)\n\(output)")
            guard status == 0 else { continue }
            let (runStatus, ran) = try CAPITests.run(["\(dir.path)/app\(i)"], check: false)
            XCTAssertEqual(runStatus, 0, ran)
            // "auto": hardware where the kernel has it, else software.
            XCTAssertTrue(ran == "barrier hardware\n" || ran == "barrier software\n", ran)
        }
    }

    /// The `swift` driver this test was built with: the one on PATH.
    static func swiftExecutable() throws -> String {
        let (status, path) = try CAPITests.run(["bash", "-c", "command -v swift"], check: false)
        guard status == 0 else { throw CAPITests.CompileError(description: "no swift on PATH") }
        return path.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
