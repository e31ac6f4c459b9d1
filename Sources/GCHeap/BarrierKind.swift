import WriteWatch

/// The barriers by name, for choosing one at run time. Each name maps to a
/// distinct `Heap<B>` specialisation; `accept` is where the one dynamic
/// choice is made, outside every hot path.
public enum BarrierKind: String, CaseIterable, Sendable {
    case hardware
    case software
    case softwareCond = "software-cond"
    case mprotect
    case uffdSync = "uffd-sync"
    case none

    /// The barriers that give correct results (all but `none`).
    public static let sound: [BarrierKind] = [.hardware, .software, .softwareCond, .mprotect, .uffdSync]

    /// The tracking mechanism a barrier needs, if any.
    public var mechanism: Mechanism? {
        switch self {
        case .hardware: .uffdAsync
        case .mprotect: .mprotect
        case .uffdSync: .uffdSync
        case .software, .softwareCond, .none: nil
        }
    }

    /// Whether this machine can run the barrier, and if not why.
    public func availability(_ probe: Probe) -> Availability {
        guard let m = mechanism else { return .available("software only") }
        return probe.results[m] ?? .unavailable("not probed")
    }

    /// Parses a name; `auto` picks hardware where the probe allows it and
    /// otherwise software, with a notice saying why.
    public static func parse(_ name: String, probe: @autoclosure () -> Probe) -> (kind: BarrierKind, notice: String?)? {
        if name == "auto" {
            let p = probe()
            if case let .unavailable(reason) = BarrierKind.hardware.availability(p) {
                return (.software, "auto: falling back to the software barrier: \(reason)")
            }
            return (.hardware, nil)
        }
        return BarrierKind(rawValue: name).map { ($0, nil) }
    }

    @inlinable  // so the caller specialises `visit` for each concrete barrier
    public func accept<V: BarrierVisitor>(_ visitor: V) throws -> V.Output {
        switch self {
        case .hardware: try visitor.visit(HardwareBarrier.self)
        case .software: try visitor.visit(SoftwareBarrier.self)
        case .softwareCond: try visitor.visit(ConditionalSoftwareBarrier.self)
        case .mprotect: try visitor.visit(MprotectBarrier.self)
        case .uffdSync: try visitor.visit(UffdSyncBarrier.self)
        case .none: try visitor.visit(NoBarrier.self)
        }
    }
}

/// Code to run with a barrier type chosen at run time, specialised per type.
public protocol BarrierVisitor {
    associatedtype Output
    func visit<B: Barrier>(_ barrier: B.Type) throws -> Output
}
