import WriteWatch

extension Heap {
    /// Marks everything reachable (young and old) and sweeps old space.
    ///
    /// Runs right after a minor collection, so young objects are all in one
    /// survivor space. Marks live in side bitmaps (the arenas', one for the
    /// survivor space) and the large objects' records: marking writes
    /// nothing to the heap. The remembered set is rebuilt from scratch here,
    /// from the marked old objects' slots, so slots of objects about to be
    /// freed never survive into it.
    func majorCollection() {
        let start = Heap.now()
        finishSweeping()   // marks left by a concurrent cycle must go first
        statistics.majorCollections += 1
        var stack = RawStack<UInt>(capacity: 4096)
        let survivors = survivorFrom
        let youngMarks = Bitmap(count: survivors.byteCount / 8)
        defer { youngMarks.deallocate() }
        scratch.nextRemembered.removeAll()

        @inline(__always)
        func mark(_ value: UInt) {
            guard value != 0, value & 7 == 0 else { return }
            if isYoung(value) {
                // After the minor collection every live young object is in
                // the survivor space; anything else is a dangling pointer.
                guard isPlausible(ObjectRef(address: value)), survivors.contains(value) else {
                    statistics.verifyFailures += 1
                    report("dangling young pointer 0x\(String(value, radix: 16)) found while marking; ignored")
                    return
                }
                let bit = Int((value - survivors.start) >> 3)
                if !youngMarks.get(bit) { youngMarks.set(bit); stack.append(value) }
                return
            }
            switch markOldObject(value) {
            case true?: stack.append(value)
            case false?: break
            case nil:
                statistics.verifyFailures += 1
                report("pointer 0x\(String(value, radix: 16)) to no object found while marking; ignored")
            }
        }

        func isMarked(_ value: UInt) -> Bool {
            guard value != 0, value & 7 == 0 else { return true }
            if isYoung(value) {
                return survivors.contains(value) && youngMarks.get(Int((value - survivors.start) >> 3))
            }
            return isOldObjectMarked(value)
        }

        func drain() {
            while let object = stack.popLast() {
                if Layout.isWeak(object) {
                    // Traced by the weak pass, not here; never remembered slots.
                    weak.found.append(object)
                    if Layout.kind(object) == .ephemeron { weak.pending.append(object) }
                    continue
                }
                let old = !isYoung(object)
                for f in 0..<Layout.pointerCount(object) {
                    let slot = Layout.slot(object, f)
                    let value = slot.pointee
                    if old && isYoung(value) { scratch.nextRemembered.append(UInt(bitPattern: slot)) }
                    mark(value)
                }
            }
        }

        roots.forEachValue { mark($0.pointee) }
        forEachStackSlot { mark($0.pointee) }
        weak.guardians.forEachReadySlot { mark($0.pointee) }
        drain()
        finishWeakInMajor(oldOnly: false, isMarked: isMarked, mark: mark, drain: drain)

        sweep()
        swap(&remembered, &scratch.nextRemembered)
        remembered.sortAndUnique()
        statistics.rememberedSlots = remembered.count
        setNextMajorThreshold()
        statistics.majorNanoseconds += Heap.now() - start
    }

    /// After a major collection's sweep: what is in use now survived it.
    func setNextMajorThreshold() {
        policy.majorFinished(liveBytes: oldBytesInUse)
    }

    /// Frees unmarked cells and large objects; empty arenas go back to the OS.
    func sweep() {
        finishSweeping()
        arenas.clearOpenLists()
        for id in 0..<arenas.records.count where arenas.records[id].inUse { sweepArena(id) }
        largeObjects.sweep(release: releaseOldPages)
    }

    /// Sweeps one arena (its marks are this cycle's) and puts it back on
    /// its size class's open list if it has room.
    func sweepArena(_ id: Int) {
        let arena = arenas.record(id)
        arena.pointee.awaitingSweep = false
        _ = arena.pointee.sweep()
        if arena.pointee.liveCells == 0 {
            releaseOldPages(arena.pointee.range)
            arenas.remove(id)
        } else if !arena.pointee.isFull {
            arenas.pushOpen(id)
        }
    }

    /// Returns pages to the OS. The discard re-arms them: a dropped page
    /// would otherwise be reported written once, as if the mutator wrote it.
    func releaseOldPages(_ run: PageRange) {
        pages.free(run)
        barrier.discard(run)
        statistics.releasedBytes += run.byteCount
    }

    enum OldObject {
        /// Arena id and cell index.
        case small(Int, Int)
        /// Large object id.
        case large(Int)
    }

    /// Sets the mark of the old object at `value`: true if it was unmarked
    /// (the caller greys it), false if it was marked, nil if no object
    /// starts there. The one marking step of every marker: the
    /// stop-the-world major, the concurrent marker and its final pause.
    @inline(__always)
    func markOldObject(_ value: UInt) -> Bool? {
        switch oldObject(at: value) {
        case let .small(id, cell):
            let arena = arenas.record(id)
            if arena.pointee.marked.get(cell) { return false }
            arena.pointee.marked.set(cell)
            return true
        case let .large(id): return largeObjects.mark(id)
        case .none: return nil
        }
    }

    /// Whether the old object at `value` is marked (false if there is none).
    func isOldObjectMarked(_ value: UInt) -> Bool {
        switch oldObject(at: value) {
        case let .small(id, cell): return arenas.record(id).pointee.marked.get(cell)
        case let .large(id): return largeObjects.isMarked(id)
        case .none: return false
        }
    }

    /// The old object starting exactly at `address`, if there is one.
    func oldObject(at address: UInt) -> OldObject? {
        guard space.old.contains(address), address < pages.frontier else { return nil }
        let owner = pages.ownerOf(address)
        if let id = owner.arena {
            let arena = arenas.record(id)
            let cell = arena.pointee.cellIndex(address)
            guard cell < arena.pointee.cellCount, arena.pointee.cellStart(cell) == address,
                  arena.pointee.allocated.get(cell) else { return nil }
            return .small(id, cell)
        }
        if let id = owner.largeObject, largeObjects.start(id) == address {
            return .large(id)
        }
        return nil
    }
}
