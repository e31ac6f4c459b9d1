#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import WriteWatch

/// Scratch state of one collection, kept between collections so that a
/// minor collection allocates nothing in the steady state.
struct CollectorScratch: ~Copyable {
    var toTop: UInt = 0
    var promoted = RawStack<UInt>()
    var nextRemembered = RawStack<UInt>()
    /// Old ranges suspended during this minor collection: handed to the
    /// barrier's `endMinor` to be re-armed.
    var suspended: [PageRange] = []
}

extension Heap {
    /// Runs a minor collection now (main mutator).
    public func collectMinor() throws(HeapError) { try collect(from: mutator, major: false) }

    /// Runs a major collection now: a minor collection, then mark-sweep of
    /// the whole heap, returning empty arenas and dead large objects to the OS.
    /// Complete in either major mode: everything unreachable when it is
    /// called is found (a concurrent cycle under way, whose marks may float
    /// objects that died while it ran, is finished first and then followed
    /// by a stop-the-world major), so weak boxes and ephemerons to those
    /// objects are cleared and guardians queue them.
    public func collectMajor() throws(HeapError) { try collect(from: mutator, major: true) }

    /// A collection asked for by mutator `m`: stops the world (waiting for
    /// any collection under way to finish first), collects, resumes.
    func collect(from m: UnsafeMutablePointer<MutatorState>, major: Bool) throws(HeapError) {
        try withWorldStopped(by: m) { () throws(HeapError) in try collectStopped(major: major) }
    }

    /// Runs `body` for mutator `m` (the caller's own, active) with every
    /// other active mutator parked, waiting for a collection under way to
    /// finish first.
    func withWorldStopped<R>(by m: UnsafeMutablePointer<MutatorState>, _ body: () throws(HeapError) -> R) throws(HeapError) -> R {
        try checkOwner(m)
        safepoints.lock()
        defer { safepoints.unlock() }
        while !safepoints.stopTheWorld(now: Heap.now, stalled: reportStall) {}
        defer { safepoints.resumeTheWorld() }
        return try body()
    }

    /// Ends every mutator's allocation buffer (the world is stopped).
    func retireAllBuffers() {
        for i in 0..<mutators.count { retireBuffer(mutators[i]) }
    }

    /// The collection itself, with the world stopped and the lock held.
    ///
    /// `major` asks for a complete major collection before returning (it
    /// finishes a concurrent one under way, then collects again, since the
    /// cycle's snapshot floats what died during it); `startConcurrent`
    /// starts one.
    /// Crossing the major threshold runs one in stop-the-world mode. In
    /// concurrent mode one starts earlier, at 3/4 of the threshold, so that
    /// marking can finish while the mutators fill the last quarter (CMS's
    /// initiating occupancy); one that lets old space grow past twice the
    /// threshold is finished at once.
    func collectStopped(major: Bool, startConcurrent: Bool = false) throws(HeapError) {
        let start = Heap.now()
        statistics.timeToSafepointNanoseconds.record(safepoints.lastTimeToSafepoint)
        statistics.threadsStopped += safepoints.lastStopped
        markerSync.lock()
        defer { markerSync.unlock() }
        retireAllBuffers()
        minorCollection()
        var seen = CollectionPolicy.Observation(oldBytesInUse: oldBytesInUse)
        seen.concurrent = configuration.majorMode == .concurrent
        seen.marking = marking.active
        seen.sweeping = marking.sweeping
        seen.finishRequested = marking.finishRequested
        seen.majorRequested = major
        seen.startRequested = startConcurrent
        var full = false
        switch policy.afterMinor(seen) {
        case .none: break
        case .finishConcurrent:
            if !marking.finishRequested { statistics.forcedFinishes += 1 }
            finishConcurrentMark()
            if major { majorCollection() }
            full = major
            statistics.majorPauses.record(Heap.now() - start)
        case .startConcurrent:
            startConcurrentMark()
            statistics.majorPauses.record(Heap.now() - start)
        case .full:
            majorCollection()
            full = true
            statistics.majorPauses.record(Heap.now() - start)
        }
        // Exhaustion is reported only after a full collection: a concurrent
        // cycle's snapshot floats what died during it.
        if policy.isOverLimit(oldBytesInUse: oldBytesInUse) && !full && !marking.active {
            majorCollection()
            statistics.majorPauses.record(Heap.now() - start)
        }
        statistics.oldBytesInUse = oldBytesInUse
        safepoints.completed.add(1, ordering: .releasing)
        if policy.isOverLimit(oldBytesInUse: oldBytesInUse) {
            statistics.exhaustions += 1
            throw exhausted()
        }
    }

    /// Collections finished so far, by any thread: safe to read from any
    /// attached thread (`statistics` is the collector's, read it only with
    /// the other threads joined or inactive).
    public var collectionsCompleted: Int { safepoints.completed.load(ordering: .acquiring) }

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
    ///
    /// With a page barrier the collector writes old memory only where it
    /// cannot fault: pages the barrier reported written (left writable until
    /// `endMinor`), and ranges it suspends first (promotion arenas, pages of
    /// remembered slots). `endMinor` re-arms all of them before the mutator
    /// runs again.
    func minorCollection() {
        let start = Heap.now()
        statistics.minorCollections += 1
        statistics.allocatedBytes += Int(edenCursor - space.eden.start)
        scratch.toTop = survivorTo.start
        scratch.suspended.removeAll(keepingCapacity: true)
        scratch.nextRemembered.removeAll()

        // Ask the barrier first: from here on the collector writes to old
        // space itself (promotion, slot updates), and those writes must not
        // be mistaken for the mutator's.
        written.reset()
        barrier.beginMinor(&written, inUse: pages.tracked)
        recordBarrierStatistics()
        shareWrittenWithMarker()

        beginWeakInMinor()
        roots.forEachValue { slot in if isYoung(slot.pointee) { slot.pointee = forward(slot.pointee) } }
        forEachStackSlot { slot in if isYoung(slot.pointee) { slot.pointee = forward(slot.pointee) } }
        suspendRememberedPages()
        for i in 0..<remembered.count { updateOldSlot(remembered[i]) }
        for region in written.regions { scanOldRegion(region) }

        drainWork()
        finishWeakInMinor()

        if configuration.poisonFreedMemory {
            fill(PageRange(start: space.eden.start, end: edenCursor), with: Layout.poisonByte)
            fill(PageRange(start: survivorFrom.start, end: survivorTop), with: Layout.poisonByte)
        }
        swap(&survivorFrom, &survivorTo)
        survivorTop = scratch.toTop
        edenCursor = space.eden.start

        swap(&remembered, &scratch.nextRemembered)
        remembered.sortAndUnique()
        statistics.rememberedSlots = remembered.count
        rearmCollectorWrites()
        let pause = Heap.now() - start
        statistics.minorNanoseconds += pause
        statistics.minorPauses.record(pause)
    }

    private func recordBarrierStatistics() {
        statistics.scanCalls += written.scanCalls
        statistics.dirtyPages += written.dirtyPages
        statistics.dirtyCards += written.dirtyCards
        statistics.lastMinorScanCalls = written.scanCalls
        statistics.lastMinorDirtyPages = written.dirtyPages
        statistics.lastMinorDirtyCards = written.dirtyCards
        reportDegraded()
    }

    /// Says once per kind of failure that tracking had to over-report, for
    /// the degradations from `start` on; the minor counts once however many.
    private func reportDegraded(from start: Int = 0) {
        if written.degraded.count > start {
            if start == 0 { statistics.degradedCollections += 1 }
            for d in written.degraded[start...] {
                // Once per kind of failure, not per collection or range.
                let kind: String
                if case let .system(_, errno) = d.error { kind = "dirty-page scan failed with \(errno)" } else { kind = "\(d.error)" }
                report("write tracking degraded (\(kind)); the affected old space was treated as written and re-armed, results stay exact")
            }
        }
    }

    /// Scans the to-space and promoted objects until no young object is
    /// left unvisited (Cheney's algorithm, with a stack for promoted
    /// objects). Weak objects are set aside, not traced
    /// (WeakReferences.swift). Resumes where the last drain of this minor
    /// stopped.
    func drainWork() {
        var scan = weak.scan
        defer { weak.scan = scan }
        while true {
            while scan < scratch.toTop {
                if Layout.isWeak(scan) { noteWeakInMinor(scan) } else {
                    let count = Layout.pointerCount(scan)
                    for f in 0..<count {
                        let slot = Layout.slot(scan, f)
                        if isYoung(slot.pointee) { slot.pointee = forward(slot.pointee) }
                    }
                }
                scan += UInt(Layout.size(of: scan))
            }
            guard let object = scratch.promoted.popLast() else { break }
            if Layout.isWeak(object) { noteWeakInMinor(object) } else {
                let count = Layout.pointerCount(object)
                for f in 0..<count { updateOldSlot(UInt(bitPattern: Layout.slot(object, f))) }
            }
            // Promoted while marking: allocated black, so its old children
            // are traced here (ConcurrentMark.swift).
            if marking.active { markChildren(of: object) }
        }
    }

    /// An old slot that may point young: forward it, and remember it if it
    /// still points young afterwards.
    @inline(__always)
    private func updateOldSlot(_ slot: UInt) {
        let p = UnsafeMutablePointer<UInt>(bitPattern: slot).unsafelyUnwrapped
        let value = p.pointee
        guard isYoung(value) else { return }
        let moved = forward(value)
        if moved != value { p.pointee = moved }
        if isYoung(moved) { scratch.nextRemembered.append(slot) }
    }

    /// The new address of a young object, copying it if not yet copied.
    func forward(_ object: UInt) -> UInt {
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
        Layout.copy(from: object, to: destination, size: size)
        Layout.word(destination, 1).pointee = (w1 & Layout.copiedBits) | UInt(min(age, 255)) << 32
        Layout.word(object, 0).pointee = destination
        Layout.word(object, 1).pointee = w1 | Layout.forwardedBit
        return destination
    }

    /// Whether a young object of `size` bytes at `object` lies in the used
    /// part of eden or the current survivor space, and is not the filler of
    /// a retired allocation buffer's tail.
    @inline(__always)
    func isLiveYoung(_ object: UInt, size: Int) -> Bool {
        guard size <= Layout.maxSmallBytes else { return false }
        let end = object + UInt(size)
        guard (object >= space.eden.start && end <= edenCursor) || (object >= survivorFrom.start && end <= survivorTop) else { return false }
        return Layout.word(object, 1).pointee & Layout.fillerBit == 0
    }

    /// A cell in old space for a promoted object of `size` bytes.
    private func promote(_ size: Int) -> UInt {
        let c = SizeClasses.classFor(size)
        while arenas.openHeads[c] >= 0 {
            let arena = arenas.record(Int(arenas.openHeads[c]))
            if let cell = arena.pointee.allocateCell() {
                prepareForPromotion(arena)
                markPromoted(arena, cell)
                return cell
            }
            arenas.openHeads[c] = arena.pointee.nextOpen
        }
        // The reservation holds a nursery's worth of slack beyond the limit,
        // so promotion cannot run out of address space in one collection.
        guard let run = try? takePages(AddressSpace.arenaBytes / PageRange.pageSize, owner: .arena(Int(arenas.nextID))) else {
            fatalError("old-space reservation exhausted during promotion: heap invariant broken")
        }
        let arena = arenas.record(arenas.add(Arena(range: run, cellBytes: SizeClasses.sizes[c], sizeClass: c)))
        prepareForPromotion(arena)
        let cell = arena.pointee.allocateCell()!
        markPromoted(arena, cell)
        return cell
    }

    /// Promotion writes whole objects into an arena: with a page-watching
    /// barrier each first write to an armed page would be a protection fault
    /// (1-2 us). One call suspends the whole arena instead; `endMinor`
    /// re-arms it with the rest. Safe because the barrier was read before
    /// the collector wrote anything.
    @inline(__always)
    private func prepareForPromotion(_ arena: UnsafeMutablePointer<Arena>) {
        guard watchesPages, collectorSuspends, arena.pointee.suspendedIn != statistics.minorCollections else { return }
        arena.pointee.suspendedIn = statistics.minorCollections
        suspendForCollector(arena.pointee.range)
    }

    /// Remembered slots are updated in place, and their pages are armed
    /// unless the mutator wrote them again: suspend those pages first, so
    /// that forwarding a remembered slot never faults. One call covers runs
    /// separated by up to `suspendGapPages` pages: suspending a page needlessly
    /// costs a PTE update and its re-arm in the end walk (tens of ns), a
    /// second call about 1.5 us.
    private func suspendRememberedPages() {
        guard watchesPages, collectorSuspends, remembered.count > 0 else { return }
        let pageMask = ~UInt(PageRange.pageSize - 1), pageSize = UInt(PageRange.pageSize)
        let gap = UInt(Heap.suspendGapPages) * pageSize
        var run = PageRange(start: 0, end: 0)
        for i in 0..<remembered.count {
            let page = remembered[i] & pageMask
            if page < run.end || written.regions.covers(page) { continue }
            if page <= run.end + gap, !run.isEmpty {
                run.end = page + pageSize
            } else {
                if !run.isEmpty { suspendForCollector(run) }
                run = PageRange(start: page, end: page + pageSize)
            }
        }
        if !run.isEmpty { suspendForCollector(run) }
    }

    /// The widest gap of pages one suspend call spans (see above).
    static var suspendGapPages: Int { 16 }

    func suspendForCollector(_ range: PageRange) {
        barrier.suspend(range)
        scratch.suspended.append(range)
        statistics.collectorSuspends += 1
    }

    /// Visits the old slots inside `region` that may point young. One range
    /// test per word rejects everything else (data, old pointers, immediates,
    /// headers) before any per-object work; a word that passes is a slot
    /// only if it lies in the pointer fields of an allocated object, so stale
    /// bytes in free cells and data bytes that look like pointers are never
    /// taken for slots. A written page of a large array costs one page of
    /// words.
    private func scanOldRegion(_ region: PageRange) {
        let pageSize = UInt(PageRange.pageSize)
        let youngStart = space.young.start, youngBytes = UInt(space.young.byteCount)
        var address = region.start
        while address < region.end {
            let pageEnd = min(region.end, (address & ~(pageSize - 1)) + pageSize)
            let owner = pages.ownerOf(address)
            if !owner.isFree {
                var word = UnsafeMutablePointer<UInt>(bitPattern: address).unsafelyUnwrapped
                let end = UnsafeMutablePointer<UInt>(bitPattern: pageEnd).unsafelyUnwrapped
                // One test per eight words (a cache line): almost no block of a
                // written page holds a young word, so the per-word test runs
                // only where one does. Measured on store-sweep:1, this took the
                // scan from about 0.35 to 0.27 us per page; the rest is memory
                // (docs/per-minor-cost.md).
                while end - word >= Self.scanBlockWords {
                    let w = UnsafeRawPointer(word).loadUnaligned(as: SIMD8<UInt>.self) &- SIMD8(repeating: youngStart)
                    if w.min() < youngBytes {
                        for k in 0..<Self.scanBlockWords where word[k] &- youngStart < youngBytes {
                            visitCandidateSlot(UInt(bitPattern: word + k), owner: owner)
                        }
                    }
                    word += Self.scanBlockWords
                }
                while word < end {
                    if word.pointee &- youngStart < youngBytes { visitCandidateSlot(UInt(bitPattern: word), owner: owner) }
                    word += 1
                }
            }
            address = pageEnd
        }
    }

    /// Words `scanOldRegion` tests at once.
    private static var scanBlockWords: Int { 8 }

    /// `slot` holds a word in young space: update it if it is a pointer
    /// field of a live old object.
    private func visitCandidateSlot(_ slot: UInt, owner: PageOwner) {
        let object: UInt
        if let id = owner.arena {
            let arena = arenas.record(id)
            let cell = arena.pointee.cellIndex(slot)
            guard cell < arena.pointee.cellCount, arena.pointee.allocated.get(cell),
                  !arena.pointee.awaitingSweep || arena.pointee.marked.get(cell) else { return }
            object = arena.pointee.cellStart(cell)
        } else if let id = owner.largeObject {
            object = largeObjects.start(id)
        } else {
            return
        }
        let offset = slot &- object
        guard offset >= UInt(Layout.headerBytes), offset < UInt(Layout.headerBytes + Layout.pointerCount(object) * 8) else { return }
        // A weak field is never a remembered slot: the weak pass decides it.
        if Layout.isWeak(object) { noteWeakInMinor(object) } else { updateOldSlot(slot) }
    }

    private func fill(_ range: PageRange, with byte: UInt8) {
        guard !range.isEmpty else { return }
        memset(UnsafeMutableRawPointer(bitPattern: range.start)!, Int32(byte), range.byteCount)
    }

    /// Ends the minor collection for the barrier: everything written since
    /// `beginMinor` is re-armed, and the collector's faults are counted.
    private func rearmCollectorWrites() {
        guard watchesPages else { return }
        scratch.suspended.sortAndCoalesce()
        let before = written.degraded.count
        barrier.endMinor(&written, suspended: scratch.suspended)
        reportDegraded(from: before)
        statistics.rearmCalls += written.rearmCalls
        statistics.lastMinorRearmCalls = written.rearmCalls
        statistics.collectorFaultPages += written.collectorFaultPages
    }
}
