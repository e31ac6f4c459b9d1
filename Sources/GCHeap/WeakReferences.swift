import WriteWatch

/// The collector's state for weak boxes, ephemerons and guardians.
///
/// Invariant (what keeps weak references exact under every barrier): a
/// weak object's fields are never remembered slots and never traced as
/// strong. Every live old weak object whose field points young is, at the
/// start of each minor, in `remembered` (the collector made it so: it
/// promoted the object, or left its target young) or on a range the barrier
/// reports written (the mutator stored a young target into it: `weakset` is
/// a pointer store through the barrier). So each minor meets every weak
/// object that refers to a young object, and decides the young target's
/// fate after strong tracing, as Chez Scheme does: ephemerons to a
/// fixpoint, then guardians, then clearing. Major collections meet every
/// live weak object while marking and do the same for all targets; the
/// concurrent major does it for old targets in its final pause, where
/// nothing can change underneath it.
struct WeakState: ~Copyable {
    /// Old weak objects that held a young pointer when the last collection ended.
    var remembered = RawStack<UInt>()
    var nextRemembered = RawStack<UInt>()
    /// Weak objects this collection met (their current addresses).
    var found = RawStack<UInt>()
    /// Ephemerons whose key this collection has not (yet) found alive.
    var pending = RawStack<UInt>()
    var guardians = GuardianTable()
    /// Cheney's scan pointer in the to-space, kept between the drains of
    /// one minor (strong tracing, then each ephemeron or guardian round).
    var scan: UInt = 0
}

extension Heap {
    // MARK: - Minor collections

    /// A young object's address after this minor's copying so far, or nil
    /// if nothing has copied it.
    @inline(__always)
    func survivor(_ object: UInt) -> UInt? {
        if survivorTo.contains(object) { return object }
        let w1 = Layout.word(object, 1).pointee
        return w1 & Layout.forwardedBit != 0 ? Layout.word(object, 0).pointee : nil
    }

    /// The minor met weak object `object` (in the to-space, promoted, or old).
    @inline(__always)
    func noteWeakInMinor(_ object: UInt) {
        weak.found.append(object)
        if Layout.kind(object) == .ephemeron { weak.pending.append(object) }
    }

    /// Minor start: the old weak objects the last collection left pointing
    /// young, and the ready guardian registrations (roots).
    func beginWeakInMinor() {
        weak.scan = survivorTo.start
        for i in 0..<weak.remembered.count { noteWeakInMinor(weak.remembered[i]) }
        weak.remembered.removeAll()
        weak.guardians.forEachReadySlot { slot in if isYoung(slot.pointee) { slot.pointee = forward(slot.pointee) } }
    }

    /// After strong tracing: ephemerons whose key lives keep their value,
    /// to a fixpoint; unreachable young registered objects are kept and
    /// become ready (and what they reach is traced, ephemerons again); then
    /// weak fields to young objects nothing copied are cleared, the rest
    /// follow their targets. Old objects count as alive throughout.
    func finishWeakInMinor() {
        if !weak.found.isEmpty || !weak.guardians.young.isEmpty {
            if configuration.weakControl == .weakAsStrong {
                var i = 0
                while i < weak.found.count {
                    if Layout.kind(weak.found[i]) == .weakBox { traceWeakField(weak.found[i], 0); drainWork() }
                    i += 1
                }
            }
            resolveEphemeronsInMinor()
            if preserveUnreachableYoungRegistrations() { drainWork(); resolveEphemeronsInMinor() }
            clearWeakInMinor()
        }
        swap(&weak.remembered, &weak.nextRemembered)
        weak.remembered.sortAndUnique()
    }

    private func resolveEphemeronsInMinor() {
        while !weak.pending.isEmpty {
            var kept = 0
            let before = weak.pending.count
            for i in 0..<before {
                let e = weak.pending[i]
                let key = Layout.slot(e, 0).pointee
                if !isYoung(key) || survivor(key) != nil || configuration.weakControl == .ephemeronValuesStrong {
                    traceWeakField(e, 1)
                } else {
                    weak.pending[kept] = e
                    kept += 1
                }
            }
            weak.pending.truncate(to: kept)
            guard kept < before else { return }
            drainWork()
        }
    }

    /// Keeps the young object in field `f` of `object` alive (an
    /// ephemeron's value whose key lives).
    private func traceWeakField(_ object: UInt, _ f: Int) {
        let value = Layout.slot(object, f).pointee
        guard isYoung(value) else { return }
        let moved = forward(value)
        if moved != value { writeWeakField(object, f, moved) }
    }

    /// The minor writes a weak object's field: old memory outside the
    /// written ranges is suspended first, so the write never faults.
    private func writeWeakField(_ object: UInt, _ f: Int, _ value: UInt) {
        let slot = Layout.slot(object, f)
        if !isYoung(object) { prepareCollectorWrite(UInt(bitPattern: slot)) }
        slot.pointee = value
    }

    /// Suspends the page of old `slot` unless the minor may write it
    /// already (reported written, in a promotion arena, suspended just now).
    private func prepareCollectorWrite(_ slot: UInt) {
        guard watchesPages, collectorSuspends else { return }
        let page = slot & ~UInt(PageRange.pageSize - 1)
        if written.regions.covers(page) { return }
        if let last = scratch.suspended.last, last.contains(page) { return }
        let owner = pages.ownerOf(slot)
        if let id = owner.arena, arenas.record(id).pointee.suspendedIn == statistics.minorCollections { return }
        suspendForCollector(PageRange(start: page, end: page + UInt(PageRange.pageSize)))
    }

    /// Young registrations whose object nothing copied: each is kept
    /// (copied now) and queued. Decided for all before copying any, so an
    /// object registered twice comes back twice.
    private func preserveUnreachableYoungRegistrations() -> Bool {
        guard !weak.guardians.young.isEmpty else { return false }
        let registrations = weak.guardians.young
        let dead = registrations.map { survivor($0.object) == nil }
        if configuration.weakControl == .guardiansIgnored {
            weak.guardians.young = registrations.indices.filter { !dead[$0] }.map { i in
                var r = registrations[i]
                r.object = survivor(r.object)!
                return r
            }
            weak.guardians.old += weak.guardians.young.filter { !isYoung($0.object) }
            weak.guardians.young.removeAll { !isYoung($0.object) }
            return false
        }
        var young: [GuardianTable.Registration] = [], ready: [GuardianTable.Registration] = []
        for (i, var r) in registrations.enumerated() {
            r.object = dead[i] ? forward(r.object) : survivor(r.object)!
            if dead[i] { ready.append(r) } else if isYoung(r.object) { young.append(r) } else { weak.guardians.old.append(r) }
        }
        weak.guardians.young = young
        weak.guardians.makeReady(ready)
        statistics.guardedObjectsReady += ready.count
        return !ready.isEmpty
    }

    private func clearWeakInMinor() {
        for i in 0..<weak.found.count {
            let w = weak.found[i]
            var holdsYoung = false
            let first = Layout.slot(w, 0).pointee
            if isYoung(first) {
                if let moved = survivor(first) {
                    if moved != first { writeWeakField(w, 0, moved) }
                    holdsYoung = isYoung(moved)
                } else {
                    writeWeakField(w, 0, 0)
                    if Layout.kind(w) == .ephemeron {
                        writeWeakField(w, 1, 0)
                        statistics.ephemeronsCleared += 1
                    } else {
                        statistics.weakBoxesCleared += 1
                    }
                }
            }
            if Layout.kind(w) == .ephemeron, isYoung(Layout.slot(w, 1).pointee) { holdsYoung = true }
            if holdsYoung, !isYoung(w) { weak.nextRemembered.append(w) }
        }
        weak.found.removeAll()
        weak.pending.removeAll()
    }

    // MARK: - Major collections (stop-the-world and the concurrent final pause)

    /// Writes nil into old slots with the mutators stopped and no minor
    /// under way: page barriers suspend each page first and re-arm it after
    /// (every page was re-armed by the minor just before, so only these
    /// writes are forgotten); card barriers need nothing, since nil is
    /// never an old-to-young pointer.
    func clearOldSlotsOutsideMinor(_ slots: [UInt]) {
        guard !slots.isEmpty else { return }
        var runs: [PageRange] = []
        if watchesPages && collectorSuspends {
            let mask = ~UInt(PageRange.pageSize - 1)
            runs = slots.map { PageRange(start: $0 & mask, end: ($0 & mask) + UInt(PageRange.pageSize)) }
            runs.sortAndCoalesce()
            for r in runs { barrier.suspend(r) }
            statistics.collectorSuspends += runs.count
        }
        for s in slots { UnsafeMutablePointer<UInt>(bitPattern: s).unsafelyUnwrapped.pointee = 0 }
        for r in runs { barrier.discard(r) }
    }

    /// After marking to a fixpoint with ephemerons (`isMarked` answers for
    /// any word, `mark` greys, `drain` traces): guardians, then clearing,
    /// then the weak remembered set for the next minor. `oldOnly` is the
    /// concurrent final pause, where young objects count as alive (they are
    /// the old space's roots) and the minors decide their fate.
    func finishWeakInMajor(oldOnly: Bool, isMarked: (UInt) -> Bool, mark: (UInt) -> Void, drain: () -> Void) {
        let control = configuration.weakControl
        if control == .weakAsStrong {
            var i = 0
            while i < weak.found.count {
                if Layout.kind(weak.found[i]) == .weakBox { mark(Layout.slot(weak.found[i], 0).pointee); drain() }
                i += 1
            }
        }
        func resolve() {
            while !weak.pending.isEmpty {
                var kept = 0
                let before = weak.pending.count
                for i in 0..<before {
                    let e = weak.pending[i]
                    if isMarked(Layout.slot(e, 0).pointee) || control == .ephemeronValuesStrong { mark(Layout.slot(e, 1).pointee) } else {
                        weak.pending[kept] = e
                        kept += 1
                    }
                }
                weak.pending.truncate(to: kept)
                guard kept < before else { return }
                drain()
            }
        }
        resolve()
        // Guardians: registrations decided before any is kept.
        let regs = oldOnly ? weak.guardians.old : weak.guardians.young + weak.guardians.old
        if !regs.isEmpty {
            if control == .guardiansIgnored {
                // The dead registrations are dropped: their objects die.
                let live = regs.indices.filter { isMarked(regs[$0].object) }.map { regs[$0] }
                if oldOnly { weak.guardians.old = live } else {
                    weak.guardians.young = live.filter { isYoung($0.object) }
                    weak.guardians.old = live.filter { !isYoung($0.object) }
                }
                return finishClearing(oldOnly: oldOnly, isMarked: isMarked)
            }
            let dead = regs.map { !isMarked($0.object) }
            var young: [GuardianTable.Registration] = [], old: [GuardianTable.Registration] = []
            var ready: [GuardianTable.Registration] = []
            for (i, r) in regs.enumerated() {
                if dead[i] { mark(r.object); ready.append(r) } else if isYoung(r.object) { young.append(r) } else { old.append(r) }
            }
            if oldOnly { weak.guardians.old = old } else { weak.guardians.young = young; weak.guardians.old = old }
            weak.guardians.makeReady(ready)
            statistics.guardedObjectsReady += ready.count
            if !ready.isEmpty { drain(); resolve() }
        }
        finishClearing(oldOnly: oldOnly, isMarked: isMarked)
    }

    /// Clears the weak fields whose target or key is unmarked (only live
    /// weak objects are in `found`), and rebuilds the weak remembered set.
    private func finishClearing(oldOnly: Bool, isMarked: (UInt) -> Bool) {
        var oldSlots: [UInt] = []
        weak.nextRemembered.removeAll()
        weak.found.sortAndUnique()
        for i in 0..<weak.found.count {
            let w = weak.found[i]
            let first = Layout.slot(w, 0).pointee
            let judged = !(oldOnly && isYoung(first))
            if judged && !isMarked(first) {
                let fields = Layout.kind(w) == .ephemeron ? 2 : 1
                for f in 0..<fields {
                    let slot = Layout.slot(w, f)
                    if isYoung(w) { slot.pointee = 0 } else { oldSlots.append(UInt(bitPattern: slot)) }
                }
                if fields == 2 { statistics.ephemeronsCleared += 1 } else { statistics.weakBoxesCleared += 1 }
            } else if !isYoung(w), isYoung(first) || (Layout.kind(w) == .ephemeron && isYoung(Layout.slot(w, 1).pointee)) {
                weak.nextRemembered.append(w)
            }
        }
        clearOldSlotsOutsideMinor(oldSlots)
        weak.found.removeAll()
        weak.pending.removeAll()
        if oldOnly {
            // Old weak objects the minors track that this cycle found dead
            // go with them (their cells may be reused); the rest stay.
            for i in 0..<weak.remembered.count where isMarked(weak.remembered[i]) { weak.nextRemembered.append(weak.remembered[i]) }
        }
        swap(&weak.remembered, &weak.nextRemembered)
        weak.remembered.sortAndUnique()
        weak.nextRemembered.removeAll()
    }
}
