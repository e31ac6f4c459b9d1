import CWriteWatchAPI
import Foundation
@testable import WriteWatchC
import XCTest

/// The C API from C: the programs under Tests/CAPITests/c and Examples/c
/// and the C GCBench, compiled with the system C compiler against the
/// library `swift test` has just built (libwritewatch-c.so and .a beside
/// the test bundle) and the header, run, and judged by what they print.
final class CAPITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let header = root.appendingPathComponent("Sources/CWriteWatchAPI/include")
    /// Where SwiftPM put the test bundle, and so the libraries.
    static let buildDirectory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        .deletingLastPathComponent()

    /// Runs a command; its status and its output (stdout and stderr, as
    /// the child interleaved them).
    @discardableResult
    static func run(_ arguments: [String], check: Bool = true) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        // One pipe for both: reading two pipes in turn deadlocks once the
        // child fills the second.
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        if check && p.terminationStatus != 0 {
            XCTFail("\(arguments.joined(separator: " ")) exited \(p.terminationStatus):\n\(text.suffix(4000))")
        }
        return (p.terminationStatus, text)
    }

    /// Compiles C sources against the shared library; returns the program.
    func compile(_ sources: [String], defines: [String] = [], includes: [String] = [], staticLibrary: Bool = false) throws -> String {
        try Self.compile(sources, defines: defines, includes: includes, staticLibrary: staticLibrary)
    }

    /// Compiles C sources (paths from the project root, or absolute) against
    /// the shared library, or the static one; returns the program.
    static func compile(_ sources: [String], defines: [String] = [], includes: [String] = [], staticLibrary: Bool = false) throws -> String {
        let lib = Self.buildDirectory.appendingPathComponent(staticLibrary ? "libwritewatch-c-static.a" : "libwritewatch-c.so").path
        guard FileManager.default.fileExists(atPath: lib) else {
            throw CompileError(description: "no \(lib): `swift build` and `swift test` build the library products beside the test bundle")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ww-capi-\(UUID().uuidString)").path
        var args = ["cc", "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-I", Self.header.path]
        args += includes.flatMap { ["-I", Self.root.appendingPathComponent($0).path] }
        args += defines.map { "-D\($0)" }
        args += sources.map { $0.hasPrefix("/") ? $0 : Self.root.appendingPathComponent($0).path }
        if staticLibrary {
            // A static Swift library needs the Swift runtime it was built
            // with (the directory this test process loaded it from) and
            // swiftrt.o, which registers its type metadata and conformances
            // with the runtime, as swiftc does for every Swift executable.
            let runtime = try Self.swiftRuntimeDirectory()
            #if arch(x86_64)
            let arch = "x86_64"
            #else
            let arch = "aarch64"
            #endif
            args += [lib, "\(runtime)/\(arch)/swiftrt.o", "-L", runtime, "-Wl,-rpath,\(runtime)", "-lswiftCore", "-lswift_Concurrency", "-lswift_StringProcessing",
                     "-lswift_RegexParser", "-lswiftSynchronization", "-lswiftGlibc", "-lswiftSwiftOnoneSupport", "-lm"]
        } else {
            args += ["-L", Self.buildDirectory.path, "-lwritewatch-c", "-Wl,-rpath,\(Self.buildDirectory.path)"]
        }
        args += ["-lpthread", "-o", output]
        let (status, text) = try Self.run(args, check: false)
        guard status == 0 else { throw CompileError(description: "compiling \(sources) failed:\n\(text)") }
        return output
    }

    struct CompileError: Error, CustomStringConvertible { var description: String }

    static func swiftRuntimeDirectory() throws -> String {
        // Read to the end: /proc files report a size of 0.
        guard let file = FileHandle(forReadingAtPath: "/proc/self/maps") else { throw CompileError(description: "no /proc/self/maps") }
        let maps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        guard let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
              let path = line.split(separator: " ").last else { throw CompileError(description: "libswiftCore.so is not loaded from a file") }
        return URL(fileURLWithPath: String(path)).deletingLastPathComponent().path
    }

    /// The checks the C program must report as passed, for each scope.
    static let heapChecks = ["create", "store-kind", "old-to-young", "verify", "barrier-saw-stores", "no-collector-faults",
                             "object-header", "fast-path", "fast-falls-back", "fast-list-intact", "fast-stack-grows",
                             "load-out-of-range", "allocate-bad-size", "allocate-large", "collect-major", "large-survives",
                             "stack-updated", "pop-empty", "root-after-release", "attach-twice", "thread-attach",
                             "thread-wrong-mutator", "thread-inactive-allocate", "thread-after-detach", "destroy-busy",
                             "thread-stores-survive", "inactive-allocate", "destroy", "stats-after-destroy",
                             "allocate-after-destroy"]
    static let trackerChecks = ["open", "track-unaligned", "collect-too-small", "collect-needed", "collect-needed-grows",
                                "nothing-lost", "collect-rearmed", "reset-forgets", "use-after-close"]
    static let creationChecks = ["create/bad-barrier-name", "create/bad-nursery", "create/bad-options-size",
                                 "create/bad-major-mode", "create/hardware-unsupported", "create/auto-notice",
                                 "tracker/bad-mechanism", "tracker/probe-size", "tracker/probe-text",
                                 "create/heap-exhausted", "create/heap-exhausted-again", "create/heap-usable-after-exhaustion",
                                 "create/nursery-derived-by-default", "create/derived-nursery-creates"]

    /// The checks Tests/CAPITests/c/weak_test.c must report as passed under
    /// each barrier: weak boxes (an old box given a young target by
    /// ww_weak_set first), ephemerons, guardians, and each call's bad
    /// arguments, wrong thread and inactive mutator.
    static let weakChecks = [
        "bad/store-checked-ephemeron", "bad/store-checked-box",
        "create", "weak-create", "old-box-young-target-moved", "old-box-young-target-cleared", "verify",
        "old-box-after-minors", "old-box-old-target-major", "young-box-live-target", "young-box-dead-target",
        "weak-immediate", "weak-set-null", "weak-set-null-reads", "create-collects", "weak-create-keeps-target",
        "ephemeron-create-keeps-entry", "create-keeps-stack",
        "ephemeron-create", "ephemeron-get", "ephemeron-live-key", "ephemeron-dead-key", "ephemeron-self-reference",
        "ephemeron-immediate-value", "ephemeron-live-key-major", "ephemeron-old-dead-key", "ephemeron-old-dead-key-immediate",
        "guardian-create", "guardian-register", "guardian-register-again", "guardian-pop", "guardian-pop-before-collection",
        "guardian-keeps-weak-target", "guardian-pop-order", "guardian-register-twice", "guardian-pop-empty",
        "guardian-reachable-not-ready", "guardian-popped-then-dropped", "guardian-old-not-minor", "guardian-old-major",
        "verify-after",
        "bad/weak-create-null-out", "bad/weak-create-wild-target", "bad/weak-create-mutator", "bad/weak-get-null-box",
        "bad/weak-get-immediate", "bad/weak-get-plain", "bad/weak-get-ephemeron", "bad/weak-get-wild",
        "bad/weak-get-null-out", "bad/weak-get-mutator", "bad/weak-set-plain", "bad/weak-set-immediate",
        "bad/weak-set-wild-target", "bad/weak-set-outside", "bad/weak-set-mutator",
        "bad/ephemeron-create-null-key", "bad/ephemeron-create-immediate-key", "bad/ephemeron-create-wild-key",
        "bad/ephemeron-create-wild-value", "bad/ephemeron-create-null-out", "bad/ephemeron-create-mutator",
        "bad/ephemeron-get-box", "bad/ephemeron-get-plain", "bad/ephemeron-get-null", "bad/ephemeron-get-null-key-out",
        "bad/ephemeron-get-null-value-out", "bad/ephemeron-get-mutator",
        "bad/guardian-create-null-out", "bad/guardian-create-heap", "bad/guardian-register-null",
        "bad/guardian-register-immediate", "bad/guardian-register-wild", "bad/guardian-register-zero",
        "bad/guardian-register-made-up", "bad/guardian-register-mutator", "bad/guardian-pop-null-out",
        "bad/guardian-pop-zero", "bad/guardian-pop-made-up", "bad/guardian-pop-mutator", "bad/guardian-destroy-heap",
        "bad/guardian-destroy-made-up", "guardian-destroy", "guardian-destroyed-pop", "guardian-destroyed-register",
        "guardian-destroy-twice", "guardian-new-handle", "guardian-stale-after-reuse",
        "wrong-thread/weak-create", "wrong-thread/weak-get", "wrong-thread/weak-set", "wrong-thread/ephemeron-create",
        "wrong-thread/ephemeron-get", "wrong-thread/guardian-register", "wrong-thread/guardian-pop",
        "inactive/weak-create", "inactive/weak-get", "inactive/weak-set", "inactive/ephemeron-create",
        "inactive/ephemeron-get", "inactive/guardian-register", "inactive/guardian-pop",
        "guardian-destroy-with-registrations", "verify-end",
        "after-destroy/weak-create", "after-destroy/guardian-pop", "after-destroy/guardian-create"]

    /// Weak boxes, ephemerons and guardians from C under every barrier, in
    /// both major modes; the same old-box checks catch the none barrier.
    func testWeakReferencesUnderEveryBarrier() throws {
        let program = try compile(["Tests/CAPITests/c/weak_test.c"])
        for concurrent in [false, true] {
            let (status, output) = try Self.run(concurrent ? ["WW_TEST_CONCURRENT=1", program] : [program], check: false)
            let mode = concurrent ? "concurrent majors" : "stop-the-world majors"
            let lines = Set(output.split(separator: "\n").map(String.init))
            for failure in lines where failure.hasPrefix("FAIL") { XCTFail("\(mode): \(failure)") }
            XCTAssertEqual(status, 0, "\(mode): \(output.suffix(3000))")
            var expected: [String] = []
            for barrier in ["hardware", "software", "software-cond", "mprotect", "uffd-sync"] {
                expected += Self.weakChecks.map { "ok \(barrier)/\($0)" }
            }
            // The negative control: an old box set to a young target under a
            // heap with no barrier reads wrong after the minor.
            expected.append("ok none/caught")
            for line in expected { XCTAssertTrue(lines.contains(line), "\(mode): missing: \(line)") }
            XCTAssertTrue(output.contains("summary:") && output.contains(", 0 failed"), "\(mode): \(output.suffix(300))")
        }
    }

    func testEveryFunctionUnderEveryBarrier() throws {
        let program = try compile(["Tests/CAPITests/c/api_test.c"])
        let (status, output) = try Self.run([program], check: false)
        let lines = Set(output.split(separator: "\n").map(String.init))
        for failure in lines where failure.hasPrefix("FAIL") { XCTFail(failure) }
        XCTAssertEqual(status, 0, output.suffix(3000).description)
        var expected = Self.creationChecks.map { "ok \($0)" }
        for barrier in ["hardware", "software", "software-cond", "mprotect", "uffd-sync"] {
            expected += Self.heapChecks.map { "ok \(barrier)/\($0)" }
        }
        for mechanism in ["uffd-async", "mprotect", "uffd-sync", "auto"] {
            expected += Self.trackerChecks.map { "ok tracker-\(mechanism)/\($0)" }
        }
        // The negative control: the same old-to-young checks catch a heap
        // with no barrier.
        expected.append("ok none/caught")
        for line in expected { XCTAssertTrue(lines.contains(line), "missing: \(line)") }
        XCTAssertTrue(output.contains("summary:") && output.contains(", 0 failed"), output.suffix(300).description)
    }

    /// The same heap checks with concurrent major collections.
    func testConcurrentMajorMode() throws {
        let program = try compile(["Tests/CAPITests/c/api_test.c"])
        let (_, output) = try Self.run(["/usr/bin/env", "WW_TEST_CONCURRENT=1", program, "hardware", "software", "mprotect"])
        for b in ["hardware", "software", "mprotect"] {
            XCTAssertTrue(output.contains("ok \(b)/old-to-young") && output.contains("ok \(b)/large-survives"), output)
        }
        XCTAssertTrue(output.contains(", 0 failed"), output.suffix(2000).description)
    }

    /// Random calls with bad arguments (Tests/CAPITests/c/fuzz_test.c) on
    /// fixed seeds under every barrier: each must be refused with an error,
    /// each valid one accepted, the heap must still verify, and no run may
    /// end on a signal. The program's first checks are the inputs that once
    /// trapped (an allocation size that overflowed) or segfaulted (checked
    /// calls given an address outside the heap or on the stack).
    func testFuzzedBadArgumentsAreRefusedUnderEveryBarrier() throws {
        let program = try compile(["Tests/CAPITests/c/fuzz_test.c"])
        for barrier in ["hardware", "software", "software-cond", "mprotect", "uffd-sync"] {
            for seed in [1, 2, 3, 20261201] {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: program)
                p.arguments = [barrier, "\(seed)", "3000"]
                let out = Pipe()
                p.standardOutput = out
                p.standardError = out
                try p.run()
                let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                let context = "\(barrier) seed \(seed): \(text.suffix(3000))"
                XCTAssertEqual(p.terminationReason, .exit, "ended on signal \(p.terminationStatus): " + context)
                XCTAssertEqual(p.terminationStatus, 0, context)
                XCTAssertTrue(text.contains("summary: \(barrier) seed \(seed): ") && text.contains(", 0 failed"), context)
            }
        }
    }

    func testStaticLibraryLinks() throws {
        let program = try compile(["Tests/CAPITests/c/api_test.c"], staticLibrary: true)
        let (_, output) = try Self.run([program, "software", "hardware"])
        XCTAssertTrue(output.contains("ok software/old-to-young") && output.contains("ok hardware/old-to-young"), output)
        XCTAssertTrue(output.contains(", 0 failed"), output)
    }

    func testGetWriteWatchExample() throws {
        let program = try compile(["Examples/c/getwritewatch.c"])
        for mechanism in ["uffd-async", "mprotect", "uffd-sync"] {
            let (_, output) = try Self.run([program, mechanism])
            XCTAssertEqual(output, """
                mechanism: \(mechanism)
                too small: 4 pages needed
                written: 1 5 9 10
                written, reset: 1 5 9 10
                after reset: none
                after ResetWriteWatch of pages 32-63: 3

                """)
        }
    }

    /// The C GCBench on its own (as `cc` builds it from the README), small,
    /// under every barrier: it validates its live data and says so. The
    /// suite runs the same source in-process as workload gcbench-c.
    func testCGCBenchStandalone() throws {
        let program = try compile(["Benchmarks/CGCBench/gcbench.c"], defines: ["WW_GCBENCH_MAIN"], includes: ["Benchmarks/CGCBench/include"])
        for barrier in ["hardware", "software", "software-cond", "mprotect", "uffd-sync"] {
            let (_, output) = try Self.run([program, barrier, "12"])
            XCTAssertTrue(output.contains("gcbench-c \(barrier): 1392 short-lived trees; long-lived tree 2047 nodes and array intact"), output)
        }
    }

    func testHeaderCompilesAsStrictCAndCxx() throws {
        let header = Self.header.appendingPathComponent("writewatch.h").path
        try Self.run(["cc", "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c", header])
        try Self.run(["c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c++", header])
    }

    /// The header's static assertions fix its structs' layouts in C; these
    /// check that Swift sees the same ones, and that ww_mutator_fast mirrors
    /// the heap's mutator state.
    func testLayouts() {
        XCTAssertEqual(MemoryLayout<ww_heap_options>.size, 64)
        XCTAssertEqual(MemoryLayout<ww_heap_options>.offset(of: \.stall_report_ms), 60)
        XCTAssertEqual(MemoryLayout<ww_heap_stats>.size, 18 * 8)
        XCTAssertEqual(MemoryLayout<ww_barrier>.size, 32)
        XCTAssertEqual(MemoryLayout<ww_range>.size, 16)
        XCTAssertEqual(MemoryLayout<ww_tracker_stats>.size, 32)
        XCTAssertEqual(MemoryLayout<ww_heap>.size, 8)
        XCTAssertTrue(fastPathLayoutMatches)
    }
}
