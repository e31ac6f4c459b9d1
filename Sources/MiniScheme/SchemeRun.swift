import Foundation
import GCHeap

/// Runs a program under a barrier chosen at run time, on a thread with a
/// large stack (non-tail recursion in Scheme is recursion in `eval`), and
/// verifies the heap afterwards: a broken barrier must not pass silently.
public struct SchemeRun: BarrierVisitor {
    public struct Result: Sendable {
        public var output: String
        /// `error: ...` or `syntax error at line N: ...`; nil on success.
        public var error: String?
        public var statistics: HeapStatistics?
        public var statisticsJSON: Data?
    }

    public let source: String
    public let configuration: HeapConfiguration
    /// The interpreter thread's stack: deep non-tail recursion needs a lot;
    /// tail calls need none.
    public let stackBytes: Int

    public init(source: String, configuration: HeapConfiguration, stackBytes: Int = 1 << 30) {
        self.source = source
        self.configuration = configuration
        self.stackBytes = stackBytes
    }

    public func visit<B: Barrier>(_: B.Type) throws -> Result {
        nonisolated(unsafe) var result = Result(output: "", error: nil)
        let source = self.source, configuration = self.configuration
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            var output = ""
            do {
                let heap = try Heap<B>(configuration: configuration)
                let interpreter = try Interpreter(heap: heap, output: { output += $0 })
                do { try interpreter.run(source) } catch { result.error = "\(error)" }
                let failures = heap.verify()
                if result.error == nil, heap.statistics.verifyFailures > 0 {
                    result.error = "error: the heap is corrupt (\(failures.first ?? "\(heap.statistics.verifyFailures) verify failures")): the \(B.name) barrier lost an object"
                }
                result.statistics = heap.statistics
                let s = heap.statistics
                result.statisticsJSON = try? JSONSerialization.data(withJSONObject: [
                    "barrier": B.name, "minorCollections": s.minorCollections, "majorCollections": s.majorCollections,
                    "scanCalls": s.scanCalls, "dirtyPages": s.dirtyPages, "dirtyCards": s.dirtyCards,
                    "promotedBytes": s.promotedBytes, "verifyFailures": s.verifyFailures,
                ], options: [.sortedKeys])
            } catch {
                result.error = "error: \(error)"
            }
            result.output = output
        }
        thread.stackSize = stackBytes
        thread.start()
        done.wait()
        return result
    }
}
