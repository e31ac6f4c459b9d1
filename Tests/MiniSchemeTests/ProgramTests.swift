import XCTest
import Foundation
import GCHeap
import MiniScheme
import WriteWatch

/// The classic programs under Benchmarks/scheme give their expected output
/// under every sound barrier; the none barrier, given the same programs and
/// a small nursery, is caught on at least one.
final class ProgramTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks/scheme")

    static var programs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".scm") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func configuration(nursery: Int) -> HeapConfiguration {
        var c = HeapConfiguration()
        c.nurseryBytes = nursery
        c.heapLimitBytes = 256 << 20
        return c
    }

    func source(_ name: String) throws -> String {
        try String(contentsOf: Self.directory.appendingPathComponent("\(name).scm"), encoding: .utf8)
    }

    func expected(_ name: String) throws -> String {
        try String(contentsOf: Self.directory.appendingPathComponent("\(name).out"), encoding: .utf8)
    }

    func testProgramsUnderEverySoundBarrier() throws {
        XCTAssertGreaterThanOrEqual(Self.programs.count, 6)
        let probe = Probe.run()
        for name in Self.programs {
            for kind in BarrierKind.sound {
                guard kind.availability(probe).isAvailable else { XCTFail("\(kind) unavailable"); continue }
                let r = try kind.accept(SchemeRun(source: try source(name), configuration: Self.configuration(nursery: 256 << 10)))
                XCTAssertNil(r.error, "\(name) under \(kind)")
                XCTAssertEqual(r.output, try expected(name), "\(name) under \(kind)")
                XCTAssertEqual(r.statistics?.verifyFailures, 0, "\(name) under \(kind)")
                XCTAssertGreaterThan(r.statistics?.minorCollections ?? 0, 0, "\(name) under \(kind) must exercise the collector")
            }
        }
    }

    /// Runs in the real binary: a heap broken on purpose may do anything.
    func testNoneBarrierIsCaught() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("minischeme")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return XCTFail("minischeme is not built at \(binary.path)") }
        var caught: [String] = []
        for name in Self.programs {
            let p = Process()
            p.executableURL = binary
            p.arguments = [Self.directory.appendingPathComponent("\(name).scm").path, "--barrier", "none"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = Pipe()
            try p.run()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let want = try expected(name)
            if p.terminationStatus != 0 || output != want { caught.append(name) }
        }
        print("minischeme: the none barrier was caught on \(caught.count)/\(Self.programs.count) programs: \(caught.joined(separator: ", "))")
        XCTAssertFalse(caught.isEmpty, "the none barrier passed every program")
    }

    func testErrorsAreReported() throws {
        let cases: [(String, String)] = [
            ("(car 5)", "error: car: not a pair: 5"),
            ("(undefined-thing)", "error: unbound variable: undefined-thing"),
            ("(define (f x) x) (f 1 2)", "error: wrong number of arguments: expected 1, got 2"),
            ("(vector-ref (vector 1 2) 2)", "error: vector-ref: index 2 out of range for length 2"),
            ("(+ 1 \"a\")", "error: +: not a number: \"a\""),
            ("(* 4611686018427387903 2)", "error: *: fixnum overflow"),
            ("(error \"custom failure\" 42 'x)", "error: custom failure 42 x"),
            ("(display 1)\n(display (+ 1\n", "syntax error at line 3: missing ')'"),
            ("(weak-box-value (cons 1 2))", "error: weak-box-value: not a weak box: (1 . 2)"),
            ("(ephemeron-value (make-weak-box 1))", "error: ephemeron-value: not an ephemeron: #<weak-box>"),
            ("(make-ephemeron 1 2)", "error: make-ephemeron: the key must be a heap object, not 1"),
            ("((make-guardian) 7)", "error: guardian: only heap objects can be guarded, not 7"),
            ("((make-guardian) 'a 'b)", "error: wrong number of arguments to a guardian: got 2, expected 0 (pop) or 1 (register)"),
        ]
        for (program, message) in cases {
            let r = try BarrierKind.software.accept(SchemeRun(source: program, configuration: Self.configuration(nursery: 256 << 10)))
            XCTAssertEqual(r.error, message, program)
        }
        var small = Self.configuration(nursery: 64 << 10)
        small.heapLimitBytes = 1 << 20
        let r = try BarrierKind.hardware.accept(SchemeRun(source: "(define (grow l) (grow (cons (make-vector 100 0) l))) (grow '())", configuration: small))
        XCTAssertTrue(r.error?.contains("heap exhausted") == true, r.error ?? "no error")
    }

    /// weak.scm checks each mechanism: a heap that treats weak boxes as
    /// strong, traces ephemeron values whatever their key, or ignores
    /// guardians prints something else.
    func testWeakProgramCatchesEachControl() throws {
        for control in [HeapConfiguration.WeakControl.weakAsStrong, .ephemeronValuesStrong, .guardiansIgnored] {
            var c = Self.configuration(nursery: 256 << 10)
            c.weakControl = control
            let r = try BarrierKind.software.accept(SchemeRun(source: try source("weak"), configuration: c))
            XCTAssertNil(r.error, "\(control)")
            XCTAssertNotEqual(r.output, try expected("weak"), "weak.scm passed with \(control)")
        }
    }

    func testLanguageFeatures() throws {
        let program = """
        (define (count-to n) (let loop ((i 0) (acc '())) (if (= i n) (reverse acc) (loop (+ i 1) (cons i acc)))))
        (display (count-to 5)) (newline)
        (define (sum . xs) (apply + xs)) (display (sum 1 2 3)) (newline)
        (define (f a . rest) (list a rest)) (write (f 1 2 3)) (newline)
        (display (let* ((x 1) (y (+ x 1))) (* x y))) (newline)
        (display (letrec ((even? (lambda (n) (if (= n 0) #t (odd? (- n 1))))) (odd? (lambda (n) (if (= n 0) #f (even? (- n 1)))))) (even? 1000))) (newline)
        (display (case (* 2 3) ((2 3 5 7) 'prime) ((1 4 6 8 9) 'composite) (else 'other))) (newline)
        (display (cond ((assq 'z '((a 1))) 'wrong) ((assq 'b '((a 1) (b 2))) 'found) (else 'missing))) (newline)
        (display (do ((i 0 (+ i 1)) (acc 0 (+ acc i))) ((= i 5) acc))) (newline)
        (define x 10) (write `(x ,x ,(+ x 1) (nested ,(* x x)))) (newline)
        (display (and 1 2 3)) (display (or #f #f)) (display (when #f 1)) (display (unless #f 'u)) (newline)
        (write (map + '(1 2 3) '(10 20 30))) (write (string-append "a" "b" (number->string 42) (symbol->string 'c))) (newline)
        (write (list (equal? (list 1 (vector 2 "x")) (list 1 (vector 2 "x"))) (eq? 'a 'a) (eqv? 1 1) (string=? "a" "a") (memq 'c '(a b c)) (assoc "b" '(("a" . 1) ("b" . 2))))) (newline)
        (write (list (quotient -7 2) (remainder -7 2) (modulo -7 2) (abs -5) (min 3 1 2) (max 3 1 2) (even? 4) (odd? 4) (zero? 0))) (newline)
        (write (list #\\a #\\space "q\\"uote" (string-length "hello") (list-tail '(1 2 3) 1) (list-ref '(1 2 3) 2) (length '(1 2)))) (newline)
        (define (deep n) (if (= n 0) 0 (+ 1 (deep (- n 1))))) (display (deep 20000)) (newline)
        """
        let expected = """
        (0 1 2 3 4)
        6
        (1 (2 3))
        2
        #t
        composite
        found
        10
        (x 10 11 (nested 100))
        3#fu
        (11 22 33)"ab42c"
        (#t #t #t #t (c) ("b" . 2))
        (-3 -1 1 5 1 3 #t #f #t)
        (#\\a #\\space "q\\"uote" 5 (2 3) 3 2)
        20000

        """
        let r = try BarrierKind.hardware.accept(SchemeRun(source: program, configuration: Self.configuration(nursery: 64 << 10)))
        XCTAssertNil(r.error)
        XCTAssertEqual(r.output, expected)
    }

    /// Proper tail calls: loops through a procedure call, a named let and
    /// `do` run 100,000 iterations on a 4 MiB stack, which a few thousand
    /// nested evaluations would overflow.
    func testTailCallsRunInConstantStack() throws {
        let program = """
        (define (spin n) (if (= n 0) 'done (spin (- n 1))))
        (display (spin 100000))
        (display (let loop ((i 0)) (cond ((= i 100000) 'looped) (else (loop (+ i 1))))))
        (display (do ((i 0 (+ i 1))) ((= i 100000) 'did)))
        (define (ping n) (if (= n 0) 'pong (pong (- n 1)))) (define (pong n) (ping n))
        (display (ping 100000))
        """
        let r = try BarrierKind.software.accept(SchemeRun(source: program, configuration: Self.configuration(nursery: 1 << 20), stackBytes: 4 << 20))
        XCTAssertNil(r.error)
        XCTAssertEqual(r.output, "doneloopeddidpong")
    }
}
