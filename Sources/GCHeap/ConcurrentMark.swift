#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import WriteWatch

/// Mostly-concurrent major collection (Boehm, Demers and Shenker, "Mostly
/// Parallel Garbage Collection", 1991): mark old space while the mutators
/// run, then stop them briefly to re-mark only what they changed.
///
/// Invariant (the one that makes it exact): when the final pause starts,
/// every old object that is reachable is marked, or reachable from a root,
/// from a live young object, or from a marked old object on a range in
/// `dirty`. Marking scans a black (marked, scanned) object once; a mutator
/// store into it afterwards lands on a page or card the barrier reports,
/// and every report reaches `dirty`: the minor collections' written ranges
/// are merged into it before they re-arm them or clean the cards (HotSpot
/// CMS's mod-union table), and the marker's own re-arming rounds add what
/// they collect. The final pause, with the world stopped, scans the roots,
/// every live young object (the survivors of the minor collection it runs
/// first) and the marked objects in `dirty`, and drains: nothing can change
/// underneath it, so what stays unmarked is unreachable. The classic race
/// (the mutator moves the only pointer to a white object from a grey object
/// into a black one, then clears the grey one) is closed because the black
/// object's page is dirty.
///
/// Allocation during marking is black: promoted objects are marked, and
/// the minor that promotes them marks their old children (their fields may
/// hold the only pointers to white objects); large objects are marked
/// (their fields start nil; later stores dirty them). Young objects are never marked: they are roots of the old space,
/// scanned in both pauses.
///
/// One scan feeds two consumers. A minor collection needs every page
/// written since the previous minor, and the marker every page written
/// since its previous round. The hardware barrier's re-arming scan (and
/// the baselines' collect) consumes what it reports, so whatever the marker
/// collects is also owed to the next minor (`owedToMinor`), and whatever a
/// minor reads is merged into `dirty`. The card barriers' rounds only peek
/// (cleaning a card would lose it for the next minor): their cards stay
/// dirty, and are rescanned each round, until a minor cleans them.
///
/// Threads: the marker is not a mutator. It works in short steps holding
/// `MarkerSync`'s lock, which every collection, every inspection and every
/// large-object allocation also takes, so the marker never runs during a
/// minor collection and never sees the page map or the large-object table
/// change under it. Between steps it lets a requested collection run
/// first. Mutator stores race with the marker's reads of the same fields:
/// an aligned word is read whole, old or new, and a new one is dirty.
/// Mark state, the grey stack and the dirty ranges live off the heap.
struct ConcurrentMarkState: ~Copyable {
    /// Between the initial and the final pause.
    var active = false
    /// The marker has converged and asked for the final pause.
    var finishRequested = false
    var grey = RawStack<UInt>(capacity: 4096)
    /// Old ranges whose marked objects must be scanned again.
    var dirty: [PageRange] = []
    /// The current round's ranges still to rescan, a few pages per step.
    var rescanning: [PageRange] = []
    /// Arenas the final pause left for the marker thread to sweep, and
    /// whether a sweep is under way. An unswept arena is on no open list,
    /// so promotion never allocates in it.
    var toSweep: [Int] = []
    var sweeping: Bool { !toSweep.isEmpty }
    /// Ranges the marker's re-arming collects consumed: the next minor
    /// collection must treat them as written.
    var owedToMinor: [PageRange] = []
    var rounds = 0
    var lastRoundPages = Int.max
    /// Old weak objects marked this cycle, for the final pause's weak pass.
    var weakObjects = RawStack<UInt>()
    /// Pointers to no object met while marking (reported at the final pause).
    var anomalies = 0
    /// Set by the heap's deinit: the marker thread exits.
    var stop = false
}

/// The marker thread's lock and wake-up.
final class MarkerSync {
    private let mutex = PosixLock()
    private let work = PosixCondition()
    var thread: pthread_t?

    func lock() { mutex.lock() }
    func unlock() { mutex.unlock() }
    func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R { try mutex.locked(body) }
    /// Lock held: sleeps until `wake`.
    func wait() { work.wait(mutex) }
    /// Lock held: sleeps until `wake` or for `microseconds`.
    func wait(microseconds: Int) { work.wait(mutex, microseconds: microseconds) }
    /// Lock held.
    func wake() { work.broadcast() }

    /// Starts a thread running `body`. A C thread entry cannot capture a
    /// generic context, so `body` travels in a box.
    static func start(_ body: @escaping () -> Void) -> pthread_t {
        final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, Unmanaged.passRetained(Box(body)).toOpaque())
        precondition(rc == 0, "cannot start the concurrent marker thread: pthread_create returned \(rc)")
        return thread
    }
}

extension Heap {
    /// Starts a concurrent major collection now: a minor collection and a
    /// short pause that snapshots the roots; the background marker does the
    /// rest and finishes with a short final pause of its own. Does nothing
    /// more than the minor collection if one is under way. Main mutator.
    public func startConcurrentMajor() throws(HeapError) {
        try withWorldStopped(by: mutator) { () throws(HeapError) in try collectStopped(major: false, startConcurrent: true) }
    }

    /// Whether a concurrent major collection is under way: marking, or
    /// sweeping after its final pause.
    public var isMarking: Bool { markerSync.locked { marking.active || marking.sweeping } }

    /// Waits until the concurrent major collection under way has finished,
    /// inactive (a waiting thread must not hold up the final pause, which
    /// stops the world). Main mutator.
    public func waitForConcurrentMajor() {
        deactivate()
        defer { activate() }
        while isMarking { usleep(200) }
    }

    // MARK: - The pauses (world stopped, marker lock held)

    /// The initial pause, right after a minor collection: everything the
    /// roots and the young objects point to in old space becomes grey.
    func startConcurrentMark() {
        finishSweeping()
        marking.active = true
        marking.finishRequested = false
        marking.rounds = 0
        marking.lastRoundPages = Int.max
        marking.dirty.removeAll()
        marking.rescanning.removeAll()
        marking.weakObjects.removeAll()
        markFromRootsAndYoung()
        startMarkerThread()
        markerSync.wake()
    }

    /// The final pause, right after a minor collection (whose written
    /// ranges are already in `dirty`): roots, young objects and dirty
    /// ranges once more, drain, then sweep.
    func finishConcurrentMark() {
        markFromRootsAndYoung()
        marking.dirty = marking.dirty.merged(with: marking.rescanning)
        marking.rescanning.removeAll()
        for range in takeDirty() { rescan(range) }
        while !marking.grey.isEmpty { markGrey(budget: Int.max) }
        finishWeakInFinalPause()
        if marking.anomalies > 0 {
            statistics.verifyFailures += marking.anomalies
            report("\(marking.anomalies) pointer(s) to no object found while marking; ignored")
            marking.anomalies = 0
        }
        statistics.markRounds += marking.rounds
        marking.active = false
        marking.finishRequested = false
        statistics.majorCollections += 1
        dropRememberedSlotsOfUnmarkedObjects()
        if B.marksWhileMutatorsRun {
            // Large objects now (few, and their pages go straight back);
            // arenas on the marker thread, a few per step.
            largeObjects.sweep(release: releaseOldPages)
            arenas.clearOpenLists()
            marking.toSweep = (0..<arenas.records.count).filter { arenas.records[$0].inUse }.reversed()
            for id in marking.toSweep { arenas.record(id).pointee.awaitingSweep = true }
            markerSync.wake()
        } else {
            // mprotect and uffd-sync must re-protect freed pages with the
            // world stopped: sweep here.
            sweep()
            setNextMajorThreshold()
        }
    }

    /// Sweeps what a concurrent cycle left (before anything marks again).
    func finishSweeping() {
        while marking.sweeping { sweepStep(arenas: Int.max) }
    }

    /// Sweeps up to `arenas` of the arenas left to sweep; after the last,
    /// sets the next threshold from what is really in use.
    func sweepStep(arenas count: Int) {
        var n = 0
        while n < count, let id = marking.toSweep.popLast() {
            if arenas.records[id].inUse { sweepArena(id) }
            n += 1
        }
        if !marking.sweeping {
            setNextMajorThreshold()
        }
    }

    private func markFromRootsAndYoung() {
        roots.forEachValue { markOld($0.pointee) }
        forEachStackSlot { markOld($0.pointee) }
        weak.guardians.forEachReadySlot { markOld($0.pointee) }
        // After a minor collection every live young object is here.
        var object = survivorFrom.start
        while object < survivorTop {
            markChildren(of: object)
            object += UInt(Layout.size(of: object))
        }
    }

    /// A slot's value: if it is an unmarked old object, mark it grey.
    @inline(__always)
    func markOld(_ value: UInt) {
        guard value != 0, value & 7 == 0, space.old.contains(value) else { return }
        switch markOldObject(value) {
        case true?: marking.grey.append(value)
        case false?: break
        case nil: marking.anomalies += 1
        }
    }

    /// Marks grey the unmarked old objects `object`'s fields point to. A
    /// weak box marks nothing; an ephemeron its value once its key lives
    /// (young keys live: the young objects are the old space's roots).
    /// Old weak objects are kept for the final pause, which judges their
    /// targets with marking complete.
    @inline(__always)
    func markChildren(of object: UInt) {
        if Layout.isWeak(object) {
            if !isYoung(object) { marking.weakObjects.append(object) }
            if Layout.kind(object) == .ephemeron, isMarkedForFinalPause(Layout.slot(object, 0).pointee) {
                markOld(Layout.slot(object, 1).pointee)
            }
            return
        }
        for f in 0..<Layout.pointerCount(object) { markOld(Layout.slot(object, f).pointee) }
    }

    /// Whether `value` counts as alive for this cycle so far: anything but
    /// an unmarked old object.
    func isMarkedForFinalPause(_ value: UInt) -> Bool {
        guard value != 0, value & 7 == 0, space.old.contains(value) else { return true }
        return isOldObjectMarked(value)
    }

    /// The final pause's weak pass: the old weak objects marked this cycle
    /// and the young ones (all in the survivor space, after the pause's
    /// minor), judged against old targets only.
    private func finishWeakInFinalPause() {
        for i in 0..<marking.weakObjects.count { weak.found.append(marking.weakObjects[i]) }
        marking.weakObjects.removeAll()
        var object = survivorFrom.start
        while object < survivorTop {
            if Layout.isWeak(object) { weak.found.append(object) }
            object += UInt(Layout.size(of: object))
        }
        weak.found.sortAndUnique()
        for i in 0..<weak.found.count where Layout.kind(weak.found[i]) == .ephemeron { weak.pending.append(weak.found[i]) }
        finishWeakInMajor(oldOnly: true, isMarked: isMarkedForFinalPause, mark: markOld,
                          drain: { while !marking.grey.isEmpty { markGrey(budget: Int.max) } })
    }

    /// Scans up to `budget` grey objects.
    func markGrey(budget: Int) {
        var n = 0
        while n < budget, let object = marking.grey.popLast() {
            markChildren(of: object)
            n += 1
        }
    }

    /// Scans again the marked objects in `range`: whole small objects that
    /// overlap it, and the fields of a large object that lie in it.
    func rescan(_ range: PageRange) {
        let pageSize = UInt(PageRange.pageSize)
        var address = range.start
        while address < range.end {
            let pageEnd = min(range.end, (address & ~(pageSize - 1)) + pageSize)
            let owner = pages.ownerOf(address)
            if let id = owner.arena {
                let arena = arenas.record(id)
                var cell = arena.pointee.cellIndex(address)
                let last = min(arena.pointee.cellCount - 1, arena.pointee.cellIndex(pageEnd - 1))
                while cell <= last {
                    if arena.pointee.allocated.get(cell), arena.pointee.marked.get(cell) {
                        markChildren(of: arena.pointee.cellStart(cell))
                    }
                    cell += 1
                }
            } else if let id = owner.largeObject, largeObjects.isMarked(id) {
                let object = largeObjects.start(id)
                let first = UInt(bitPattern: Layout.slot(object, 0))
                let end = first + UInt(Layout.pointerCount(object) * 8)
                var slot = max(first, address)
                while slot < min(end, pageEnd) {
                    markOld(UnsafePointer<UInt>(bitPattern: slot).unsafelyUnwrapped.pointee)
                    slot += 8
                }
            }
            address = pageEnd
        }
    }

    /// Remembered slots inside objects the sweep is about to free must not
    /// outlive them (a freed cell may be reused for an object whose slot
    /// there holds anything).
    private func dropRememberedSlotsOfUnmarkedObjects() {
        var kept = 0
        for i in 0..<remembered.count {
            let slot = remembered[i]
            let owner = pages.ownerOf(slot)
            let live: Bool
            if let id = owner.arena {
                let arena = arenas.record(id)
                live = arena.pointee.marked.get(arena.pointee.cellIndex(slot))
            } else if let id = owner.largeObject {
                live = largeObjects.isMarked(id)
            } else {
                live = false
            }
            if live {
                remembered.buffer[kept] = slot
                kept += 1
            }
        }
        remembered.truncate(to: kept)
        statistics.rememberedSlots = remembered.count
    }

    // MARK: - Minor collections during marking (world stopped, lock held)

    /// After the barrier's `beginMinor`: the ranges the marker consumed are
    /// written for this minor too (suspended first, so that updating slots
    /// there never faults), and everything this minor read goes to `dirty`
    /// before `endMinor` re-arms it or the card table forgets it.
    func shareWrittenWithMarker() {
        guard marking.active else { return }
        if !marking.owedToMinor.isEmpty {
            if watchesPages { for range in marking.owedToMinor { suspendForCollector(range) } }
            written.regions = written.regions.merged(with: marking.owedToMinor)
            marking.owedToMinor.removeAll()
        }
        marking.dirty = marking.dirty.merged(with: written.regions)
    }

    /// A promoted object during marking is allocated black; the minor
    /// traces its old children when it scans it (`drainWork`), so the
    /// marker's grey stack is not refilled by every minor.
    @inline(__always)
    func markPromoted(_ arena: UnsafeMutablePointer<Arena>, _ cell: UInt) {
        guard marking.active else { return }
        arena.pointee.marked.set(arena.pointee.cellIndex(cell))
    }

    // MARK: - The marker thread

    private func startMarkerThread() {
        guard markerSync.thread == nil, configuration.concurrentMarkerThread else { return }
        // Unowned: the heap's deinit joins the thread before it is freed.
        markerSync.thread = MarkerSync.start { [unowned(unsafe) self] in self.markerMain() }
    }

    /// Stops the marker thread (the heap's deinit).
    func stopMarkerThread() {
        guard let thread = markerSync.thread else { return }
        markerSync.locked {
            marking.stop = true
            markerSync.wake()
        }
        pthread_join(thread, nil)
        markerSync.thread = nil
    }

    /// Marks in steps, runs re-marking rounds until the dirty set stops
    /// shrinking, then asks for the final pause.
    private func markerMain() {
        markerSync.lock()
        defer { markerSync.unlock() }
        while true {
            while !marking.stop && !(marking.active && !marking.finishRequested) && !marking.sweeping { markerSync.wait() }
            if marking.stop { return }
            let delay = configuration.concurrentMarkStepDelayMicroseconds
            if markerStep(greyBudget: delay > 0 ? 8 : 1024) == .wantsFinalPause { requestFinalPause() }
            if delay > 0 {
                markerSync.unlock()
                usleep(UInt32(delay))
                markerSync.lock()
            }
            yieldToCollections()
        }
    }

    /// What one step of the marker did.
    package enum MarkerStep: Equatable {
        /// Nothing to do: no cycle, or nothing left to sweep.
        case idle
        /// Marked, rescanned, ran a round, or swept some arenas.
        case worked
        /// Marking has converged: the final pause is next.
        case wantsFinalPause
    }

    /// One step, marker lock held: sweep, scan up to `greyBudget` grey
    /// objects, rescan a few dirty pages, or run a round.
    private func markerStep(greyBudget: Int) -> MarkerStep {
        if !marking.active {
            guard marking.sweeping else { return .idle }
            sweepStep(arenas: 16)
        } else if marking.finishRequested {
            return .wantsFinalPause
        } else if !marking.grey.isEmpty {
            markGrey(budget: greyBudget)
        } else if !marking.rescanning.isEmpty {
            rescanStep(pages: 16)
        } else if marking.rounds < configuration.concurrentMarkMaxRounds {
            markingRound()
            let pages = marking.dirty.pagesTouched
            let converged = pages == 0 || pages >= marking.lastRoundPages
            marking.lastRoundPages = pages
            if converged { return .wantsFinalPause }
            marking.rescanning = takeDirty()
        } else {
            return .wantsFinalPause
        }
        return .worked
    }

    /// Testing only: one marker step on the calling thread, for a heap made
    /// without a marker thread (`concurrentMarkerThread` off) and used by
    /// its main mutator alone, so a test can order the marker's work
    /// against its own stores. After `.wantsFinalPause`, the next minor
    /// collection is the final pause; steps after it sweep.
    package func stepMarker(greyBudget: Int) -> MarkerStep {
        precondition(!configuration.concurrentMarkerThread && mutators.count == 1,
                     "stepMarker needs a heap without a marker thread, used by its main mutator alone")
        return markerSync.locked {
            let step = markerStep(greyBudget: greyBudget)
            if step == .wantsFinalPause { marking.finishRequested = true }
            return step
        }
    }

    /// One round: what was written since the last one joins `dirty`.
    private func markingRound() {
        marking.rounds += 1
        var found: [PageRange] = []
        // Marker lock held: what a re-arming collect consumed is owed to the
        // next minor before any minor can run.
        func collect() {
            if barrier.collectForMarking(into: &found, inUse: pages.tracked) {
                marking.owedToMinor = marking.owedToMinor.merged(with: found)
            }
        }
        // A stepped marker runs on the only mutator's thread, between its
        // stores: the world is stopped already.
        if B.marksWhileMutatorsRun || !configuration.concurrentMarkerThread {
            collect()
        } else {
            // The baselines re-protect with the world stopped: this pause is
            // their price, and it is counted as a major pause.
            markerSync.unlock()
            safepoints.lock()
            safepoints.stopOthers(now: Heap.now, callerIsMutator: false, stalled: reportStall)
            let start = Heap.now()
            markerSync.lock()
            if marking.active { collect() }
            statistics.majorPauses.record(Heap.now() - start)
            statistics.markRoundPauses += 1
            markerSync.unlock()
            safepoints.resumeTheWorld()
            safepoints.unlock()
            markerSync.lock()
        }
        marking.dirty = marking.dirty.merged(with: found)
    }

    /// Rescans up to `pages` pages of the round's ranges (one step).
    private func rescanStep(pages: Int) {
        let size = UInt(PageRange.pageSize)
        var budget = UInt(pages) * size
        while budget > 0, var range = marking.rescanning.popLast() {
            if UInt(range.byteCount) > budget {
                marking.rescanning.append(PageRange(start: range.start, end: range.end - budget))
                range.start = range.end - budget
            }
            budget -= min(budget, UInt(range.byteCount))
            rescan(range)
        }
    }

    /// Empties `dirty` and returns the ranges to rescan, counted; none for
    /// the negative control, which keeps the same rounds and timing.
    private func takeDirty() -> [PageRange] {
        let dirty = marking.dirty
        marking.dirty.removeAll()
        guard !configuration.concurrentMarkIgnoresDirtyPages else { return [] }
        statistics.pagesRemarked += dirty.pagesTouched
        return dirty
    }

    /// Stops the world and runs the collection that finishes the cycle.
    private func requestFinalPause() {
        marking.finishRequested = true
        markerSync.unlock()
        safepoints.lock()
        safepoints.stopOthers(now: Heap.now, callerIsMutator: false, stalled: reportStall)
        // A mutator's collection may have finished the cycle meanwhile.
        let pending = markerSync.locked { marking.active }
        if pending { try? collectStopped(major: false) }
        safepoints.resumeTheWorld()
        safepoints.unlock()
        markerSync.lock()
    }

    /// Between steps: while a collection is requested or running, wait
    /// with the marker lock released, so that it gets the lock and runs to
    /// the end first (a mutex is not fair). Not on the safepoint lock: the
    /// mutators take that one at every buffer refill, and a waiter there
    /// starves (measured: the marker got 4% of a CPU during gcold).
    private func yieldToCollections() {
        while safepoints.requested.load(ordering: .acquiring) && !marking.stop {
            markerSync.wait(microseconds: 100)
        }
    }
}
