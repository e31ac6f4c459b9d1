import WriteWatch

extension Heap {
    /// Checks the whole heap now and returns what is wrong (empty if sound):
    /// every pointer reachable from the roots leads to an intact object
    /// (young: one the nursery holds; old: an allocated cell or a large
    /// object, whose header fits it), and every old-to-young pointer is
    /// remembered: its slot is in the carried remembered set or in a range
    /// the barrier would report written. Counts failures in the statistics.
    ///
    /// Call it from the main mutator's thread: it stops the world, so other
    /// attached threads park at their next safepoint while it runs.
    @discardableResult
    public func verify() -> [String] { inspectStopped { verifyStopped() } }

    private func verifyStopped() -> [String] {
        var failures: [String] = []
        func fail(_ message: String) {
            if failures.count < 20 { failures.append(message) }
            statistics.verifyFailures += 1
        }

        var youngObjects = Set<UInt>()
        for (range, name) in [(PageRange(start: space.eden.start, end: edenCursor), "eden"),
                              (PageRange(start: survivorFrom.start, end: survivorTop), "survivor space")] {
            var object = range.start
            while object < range.end {
                let filler = Layout.isFiller(object)
                let size = Layout.walkSize(object)
                guard filler || size <= Layout.maxSmallBytes, size > 0, object + UInt(size) <= range.end else {
                    fail("corrupt header in \(name) at 0x\(String(object, radix: 16))")
                    break
                }
                if !filler { youngObjects.insert(object) }
                object += UInt(size)
            }
        }

        var written: [PageRange] = []
        barrier.peekWritten(into: &written, inUse: pages.tracked)
        // Pages the concurrent marker re-armed are owed to the next minor.
        written = written.merged(with: marking.owedToMinor)
        let rememberedSlots = Set(remembered.array)
        let rememberedWeak = Set(weak.remembered.array)

        func valid(_ value: UInt) -> Bool {
            if isYoung(value) { return youngObjects.contains(value) }
            switch oldObject(at: value) {
            case let .small(id, _): return Layout.size(of: value) <= arenas.record(id).pointee.cellBytes
            case let .large(id): return Layout.size(of: value) <= largeObjects.byteCount(id)
            case .none: return false
            }
        }

        var visited = Set<UInt>()
        var stack: [UInt] = []
        for value in allRoots where value != 0 && value & 7 == 0 {
            guard valid(value) else { fail("root points to no object: 0x\(String(value, radix: 16))"); continue }
            if visited.insert(value).inserted { stack.append(value) }
        }
        while let object = stack.popLast() {
            let old = !isYoung(object)
            for f in 0..<Layout.pointerCount(object) {
                let slot = Layout.slot(object, f)
                let value = slot.pointee
                guard value != 0, value & 7 == 0 else { continue }
                guard valid(value) else {
                    fail("field \(f) of object 0x\(String(object, radix: 16)) points to no object: 0x\(String(value, radix: 16))")
                    continue
                }
                if old && isYoung(value) {
                    let s = UInt(bitPattern: slot)
                    // A weak object is remembered whole, never by slot.
                    let known = Layout.isWeak(object) ? rememberedWeak.contains(object) : rememberedSlots.contains(s)
                    if !known && !written.covers(s) {
                        fail("old-to-young pointer not remembered: field \(f) of old object 0x\(String(object, radix: 16))")
                    }
                }
                if visited.insert(value).inserted { stack.append(value) }
            }
        }
        return failures
    }

    /// Old objects allocated now, reachable or not: after a major collection
    /// completed, every one of them must have been reachable when it began.
    /// Main mutator's thread only; it stops the world.
    public func oldObjectCount() -> Int {
        inspectStopped {
            var n = 0
            for id in 0..<arenas.records.count where arenas.records[id].inUse { n += arenas.records[id].liveCells }
            n += largeObjects.liveCount
            return n
        }
    }

    /// Every object reachable from the roots. Call `verify()` first on a
    /// heap you do not trust: this follows pointers without checking them.
    /// Main mutator's thread only; it stops the world.
    public func reachableObjects() -> [ObjectRef] { inspectStopped { reachableStopped() } }

    /// Runs an inspection from the main mutator's thread with the world
    /// stopped and every allocation buffer retired, so eden can be walked.
    private func inspectStopped<R>(_ body: () -> R) -> R {
        do {
            return try withWorldStopped(by: mutator) { () throws(HeapError) -> R in
                markerSync.lock()
                defer { markerSync.unlock() }
                retireAllBuffers()
                return body()
            }
        } catch { preconditionFailure("the heap was inspected from an inactive main mutator") }
    }

    /// Strong reachability: a weak box's target is not followed, an
    /// ephemeron's value only once its key is reached (to a fixpoint).
    private func reachableStopped() -> [ObjectRef] {
        var visited = Set<UInt>()
        var stack: [UInt] = []
        var waiting: [UInt: [UInt]] = [:]   // key -> values waiting on it
        func reach(_ value: UInt) {
            guard value != 0, value & 7 == 0, visited.insert(value).inserted else { return }
            stack.append(value)
            if let values = waiting.removeValue(forKey: value) { for v in values { reach(v) } }
        }
        for value in allRoots { reach(value) }
        while let object = stack.popLast() {
            switch Layout.kind(object) {
            case .plain:
                for f in 0..<Layout.pointerCount(object) { reach(Layout.slot(object, f).pointee) }
            case .weakBox:
                break
            case .ephemeron:
                let key = Layout.slot(object, 0).pointee, value = Layout.slot(object, 1).pointee
                if key == 0 || key & 7 != 0 || visited.contains(key) { reach(value) } else { waiting[key, default: []].append(value) }
            }
        }
        return visited.map { ObjectRef(address: $0) }
    }

    /// Every root and shadow-stack value, for the verifier's walks.
    private var allRoots: [UInt] {
        var values: [UInt] = []
        roots.forEachValue { values.append($0.pointee) }
        forEachStackSlot { values.append($0.pointee) }
        weak.guardians.forEachReadySlot { values.append($0.pointee) }
        return values
    }

    /// Whether `object` is in the nursery (for tests and tools).
    public func isYoung(_ object: ObjectRef) -> Bool { isYoung(object.address) }

    /// The old-to-young slots carried to the next minor collection.
    public var rememberedSlotCount: Int { remembered.count }
}

extension Heap {
    /// Whether `object` looks like an object start this heap holds: cheap
    /// enough to call before trusting a pointer read from a suspect heap.
    public func isPlausible(_ object: ObjectRef) -> Bool {
        let a = object.address
        if isYoung(a) {
            return Layout.word(a, 1).pointee & Layout.forwardedBit == 0 && isLiveYoung(a, size: Layout.size(of: a))
        }
        return oldObject(at: a) != nil
    }

    /// Whether `bits` is the address of an object this heap holds, for
    /// entry points that must refuse a wild word instead of crashing on it
    /// (the C API's checked calls). Reads nothing outside the heap's
    /// reservation. Exact in old space (the page-owner map and the arenas'
    /// allocation bits); in the nursery, an address in the allocated part
    /// whose header reads as a live object that ends there too (an address
    /// inside a young object whose bytes happen to look like a header is
    /// not told apart). Call it from an active mutator: the safepoint lock
    /// keeps other threads' slow paths from changing old space meanwhile.
    public func holdsObject(_ bits: UInt) -> Bool {
        guard bits & 7 == 0, bits >= space.base, bits &- space.base < UInt(space.totalBytes) else { return false }
        if isYoung(bits) {
            guard bits + UInt(Layout.headerBytes) <= space.young.end else { return false }
            return Layout.word(bits, 1).pointee & Layout.forwardedBit == 0 && isLiveYoung(bits, size: Layout.size(of: bits))
        }
        return safepoints.locked { oldObject(at: bits) != nil }
    }
}
