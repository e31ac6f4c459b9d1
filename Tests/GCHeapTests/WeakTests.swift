import XCTest
import GCHeap
import WriteWatch
import HeapTrace

/// Runs weak-reference scenarios in both major modes. A major here is a
/// complete one: under concurrent majors a whole cycle and the minor after
/// it (young objects are the cycle's roots; the next minor judges them).
struct WeakHeap<B: Barrier> {
    let heap: Heap<B>
    let concurrent: Bool
    var problems: [String] = []

    init(control: HeapConfiguration.WeakControl, concurrent: Bool) throws {
        var c = smallConfig()
        c.weakControl = control
        if concurrent { c.majorMode = .concurrent }
        heap = try Heap<B>(configuration: c)
        self.concurrent = concurrent
    }

    func major() throws {
        if concurrent {
            try heap.startConcurrentMajor()
            heap.waitForConcurrentMajor()
            try heap.collectMinor()
        } else {
            try heap.collectMajor()
        }
    }

    func promote(_ root: Root) throws -> Root {
        for _ in 0..<heap.configuration.promotionAge { try heap.collectMinor() }
        return root
    }

    /// `value` is nil (`tag` nil) or a live object with `tag`.
    mutating func expect(_ what: String, _ value: Value, tag: UInt32?) {
        if let tag {
            guard let r = value.ref, heap.isPlausible(r), heap.tag(r) == tag else {
                problems.append("\(what): expected the object tagged \(tag), read 0x\(String(value.bits, radix: 16))")
                return
            }
        } else if !value.isNull {
            problems.append("\(what): expected nil, read 0x\(String(value.bits, radix: 16))")
        }
    }

    mutating func expectBox(_ what: String, _ box: Root, tag: UInt32?) throws {
        expect(what, try heap.weakTarget(try heap.object(box)!), tag: tag)
    }

    mutating func verify(_ when: String) {
        let failures = heap.verify()
        if !failures.isEmpty { problems.append("\(when): verify: \(failures[0])") }
    }
}

/// Weak boxes: young and old boxes, young and old targets, set while old
/// (the barrier must see it), cleared by minors for young targets and by
/// majors for old ones.
struct WeakBoxesScenario: HeapScenario {
    var control = HeapConfiguration.WeakControl.none
    var concurrent = false

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var w = try WeakHeap<B>(control: control, concurrent: concurrent)
        let heap = w.heap
        let keep = heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 10))
        let kept = heap.makeRoot(try heap.allocateWeakBox(target: try heap.get(keep), tag: 1))
        let doomed = heap.makeRoot(try heap.allocateWeakBox(target: Value(try heap.allocate(pointers: 0, bytes: 8, tag: 11)), tag: 2))
        // Boxes made old, then set to young targets: old-to-young stores.
        let oldBox = try w.promote(heap.makeRoot(try heap.allocateWeakBox(target: .null, tag: 3)))
        let oldBox2 = heap.makeRoot(try heap.allocateWeakBox(target: .null, tag: 4))
        _ = try w.promote(oldBox2)
        let youngTarget = heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 12))
        try heap.setWeakTarget(try heap.object(oldBox)!, try heap.get(youngTarget))
        try heap.setWeakTarget(try heap.object(oldBox2)!, Value(try heap.allocate(pointers: 0, bytes: 8, tag: 13)))
        try heap.collectMinor()
        try w.expectBox("young box, live young target", kept, tag: 10)
        try w.expectBox("young box, dead young target", doomed, tag: nil)
        try w.expectBox("old box, live young target", oldBox, tag: 12)
        try w.expectBox("old box, dead young target", oldBox2, tag: nil)
        w.verify("after the first minor")
        for round in 0..<3 {
            try heap.collectMinor()
            try w.expectBox("old box, live young target, minor \(round)", oldBox, tag: 12)
        }
        // Old targets die at a major.
        try heap.release(keep)
        try heap.release(youngTarget)
        try w.major()
        try w.expectBox("after a major, dropped target", kept, tag: nil)
        try w.expectBox("after a major, dropped old target", oldBox, tag: nil)
        w.verify("after the major")
        if heap.statistics.weakBoxesCleared < 4 { w.problems.append("weakBoxesCleared is \(heap.statistics.weakBoxesCleared), expected 4") }
        return w.problems
    }
}

/// Ephemerons: a value is kept only while its key lives by other paths; a
/// value that refers to its own key does not keep it; chains resolve.
struct EphemeronsScenario: HeapScenario {
    var control = HeapConfiguration.WeakControl.none
    var concurrent = false

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var w = try WeakHeap<B>(control: control, concurrent: concurrent)
        let heap = w.heap
        func entry(_ e: Root) throws -> (key: Value, value: Value) { try heap.ephemeronEntry(try heap.object(e)!) }
        // Young: the minor decides.
        let k1 = heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 20))
        let e1 = heap.makeRoot(try heap.allocateEphemeron(key: try heap.get(k1), value: Value(try heap.allocate(pointers: 0, bytes: 8, tag: 21)), tag: 1))
        let k2 = try heap.allocate(pointers: 0, bytes: 8, tag: 22)
        let v2 = try heap.allocate(pointers: 1, bytes: 0, tag: 23)
        heap.store(v2, 0, k2)   // the value refers to its own key
        let e2 = heap.makeRoot(try heap.allocateEphemeron(key: Value(k2), value: Value(v2), tag: 2))
        try heap.collectMinor()
        var e = try entry(e1)
        w.expect("live key", e.key, tag: 20)
        w.expect("live key's value", e.value, tag: 21)
        e = try entry(e2)
        w.expect("key kept only by its own value", e.key, tag: nil)
        w.expect("value of a dead key", e.value, tag: nil)
        // A chain across a major: k3 -> (value k4) -> e4 (k4 -> v4).
        let k3 = heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 30))
        let k4 = heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 31))
        let e3 = heap.makeRoot(try heap.allocateEphemeron(key: try heap.get(k3), value: try heap.get(k4), tag: 3))
        let e4 = heap.makeRoot(try heap.allocateEphemeron(key: try heap.get(k4), value: Value(try heap.allocate(pointers: 0, bytes: 8, tag: 32)), tag: 4))
        try heap.release(k4)
        for _ in 0..<3 { try heap.collectMinor() }   // all old now
        try w.major()
        e = try entry(e4)
        w.expect("chained key, kept by an ephemeron whose key lives", e.key, tag: 31)
        w.expect("chained value", e.value, tag: 32)
        try heap.release(k3)
        try w.major()
        e = try entry(e3)
        w.expect("old dead key", e.key, tag: nil)
        e = try entry(e4)
        w.expect("key reachable only through a dead key's value", e.key, tag: nil)
        w.expect("its value", e.value, tag: nil)
        e = try entry(e1)
        w.expect("live key after majors", e.key, tag: 20)
        w.expect("its value after majors", e.value, tag: 21)
        w.verify("after the majors")
        return w.problems
    }
}

/// Guardians: unreachable registered objects are kept and come back in
/// registration order, once per registration; a weak box to one is not
/// cleared while the guardian holds it; a destroyed guardian is stale.
struct GuardiansScenario: HeapScenario {
    var control = HeapConfiguration.WeakControl.none
    var concurrent = false

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var w = try WeakHeap<B>(control: control, concurrent: concurrent)
        let heap = w.heap
        let g = heap.makeGuardian()
        let a = try heap.allocate(pointers: 0, bytes: 8, tag: 40)
        try heap.register(a, with: g)
        let b = try heap.allocate(pointers: 0, bytes: 8, tag: 41)
        try heap.register(b, with: g)
        try heap.register(a, with: g)
        try heap.storeByte(b, 7, 0x5A)
        let box = heap.makeRoot(try heap.allocateWeakBox(target: Value(b), tag: 1))
        try heap.collectMinor()   // a and b are unreachable and young
        try w.expectBox("weak box to a guarded object", box, tag: 41)
        var popped: [UInt32] = []
        while let o = try heap.popReady(g) {
            popped.append(heap.tag(o))
            if heap.tag(o) == 41, try heap.loadByte(o, 7) != 0x5A { w.problems.append("a guarded object's data was lost") }
        }
        if popped != [40, 41, 40] { w.problems.append("young: popped \(popped), expected [40, 41, 40]") }
        try heap.collectMinor()
        try w.expectBox("weak box once its target was popped and dropped", box, tag: nil)
        // Old registered objects: a major decides.
        let c = try w.promote(heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 42)))
        try heap.register(try heap.object(c)!, with: g)
        let d = try w.promote(heap.makeRoot(try heap.allocate(pointers: 0, bytes: 8, tag: 43)))
        try heap.register(try heap.object(d)!, with: g)
        try heap.release(d)
        try heap.collectMinor()
        if try heap.readyCount(g) != 0 { w.problems.append("a minor queued an old object") }
        try w.major()
        popped = []
        while let o = try heap.popReady(g) { popped.append(heap.tag(o)) }
        if popped != [43] { w.problems.append("old: popped \(popped), expected [43]") }
        w.verify("after the major")
        try heap.destroyGuardian(g)
        if (try? heap.popReady(g)) != nil { w.problems.append("a destroyed guardian answered") }
        return w.problems
    }
}

final class WeakTests: XCTestCase {
    /// Every sound barrier passes; the none barrier, or the scenario's broken
    /// mechanism under every barrier, is caught by the same checks.
    func check<S: HeapScenario>(_ make: (HeapConfiguration.WeakControl) -> S, control: HeapConfiguration.WeakControl, noneCaught: Bool,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        try assertSoundAndCaught(make(.none), controlMustFail: noneCaught, file: file, line: line)
        for kind in [BarrierKind.hardware, .software] {
            XCTAssertFalse(try kind.accept(make(control)).isEmpty, "\(control) passed under \(kind): the checks cannot fail", file: file, line: line)
        }
    }

    func testWeakBoxes() throws {
        try check({ WeakBoxesScenario(control: $0) }, control: .weakAsStrong, noneCaught: true)
    }

    func testWeakBoxesWithConcurrentMajors() throws {
        try check({ WeakBoxesScenario(control: $0, concurrent: true) }, control: .weakAsStrong, noneCaught: true)
    }

    func testEphemerons() throws {
        try check({ EphemeronsScenario(control: $0) }, control: .ephemeronValuesStrong, noneCaught: false)
    }

    func testEphemeronsWithConcurrentMajors() throws {
        try check({ EphemeronsScenario(control: $0, concurrent: true) }, control: .ephemeronValuesStrong, noneCaught: false)
    }

    func testGuardians() throws {
        try check({ GuardiansScenario(control: $0) }, control: .guardiansIgnored, noneCaught: false)
    }

    func testGuardiansWithConcurrentMajors() throws {
        try check({ GuardiansScenario(control: $0, concurrent: true) }, control: .guardiansIgnored, noneCaught: false)
    }

    func testKindsAreChecked() throws {
        let heap = try Heap<SoftwareBarrier>(configuration: smallConfig())
        let plain = try heap.allocate(pointers: 1, bytes: 0)
        XCTAssertThrowsError(try heap.weakTarget(plain)) { XCTAssertEqual($0 as? HeapError, .wrongObjectKind(expected: .weakBox, found: .plain)) }
        let box = try heap.allocateWeakBox(target: .null)
        XCTAssertThrowsError(try heap.ephemeronEntry(box)) { XCTAssertEqual($0 as? HeapError, .wrongObjectKind(expected: .ephemeron, found: .weakBox)) }
        XCTAssertThrowsError(try heap.allocateEphemeron(key: .null, value: .null)) { XCTAssertEqual($0 as? HeapError, .notAnObject(what: "an ephemeron's key")) }
        XCTAssertEqual(heap.kind(of: box), .weakBox)
    }
}

/// Threads set old weak boxes to young targets, drop targets and register
/// objects with one shared guardian while each other's collections run:
/// a box whose target a thread still holds reads exactly that object; after
/// a complete major every box of a dropped target reads nil, and every
/// registered object comes back exactly once.
struct ThreadedWeakScenario: HeapScenario {
    var threads = 2
    var operations = 3000
    var slots = 32
    var concurrent = false

    func visit<B: Barrier>(_: B.Type) throws -> [String] {
        var config = smallConfig()
        config.allocationBufferBytes = 4 << 10
        if concurrent { config.majorMode = .concurrent }
        let heap = try Heap<B>(configuration: config)
        let guardian = heap.makeGuardian()
        let results = Results()
        let box = UncheckedHeap(heap)
        let (threads, operations, slots) = (self.threads, self.operations, self.slots)
        let registered = Results()
        heap.deactivate()
        runThreads(threads) { t in
            let heap = box.heap
            let m = heap.attach()
            defer { m.detach() }
            var random = SplitMix64(seed: 0x3EA4 &+ UInt64(t))
            func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
            do {
                let own = heap.makeRoot(try m.allocate(pointers: slots, bytes: 0, tag: 1))
                let boxes = heap.makeRoot(try m.allocate(pointers: slots, bytes: 0, tag: 2))
                for i in 0..<slots { m.store(try heap.object(boxes)!, i, try m.allocateWeakBox(target: .null)) }
                var held = [UInt32?](repeating: nil, count: slots)
                for step in 0..<operations {
                    let i = pick(slots)
                    switch pick(10) {
                    case 0..<5:   // a new target, held, into an (old) box
                        let o = try m.allocate(pointers: 0, bytes: 8, tag: UInt32(t << 24 | step))
                        m.store(try heap.object(own)!, i, o)
                        try heap.setWeakTarget(m.load(try heap.object(boxes)!, i).ref!, Value(o))
                        held[i] = UInt32(t << 24 | step)
                    case 5..<7:   // drop the target: only the box refers to it
                        m.store(try heap.object(own)!, i, Value.null)
                        held[i] = nil
                    case 7:       // register an object and drop it
                        try heap.register(try m.allocate(pointers: 0, bytes: 8, tag: UInt32(t << 24 | step)), with: guardian)
                        registered.count()
                    case 8:
                        try m.collectMinor()
                    default:
                        for j in 0..<slots {
                            guard let tag = held[j] else { continue }
                            let target = try heap.weakTarget(m.load(try heap.object(boxes)!, j).ref!)
                            guard let o = target.ref, heap.isPlausible(o), heap.tag(o) == tag, target == m.load(try heap.object(own)!, j) else {
                                results.add("thread \(t) step \(step): box \(j) lost its held target")
                                break
                            }
                        }
                    }
                }
                // Drop every target; the main thread's major clears the boxes.
                for i in 0..<slots { m.store(try heap.object(own)!, i, Value.null) }
                try heap.release(own)
                _ = heap.makeRoot(try heap.get(boxes))   // kept for the check below
            } catch { results.add("thread \(t): \(error)") }
        }
        heap.activate()
        try heap.collectMajor()
        var problems = results.all
        // Every box reachable from the roots: all targets were dropped.
        for object in heap.reachableObjects() where heap.kind(of: object) == .weakBox {
            if !(try heap.weakTarget(object)).isNull { problems.append("a box of a dropped target survived a complete major") }
        }
        var popped = 0
        while try heap.popReady(guardian) != nil { popped += 1 }
        if popped != registered.total { problems.append("popped \(popped) registrations of \(registered.total)") }
        let failures = heap.verify()
        if !failures.isEmpty { problems.append("verify: \(failures[0])") }
        return problems
    }
}

extension WeakTests {
    func testThreadsWithWeakBoxesAndOneGuardian() throws {
        try assertSoundAndCaught(ThreadedWeakScenario())
        try assertSoundAndCaught(ThreadedWeakScenario(concurrent: true))
    }
}
