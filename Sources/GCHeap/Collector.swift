#if canImport(Glibc)
import Glibc
#endif
import WriteWatch

/// Scratch state of one collection, kept between collections so that a
/// minor collection allocates nothing in the steady state.
struct CollectorScratch {
    var toTop: UInt = 0
    var promoted: [UInt] = []
    /// Old-space bytes the collector wrote (promotion, slot updates), handed
    /// back to page-watching barriers so they are not taken for mutator writes.
    var writes: [PageRange] = []
    var nextRemembered: [UInt] = []

    /// Records that the collector wrote [start, end), at page granularity,
    /// merging with the previous record: the collector mostly writes in
    /// address order (a sorted remembered set, dirty regions in order,
    /// promotion filling an arena), so the list stays short and cheap to sort.
    @inline(__always)
    mutating func recordWrite(_ start: UInt, _ end: UInt) {
        let pageSize = UInt(PageRange.pageSize)
        let first = start & ~(pageSize - 1), last = (end + pageSize - 1) & ~(pageSize - 1)
        if let previous = writes.last, first >= previous.start, first <= previous.end {
            if last > previous.end { writes[writes.count - 1].end = last }
            return
        }
        writes.append(PageRange(start: first, end: last))
    }
}

extension Heap {
    /// Runs a minor collection now.
    public func collectMinor() throws(HeapError) { try collect(major: false) }

    /// Runs a major collection now: a minor collection, then mark-sweep of
    /// the whole heap, returning empty arenas and dead large objects to the OS.
    public func collectMajor() throws(HeapError) { try collect(major: true) }

    func collect(major: Bool) throws(HeapError) {
        minorCollection()
        if major || oldBytesInUse > majorThreshold { majorCollection() }
        statistics.oldBytesInUse = oldBytesInUse
        if oldBytesInUse > configuration.heapLimitBytes { throw .heapExhausted(limitBytes: configuration.heapLimitBytes) }
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: - Minor collection

    /// Copies the live young objects into the other survivor space or, once
    /// old enough, into old space. Live means reachable from the roots, from
    /// the slots remembered at the last collection, or from old-space slots
    /// in the ranges the barrier reports written.
    func minorCollection() {
        let start = Heap.now()
        statistics.minorCollections += 1
        statistics.allocatedBytes += Int(mutator.pointee.top - space.eden.start)
        scratch.toTop = survivorTo.start
        scratch.writes.removeAll(keepingCapacity: true)
        scratch.nextRemembered.removeAll(keepingCapacity: true)

        // Ask the barrier first: from here on the collector writes to old
        // space itself (promotion, slot updates), and those writes must not
        // be mistaken for the mutator's.
        written.reset()
        barrier.takeWritten(&written, inUse: pages.tracked)
        recordBarrierStatistics()

        for i in roots.values.indices where isYoung(roots.values[i]) {
            roots.values[i] = forward(roots.values[i])
        }
        for i in shadowStack.indices where isYoung(shadowStack[i]) {
            shadowStack[i] = forward(shadowStack[i])
        }
        let carried = remembered
        for slot in carried { updateOldSlot(slot, recordWrite: true) }
        for region in written.regions { scanOldRegion(region) }

        drainWork()

        if configuration.poisonFreedMemory {
            poison(PageRange(start: space.eden.start, end: mutator.pointee.top))
            poison(PageRange(start: survivorFrom.start, end: survivorTop))
        }
        swap(&survivorFrom, &survivorTo)
        survivorTop = scratch.toTop
        mutator.pointee.top = space.eden.start

        remembered = uniqued(scratch.nextRemembered)
        statistics.rememberedSlots = remembered.count
        discardCollectorWrites()
        let pause = Heap.now() - start
        statistics.minorNanoseconds += pause
        statistics.minorPauses.append(pause)
    }

    private func recordBarrierStatistics() {
        statistics.scanCalls += written.scanCalls
        statistics.dirtyPages += written.dirtyPages
        statistics.dirtyCards += written.dirtyCards
        statistics.lastMinorScanCalls = written.scanCalls
        statistics.lastMinorDirtyPages = written.dirtyPages
        statistics.lastMinorDirtyCards = written.dirtyCards
        if !written.degraded.isEmpty {
            statistics.degradedCollections += 1
            for d in written.degraded {
                // Once per kind of failure, not per collection or range.
                let kind: String
                if case let .system(_, errno) = d.error { kind = "dirty-page scan failed with \(errno)" } else { kind = "\(d.error)" }
                report("write tracking degraded (\(kind)); the affected old space was scanned in full, results stay exact")
            }
        }
    }

    /// Scans the to-space and promoted objects until no young object is
    /// left unvisited (Cheney's algorithm, with a stack for promoted objects).
    private func drainWork() {
        var scan = survivorTo.start
        while true {
            while scan < scratch.toTop {
                let count = Layout.pointerCount(scan)
                for f in 0..<count {
                    let slot = Layout.slot(scan, f)
                    if isYoung(slot.pointee) { slot.pointee = forward(slot.pointee) }
                }
                scan += UInt(Layout.size(of: scan))
            }
            guard let object = scratch.promoted.popLast() else { break }
            let count = Layout.pointerCount(object)
            for f in 0..<count { updateOldSlot(UInt(bitPattern: Layout.slot(object, f)), recordWrite: false) }
        }
    }

    /// An old slot that may point young: forward it, and remember it if it
    /// still points young afterwards.
    @inline(__always)
    private func updateOldSlot(_ slot: UInt, recordWrite: Bool) {
        let p = UnsafeMutablePointer<UInt>(bitPattern: slot).unsafelyUnwrapped
        let value = p.pointee
        guard isYoung(value) else { return }
        let moved = forward(value)
        if moved != value {
            p.pointee = moved
            if recordWrite && B.watchesPages { scratch.recordWrite(slot, slot + 8) }
        }
        if isYoung(moved) { scratch.nextRemembered.append(slot) }
    }

    /// The new address of a young object, copying it if not yet copied.
    private func forward(_ object: UInt) -> UInt {
        if survivorTo.contains(object) { return object }
        let w1 = Layout.word(object, 1).pointee
        let size = Layout.size(of: object)
        if w1 & Layout.forwardedBit != 0 {
            let target = Layout.word(object, 0).pointee
            if survivorTo.contains(target) || space.old.contains(target) { return target }
        }
        guard w1 & Layout.forwardedBit == 0, isLiveYoung(object, size: size) else {
            // A pointer to memory that holds no young object: the heap is
            // already corrupt (only a broken barrier gets here). Drop it and
            // say so rather than copy garbage.
            statistics.verifyFailures += 1
            report("dangling young pointer 0x\(String(object, radix: 16)) found by the minor collector and cleared")
            return 0
        }
        let age = Int((w1 >> 32) & 0xff) + 1
        let destination: UInt
        if age < configuration.promotionAge, scratch.toTop + UInt(size) <= survivorTo.end {
            destination = scratch.toTop
            scratch.toTop += UInt(size)
        } else {
            destination = promote(size)
            scratch.promoted.append(destination)
            statistics.promotedBytes += size
        }
        UnsafeMutableRawPointer(bitPattern: destination).unsafelyUnwrapped
            .copyMemory(from: UnsafeRawPointer(bitPattern: object).unsafelyUnwrapped, byteCount: size)
        Layout.word(destination, 1).pointee = (w1 & 0xffff_ffff) | UInt(min(age, 255)) << 32
        Layout.word(object, 0).pointee = destination
        Layout.word(object, 1).pointee = w1 | Layout.forwardedBit
        return destination
    }

    /// Whether a young object of `size` bytes at `object` lies in the used
    /// part of eden or the current survivor space.
    func isLiveYoung(_ object: UInt, size: Int) -> Bool {
        guard size <= Layout.maxSmallBytes else { return false }
        let end = object + UInt(size)
        return (object >= space.eden.start && end <= mutator.pointee.top)
            || (object >= survivorFrom.start && end <= survivorTop)
    }

    /// A cell in old space for a promoted object of `size` bytes.
    private func promote(_ size: Int) -> UInt {
        let c = SizeClasses.classFor(size)
        while let id = openArenas[c].last {
            let arena = arenas[id]!
            if let cell = arena.allocateCell() {
                prepareForPromotion(arena)
                return cell
            }
            openArenas[c].removeLast()
        }
        let id = freeArenaIDs.popLast() ?? Int32(arenas.count)
        // The reservation holds a nursery's worth of slack beyond the limit,
        // so promotion cannot run out of address space in one collection.
        guard let run = try? takePages(AddressSpace.arenaBytes / PageRange.pageSize, owner: id + 1) else {
            fatalError("old-space reservation exhausted during promotion: heap invariant broken")
        }
        let arena = Arena(range: run, cellBytes: SizeClasses.sizes[c], sizeClass: c)
        if Int(id) == arenas.count { arenas.append(arena) } else { arenas[Int(id)] = arena }
        openArenas[c].append(Int(id))
        prepareForPromotion(arena)
        return arena.allocateCell()!
    }

    /// Promotion writes whole objects into an arena: with a page-watching
    /// barrier each first write to an armed page would be a protection fault
    /// (1-2 us). One ioctl suspends the whole arena instead; it is re-armed
    /// with the collector's other writes at the end of the collection. Safe
    /// because the barrier was read before the collector wrote anything.
    @inline(__always)
    private func prepareForPromotion(_ arena: Arena) {
        guard B.watchesPages, arena.suspendedIn != statistics.minorCollections else { return }
        arena.suspendedIn = statistics.minorCollections
        barrier.suspend(arena.range)
        scratch.recordWrite(arena.range.start, arena.range.end)
    }

    /// Visits the pointer slots of old objects inside `region`, and only
    /// those: a written page of a large array costs one page of fields.
    private func scanOldRegion(_ region: PageRange) {
        let pageSize = UInt(PageRange.pageSize)
        var address = region.start
        while address < region.end {
            let pageEnd = min(region.end, (address & ~(pageSize - 1)) + pageSize)
            let owner = pages.ownerOf(address)
            if owner > 0, let arena = arenas[Int(owner - 1)] {
                let first = arena.cellIndex(address)
                let last = min(arena.cellIndex(pageEnd - 1), arena.cellCount - 1)
                if first <= last {
                    for i in first...last where arena.allocated.get(i) {
                        scanSlots(of: arena.range.start + UInt(i * arena.cellBytes), within: address, pageEnd)
                    }
                }
            } else if owner < 0, let large = larges[Int(-owner - 1)] {
                scanSlots(of: large.range.start, within: address, pageEnd)
            }
            address = pageEnd
        }
    }

    @inline(__always)
    private func scanSlots(of object: UInt, within low: UInt, _ high: UInt) {
        let fields = object + UInt(Layout.headerBytes)
        let fieldsEnd = fields + UInt(Layout.pointerCount(object) * 8)
        var slot = max(low, fields)
        let end = min(high, fieldsEnd)
        while slot < end {
            updateOldSlot(slot, recordWrite: true)
            slot += 8
        }
    }

    private func poison(_ range: PageRange) {
        guard !range.isEmpty else { return }
        memset(UnsafeMutableRawPointer(bitPattern: range.start)!, Int32(Layout.poisonByte), range.byteCount)
    }

    /// Re-arms the old pages the collector wrote, so the next minor
    /// collection sees only the mutator's writes.
    private func discardCollectorWrites() {
        guard B.watchesPages, !scratch.writes.isEmpty else { return }
        scratch.writes.sort { $0.start < $1.start }
        var run: PageRange?
        for page in scratch.writes {
            if let r = run, page.start <= r.end {
                run!.end = max(r.end, page.end)
            } else {
                if let r = run { barrier.discard(r); statistics.collectorDiscards += 1 }
                run = page
            }
        }
        if let r = run { barrier.discard(r); statistics.collectorDiscards += 1 }
    }

    func uniqued(_ slots: [UInt]) -> [UInt] {
        guard slots.count > 1 else { return slots }
        var sorted = slots
        sorted.sort()
        var out: [UInt] = []
        out.reserveCapacity(sorted.count)
        for s in sorted where out.last != s { out.append(s) }
        return out
    }
}
