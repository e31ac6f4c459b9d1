#if canImport(Glibc)
import Glibc
#endif
import CWriteWatchAPI
import WriteWatch

/// A tracker behind a `ww_tracker`, with the ranges a collect could not
/// hand over.
///
/// Invariant: a page written since the previous successful collect is
/// either still armed-and-written in the kernel or in `pending`, never
/// neither. A collect re-arms before it knows whether the caller's array is
/// large enough, so what did not fit stays in `pending` and is returned,
/// merged with newer writes, by the next collect; `reset` and `untrack`
/// drop the pending pages they cover, as they drop the kernel's.
final class TrackerHandle {
    let tracker: any WriteTracker
    let name: UnsafeMutablePointer<CChar>
    let notice: UnsafeMutablePointer<CChar>?
    var pending: [PageRange] = []

    init(_ tracker: any WriteTracker, notice: String?) {
        self.tracker = tracker
        name = strdup(tracker.mechanism.rawValue)
        self.notice = notice.map { strdup($0) }
    }

    deinit {
        tracker.close()
        free(name)
        free(notice)
    }

    /// Hands `ranges` to the caller's array, or says how many it needs.
    func deliver(_ ranges: [PageRange], to out: UnsafeMutablePointer<ww_range>?, capacity: Int,
                 count: UnsafeMutablePointer<Int>?) throws(APIError) {
        guard let count else { throw .null("count") }
        // NULL with capacity 0 asks how many; NULL with room claimed is a bug.
        guard out != nil || capacity == 0 else { throw .null("ranges") }
        count.pointee = ranges.count
        guard ranges.count <= capacity else { throw .bufferTooSmall(needed: ranges.count, what: "ranges") }
        guard let out else {
            if ranges.isEmpty { return }
            throw .null("ranges")
        }
        for (i, r) in ranges.enumerated() { out[i] = ww_range(start: r.start, end: r.end) }
    }

    /// Runs `operation` on the range the caller named; if it `forgets` the
    /// kernel's record of writes there (untrack, reset), drops the pending
    /// pages there too.
    func apply(_ start: UnsafeMutableRawPointer?, _ length: Int, forgets: Bool,
               _ operation: (any WriteTracker, PageRange) throws(WriteWatchError) -> Void) throws(APIError) {
        let r = try range(start, length)
        try trackerCall { () throws(WriteWatchError) in try operation(tracker, r) }
        if forgets { pending = pending.subtracting(r) }
    }
}

let trackers = HandleTable<TrackerHandle>("tracker", capacity: 1 << 10)

@inline(__always)
func withTracker(_ t: ww_tracker, _ body: (TrackerHandle) throws(APIError) -> Void) -> ww_status {
    withHandle(trackers.slots, t.id, trackers.what, body)
}

/// `start` and `length` as a range, refusing NULL and overflow (alignment
/// is the tracker's to check, with its own message).
func range(_ start: UnsafeMutableRawPointer?, _ length: Int) throws(APIError) -> PageRange {
    guard let start else { throw .null("start") }
    let s = UInt(bitPattern: start)
    guard length > 0, UInt(length) <= UInt.max - s else {
        throw .invalidArgument("length \(length) at 0x\(String(s, radix: 16)) is empty or wraps around the address space")
    }
    return PageRange(start: s, end: s + UInt(length))
}

@_cdecl("ww_probe")
public func cProbe(_ text: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ length: UnsafeMutablePointer<Int>?) -> ww_status {
    api { () throws(APIError) in
        guard let length else { throw .null("length") }
        let bytes = Array(Probe.run().description.utf8CString)
        length.pointee = bytes.count
        guard bytes.count <= capacity else { throw .bufferTooSmall(needed: bytes.count, what: "bytes") }
        guard let text else { throw .null("text") }
        bytes.withUnsafeBufferPointer { text.update(from: $0.baseAddress!, count: bytes.count) }
    }
}

@_cdecl("ww_tracker_open")
public func cTrackerOpen(_ mechanism: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<ww_tracker>?) -> ww_status {
    api { () throws(APIError) in
        guard let mechanism else { throw .null("mechanism") }
        guard let out else { throw .null("tracker") }
        let name = String(cString: mechanism)
        var chosen: Mechanism
        var notice: String?
        if name == "auto" {
            chosen = .uffdAsync
            if case let .unavailable(reason)? = Probe.run().results[.uffdAsync] {
                chosen = .mprotect
                notice = "auto: falling back to mprotect: \(reason)"
            }
        } else {
            guard let m = Mechanism(rawValue: name) else {
                let names = (["auto"] + Mechanism.allCases.map(\.rawValue)).joined(separator: ", ")
                throw .invalidArgument("unknown mechanism \"\(name)\": use one of \(names)")
            }
            chosen = m
        }
        let tracker = try trackerCall { () throws(WriteWatchError) in try makeTracker(chosen) }
        out.pointee = ww_tracker(id: try trackers.add(TrackerHandle(tracker, notice: notice)))
    }
}

@_cdecl("ww_tracker_mechanism")
public func cTrackerMechanism(_ t: ww_tracker, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                              _ notice: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> ww_status {
    withTracker(t) { h throws(APIError) in
        try output(name, "name", UnsafePointer(h.name))
        notice?.pointee = h.notice.map { UnsafePointer($0) }
    }
}

@_cdecl("ww_tracker_track")
public func cTrackerTrack(_ t: ww_tracker, _ start: UnsafeMutableRawPointer?, _ length: Int) -> ww_status {
    withTracker(t) { h throws(APIError) in try h.apply(start, length, forgets: false) { (t, r) throws(WriteWatchError) in try t.track(r) } }
}

@_cdecl("ww_tracker_untrack")
public func cTrackerUntrack(_ t: ww_tracker, _ start: UnsafeMutableRawPointer?, _ length: Int) -> ww_status {
    withTracker(t) { h throws(APIError) in try h.apply(start, length, forgets: true) { (t, r) throws(WriteWatchError) in try t.untrack(r) } }
}

@_cdecl("ww_tracker_collect")
public func cTrackerCollect(_ t: ww_tracker, _ out: UnsafeMutablePointer<ww_range>?, _ capacity: Int,
                            _ count: UnsafeMutablePointer<Int>?) -> ww_status {
    withTracker(t) { h throws(APIError) in
        guard count != nil else { throw .null("count") }
        var fresh: [PageRange] = []
        try trackerCall { () throws(WriteWatchError) in _ = try h.tracker.collect(into: &fresh) }
        h.pending = h.pending.merged(with: fresh)
        try h.deliver(h.pending, to: out, capacity: capacity, count: count)
        h.pending.removeAll()
    }
}

@_cdecl("ww_tracker_peek")
public func cTrackerPeek(_ t: ww_tracker, _ out: UnsafeMutablePointer<ww_range>?, _ capacity: Int,
                         _ count: UnsafeMutablePointer<Int>?) -> ww_status {
    withTracker(t) { h throws(APIError) in
        var fresh: [PageRange] = []
        try trackerCall { () throws(WriteWatchError) in _ = try h.tracker.peek(into: &fresh) }
        try h.deliver(h.pending.merged(with: fresh), to: out, capacity: capacity, count: count)
    }
}

@_cdecl("ww_tracker_reset")
public func cTrackerReset(_ t: ww_tracker, _ start: UnsafeMutableRawPointer?, _ length: Int) -> ww_status {
    withTracker(t) { h throws(APIError) in try h.apply(start, length, forgets: true) { (t, r) throws(WriteWatchError) in try t.reset(r) } }
}

@_cdecl("ww_tracker_stats_get")
public func cTrackerStats(_ t: ww_tracker, _ out: UnsafeMutablePointer<ww_tracker_stats>?) -> ww_status {
    withTracker(t) { h throws(APIError) in
        let s = h.tracker.statistics
        try output(out, "stats", ww_tracker_stats(collects: UInt64(s.collects), scan_calls: UInt64(s.scanCalls),
                                                  pages_reported: UInt64(s.pagesReported),
                                                  degraded_collects: UInt64(s.degradedCollects)))
    }
}

@_cdecl("ww_tracker_close")
public func cTrackerClose(_ t: ww_tracker) -> ww_status {
    api { () throws(APIError) in try trackers.remove(t.id) }
}
