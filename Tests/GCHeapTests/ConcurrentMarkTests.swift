import XCTest
import Foundation
import GCHeap
import HeapTrace

/// Mostly-concurrent major collection, checked the way the stop-the-world
/// one is: random programs against the model with concurrent cycles started
/// at random points while the program goes on storing, a mutator that
/// rewires pointers between old objects as fast as it can while the marker
/// runs, and the lost-object race staged step by step with the marker
/// driven by the test. Two negative controls must be caught by the staged
/// race, every time: the none barrier, and a marker that ignores dirty
/// pages after its first pass.
final class ConcurrentMarkTests: XCTestCase {
    static func configuration(ignoreDirty: Bool = false, delay: Int = 50) -> HeapConfiguration {
        var c = HeapConfiguration()
        c.nurseryBytes = 64 << 10
        c.heapLimitBytes = 64 << 20
        c.promotionAge = 1
        c.majorMode = .concurrent
        c.concurrentMarkIgnoresDirtyPages = ignoreDirty
        c.concurrentMarkStepDelayMicroseconds = delay
        return c
    }

    /// Waits (collecting minors, as a running program would) until the
    /// concurrent cycle under way has finished.
    static func waitForMarking<B: Barrier>(_ heap: Heap<B>) throws {
        var spins = 0
        while heap.isMarking {
            try heap.collectMinor()
            usleep(200)
            spins += 1
            precondition(spins < 50_000, "the concurrent marker never finished")
        }
    }

    struct Differential: BarrierVisitor {
        let lines: [TraceLine]
        func visit<B: Barrier>(_: B.Type) throws -> (error: ReplayError?, comparisons: Int, majors: Int) {
            // A slow marker (8 objects per 300 us) so that each cycle spans
            // many of the program's lines, moves between old objects included.
            let replayer = Replayer(heap: try Heap<B>(configuration: ConcurrentMarkTests.configuration(delay: 300)))
            replayer.checkAfterEveryCollection = true
            replayer.majorStartsConcurrent = true
            var result: ReplayError?
            do { try replayer.run(lines) } catch { result = error }
            if result == nil {
                // Whatever was garbage when a cycle began is gone once it ends:
                // two complete cycles leave only reachable old objects.
                let heap = replayer.heap
                try ConcurrentMarkTests.waitForMarking(heap)
                for _ in 0..<2 {
                    try heap.startConcurrentMajor()
                    try ConcurrentMarkTests.waitForMarking(heap)
                }
                let failures = heap.verify()
                let reachableOld = heap.reachableObjects().filter { !heap.isYoung($0) }.count
                let allocatedOld = heap.oldObjectCount()
                if !failures.isEmpty {
                    result = .verifyFailed(line: nil, failures: failures)
                } else if !heap.diagnostics.isEmpty {
                    // The collector met a pointer to no object and dropped it.
                    result = .verifyFailed(line: nil, failures: heap.diagnostics)
                } else if allocatedOld != reachableOld {
                    result = .verifyFailed(line: nil, failures: ["\(allocatedOld - reachableOld) unreachable old objects survived two concurrent majors"])
                }
            }
            return (result, replayer.comparisons, replayer.heap.statistics.majorCollections)
        }
    }

    func testRandomProgramsWithConcurrentMajorsMatchTheModel() throws {
        let seeds = 24
        var majors = 0, comparisons = 0
        var caughtNone = 0
        for seed in 0..<UInt64(seeds) {
            let lines = TraceGenerator(seed: 1000 + seed).generate()
            for kind in BarrierKind.sound {
                let r = try kind.accept(Differential(lines: lines))
                majors += r.majors
                comparisons += r.comparisons
                if let error = r.error { XCTFail("seed \(1000 + seed) under \(kind), concurrent majors: \(error)") }
            }
            // The none barrier loses old-to-young pointers at the minors,
            // which the replay orders exactly; the marker's own control is
            // the staged race below, which does not depend on timing.
            if try BarrierKind.none.accept(Differential(lines: lines)).error != nil { caughtNone += 1 }
        }
        print("concurrent differential: \(seeds) seeds x \(BarrierKind.sound.count) barriers, \(majors) concurrent majors, \(comparisons) comparisons; caught none on \(caughtNone)")
        XCTAssertGreaterThan(majors, seeds * BarrierKind.sound.count * 2, "too few concurrent cycles completed")
        XCTAssertGreaterThanOrEqual(caughtNone, seeds * 3 / 4, "the none barrier was not caught")
    }

    /// The lost-object race, staged in a fixed order with the marker
    /// stepped by the test on the mutator's thread: the marker scans the
    /// rooted array (black) and greys the holder; the mutator moves the
    /// only pointer to the target out of the grey holder into the black
    /// array; the marker finishes, the final pause and the sweep run. Only
    /// the array's dirty page, rescanned, can save the target.
    struct StagedRace: BarrierVisitor {
        let ignoreDirty: Bool
        /// Whether the target was lost, and how many pages were re-marked.
        func visit<B: Barrier>(_: B.Type) throws -> (lost: Bool, remarked: Int) {
            var c = ConcurrentMarkTests.configuration(ignoreDirty: ignoreDirty, delay: 0)
            c.concurrentMarkerThread = false
            let heap = try Heap<B>(configuration: c)
            let array = heap.makeRoot(try heap.allocate(pointers: 2, bytes: 0, tag: 1))
            let holder = try heap.allocate(pointers: 1, bytes: 0, tag: 2)
            heap.store(try heap.object(array)!, 0, holder)
            heap.store(holder, 0, try heap.allocate(pointers: 0, bytes: 8, tag: 3))
            try heap.collectMinor()
            try heap.collectMinor()   // all three old (promotion age 1)
            try heap.startConcurrentMajor()
            // The roots' pass greyed the array alone; one object scanned
            // makes it black and the holder grey.
            precondition(heap.stepMarker(greyBudget: 1) == .worked, "the marker had nothing to scan")
            let a = try heap.object(array)!
            let h = heap.load(a, 0).ref!
            heap.store(a, 1, heap.load(h, 0))
            heap.store(h, 0, nil as ObjectRef?)
            var steps = 0
            while heap.stepMarker(greyBudget: 1) == .worked {
                steps += 1
                precondition(steps < 10_000, "the stepped marker never converged")
            }
            try heap.collectMinor()   // the final pause
            while heap.stepMarker(greyBudget: 1) != .idle {}   // the sweep
            precondition(!heap.isMarking, "the cycle did not finish")
            let target = heap.load(try heap.object(array)!, 1).ref
            let lost = !heap.verify().isEmpty || !heap.diagnostics.isEmpty || target.map { heap.tag($0) != 3 } ?? true
            return (lost, heap.statistics.pagesRemarked)
        }
    }

    func testTheStagedRaceKeepsTheTargetAndCatchesBothControlsEveryTime() throws {
        for kind in BarrierKind.sound {
            let r = try kind.accept(StagedRace(ignoreDirty: false))
            XCTAssertFalse(r.lost, "\(kind): the object moved into a black object during marking was freed")
            XCTAssertGreaterThan(r.remarked, 0, "\(kind): the marker never re-marked the written page")
            XCTAssertTrue(try kind.accept(StagedRace(ignoreDirty: true)).lost,
                          "\(kind): a marker that ignores dirty pages kept the target: the race is not staged")
        }
        XCTAssertTrue(try BarrierKind.none.accept(StagedRace(ignoreDirty: false)).lost, "the none barrier kept the target: the race is not staged")
    }

    /// The classic race, as fast as the mutator can make it: old objects
    /// hang off a rooted old array and off each other's fields, and the
    /// mutator keeps swapping a slot of the array with a field of another
    /// object while the marker runs, so the only pointer to an object is
    /// forever moving between objects already scanned and not yet scanned.
    /// Every object must survive every cycle, exactly once in the graph.
    struct Rewire: BarrierVisitor {
        /// Seeds the rewiring, so a failure names a program it can replay.
        let seed: UInt64
        func visit<B: Barrier>(_: B.Type) throws -> (lost: Int, cycles: Int, remarked: Int) {
            let n = 4096
            let heap = try Heap<B>(configuration: ConcurrentMarkTests.configuration(delay: 5))
            let array = heap.makeRoot(try heap.allocate(pointers: n, bytes: 0, tag: 0))
            for i in 0..<n {
                let o = try heap.allocate(pointers: 1, bytes: 8, tag: UInt32(i + 1))
                heap.store(try heap.object(array)!, i, o)
            }
            try heap.collectMinor()
            try heap.collectMinor()   // all old now (promotion age 1)
            var rng = SplitMix64(seed: seed)
            var lost = 0
            for _ in 0..<6 {
                try heap.startConcurrentMajor()
                var steps = 0
                while heap.isMarking || steps < 2000 {
                    let a = try heap.object(array)!
                    for _ in 0..<256 {
                        let i = Int.random(in: 0..<n, using: &rng), j = Int.random(in: 0..<n, using: &rng)
                        guard i != j, let holder = heap.load(a, j).ref else { continue }   // i == j would orphan the holder
                        let t = heap.load(a, i)
                        heap.store(a, i, heap.load(holder, 0))
                        heap.store(holder, 0, t)
                    }
                    steps += 1
                    if steps % 64 == 0 { try heap.collectMinor() }
                    precondition(steps < 2_000_000, "the concurrent marker never finished")
                }
                lost += countLost(heap, try heap.object(array)!, n)
                if lost > 0 { break }
            }
            return (lost, heap.statistics.majorCollections, heap.statistics.pagesRemarked)
        }

        /// Objects 1...n must each be reachable exactly once, intact.
        func countLost<B: Barrier>(_ heap: Heap<B>, _ array: ObjectRef, _ n: Int) -> Int {
            if !heap.verify().isEmpty { return n }
            var seen = Set<UInt32>()
            var stack = (0..<n).compactMap { heap.load(array, $0).ref }
            while let o = stack.popLast() {
                let tag = heap.tag(o)
                guard heap.isPlausible(o), tag >= 1, tag <= UInt32(n), seen.insert(tag).inserted else { return n }
                if let next = heap.load(o, 0).ref { stack.append(next) }
            }
            return n - seen.count
        }
    }

    /// The final pause stops the world, so a thread that waits for the
    /// cycle must wait inactive; the marker must notice a thread that
    /// deactivates while it is stopping the others (it once waited for a
    /// count taken before, and hung). A watchdog turns a hang into a failure.
    func testWaitingForTheCycleLetsTheFinalPauseRun() throws {
        for kind in [BarrierKind.hardware, .software, .mprotect] {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                do {
                    let heap = try kind.accept(MakeHeap())
                    for _ in 0..<3 {
                        try heap.start()
                        // Busy without touching the heap, so the marker starts
                        // stopping the world while this thread is still active;
                        // then this thread deactivates to wait.
                        let until = DispatchTime.now().uptimeNanoseconds + 50_000_000
                        while DispatchTime.now().uptimeNanoseconds < until {}
                        heap.wait()
                    }
                } catch { XCTFail("\(kind): \(error)") }
                done.signal()
            }
            thread.start()
            XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "\(kind): waiting for a concurrent major hung")
        }
    }

    /// A heap with some old objects, behind closures so the test thread
    /// needs no generic code.
    struct MakeHeap: BarrierVisitor {
        struct Handle { let start: () throws -> Void; let wait: () -> Void }
        func visit<B: Barrier>(_: B.Type) throws -> Handle {
            let heap = try Heap<B>(configuration: ConcurrentMarkTests.configuration(delay: 0))
            let r = heap.makeRoot(try heap.allocate(pointers: 64, bytes: 0, tag: 0))
            for i in 0..<64 { heap.store(try heap.object(r)!, i, try heap.allocate(pointers: 1, bytes: 8, tag: 1)) }
            return Handle(start: { try heap.startConcurrentMajor() }, wait: { heap.waitForConcurrentMajor() })
        }
    }

    func testRewiringOldPointersDuringMarkingLosesNothing() throws {
        let seed = testSeed()
        for kind in BarrierKind.sound {
            let r = try kind.accept(Rewire(seed: seed))
            XCTAssertEqual(r.lost, 0, "\(kind): objects lost while the mutator rewired pointers during marking; seed \(seed)")
            XCTAssertGreaterThanOrEqual(r.cycles, 6, "\(kind): concurrent cycles did not complete; seed \(seed)")
            XCTAssertGreaterThan(r.remarked, 0, "\(kind): the marker never re-marked a dirty page; seed \(seed)")
        }
    }
}
