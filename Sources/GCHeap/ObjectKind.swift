/// What the collector must know of an object beyond its size: whether its
/// pointer fields are strong.
///
/// Kept in two bits of the header (`Layout.kindMask`), set once at
/// allocation and copied with the object, so every tracer (minor, major,
/// concurrent marker, verifier) reads it from the object itself and no
/// table can disagree with the heap.
public enum ObjectKind: UInt8, Sendable {
    /// Every pointer field keeps its target alive.
    case plain = 0
    /// One field, the target, which the box does not keep alive: a
    /// collection that finds the target unreachable sets it to nil.
    case weakBox = 1
    /// Two fields, key and value: the value is kept alive only while the
    /// key is alive by other paths; once the key is found dead both read nil.
    case ephemeron = 2
}

extension ObjectKind {
    /// The kind's name in messages.
    public var name: String {
        switch self {
        case .plain: "plain object"
        case .weakBox: "weak box"
        case .ephemeron: "ephemeron"
        }
    }

    var article: String { self == .ephemeron ? "an" : "a" }
}
