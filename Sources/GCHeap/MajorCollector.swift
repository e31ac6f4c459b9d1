import WriteWatch

extension Heap {
    /// Marks everything reachable (young and old) and sweeps old space.
    ///
    /// Runs right after a minor collection, so young objects are all in one
    /// survivor space. Marks live in the arenas' side bitmaps and the large
    /// objects' records: marking writes nothing to the heap. The remembered
    /// set is rebuilt from scratch here, from the marked old objects' slots,
    /// so slots of objects about to be freed never survive into it.
    func majorCollection() {
        let start = Heap.now()
        statistics.majorCollections += 1
        var stack: [UInt] = []
        var youngMarked = Set<UInt>()
        var nextRemembered: [UInt] = []

        func mark(_ value: UInt) {
            guard value != 0, value & 7 == 0 else { return }
            if isYoung(value) {
                // After the minor collection every live young object is in
                // the survivor space; anything else is a dangling pointer.
                guard isPlausible(ObjectRef(address: value)) else {
                    statistics.verifyFailures += 1
                    report("dangling young pointer 0x\(String(value, radix: 16)) found while marking; ignored")
                    return
                }
                if youngMarked.insert(value).inserted { stack.append(value) }
                return
            }
            switch oldObject(at: value) {
            case let .small(arena, cell):
                if !arena.marked.get(cell) { arena.marked.set(cell); stack.append(value) }
            case let .large(id):
                if !larges[id]!.marked { larges[id]!.marked = true; stack.append(value) }
            case .none:
                statistics.verifyFailures += 1
                report("pointer 0x\(String(value, radix: 16)) to no object found while marking; ignored")
            }
        }

        for value in roots.values { mark(value) }
        for value in shadowStack { mark(value) }
        while let object = stack.popLast() {
            let old = !isYoung(object)
            for f in 0..<Layout.pointerCount(object) {
                let slot = Layout.slot(object, f)
                let value = slot.pointee
                if old && isYoung(value) { nextRemembered.append(UInt(bitPattern: slot)) }
                mark(value)
            }
        }

        sweep()
        remembered = uniqued(nextRemembered)
        statistics.rememberedSlots = remembered.count
        majorThreshold = max(8 << 20, Int(Double(oldBytesInUse) * configuration.majorGrowthFactor))
        statistics.majorNanoseconds += Heap.now() - start
    }

    /// Frees unmarked cells and large objects; empty arenas go back to the OS.
    private func sweep() {
        for c in openArenas.indices { openArenas[c].removeAll(keepingCapacity: true) }
        for id in arenas.indices {
            guard let arena = arenas[id] else { continue }
            _ = arena.sweep()
            if arena.liveCells == 0 {
                releaseOldPages(arena.range)
                arenas[id] = nil
                freeArenaIDs.append(Int32(id))
            } else if !arena.isFull {
                openArenas[arena.sizeClass].append(id)
            }
        }
        for id in larges.indices {
            guard let large = larges[id] else { continue }
            if large.marked {
                larges[id]!.marked = false
            } else {
                releaseOldPages(large.range)
                larges[id] = nil
                freeLargeIDs.append(Int32(id))
            }
        }
    }

    /// Returns pages to the OS. The discard re-arms them: a dropped page
    /// would otherwise be reported written once, as if the mutator wrote it.
    private func releaseOldPages(_ run: PageRange) {
        pages.free(run)
        barrier.discard(run)
    }

    enum OldObject {
        case small(Arena, Int)
        case large(Int)
    }

    /// The old object starting exactly at `address`, if there is one.
    func oldObject(at address: UInt) -> OldObject? {
        guard space.old.contains(address), address < pages.frontier else { return nil }
        let owner = pages.ownerOf(address)
        if owner > 0, let arena = arenas[Int(owner - 1)] {
            let cell = arena.cellIndex(address)
            guard cell < arena.cellCount, Int(address - arena.range.start) % arena.cellBytes == 0,
                  arena.allocated.get(cell) else { return nil }
            return .small(arena, cell)
        }
        if owner < 0, let large = larges[Int(-owner - 1)], large.range.start == address {
            return .large(Int(-owner - 1))
        }
        return nil
    }
}
