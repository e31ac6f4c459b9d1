/// A reference to a heap object: its address, valid until the next
/// allocation or collection (either may move young objects). Keep objects
/// across those in a `Root`.
public struct ObjectRef: Hashable, Sendable {
    public let address: UInt
    @inlinable public init(address: UInt) { self.address = address }
}

/// The contents of a pointer field or root: nil, an object, or an immediate
/// (a tagged integer the collector never traces, for runtimes with fixnums).
///
/// Encoding: 0 is nil; an 8-aligned non-zero word is an object address; a
/// word with its low bit set is an immediate.
public struct Value: Hashable, Sendable {
    public var bits: UInt
    @inlinable public init(bits: UInt) { self.bits = bits }

    public static let null = Value(bits: 0)
    @inlinable public init(_ ref: ObjectRef) { bits = ref.address }
    @inlinable public init(_ ref: ObjectRef?) { bits = ref?.address ?? 0 }
    /// An immediate integer in 62 bits (63 with sign).
    @inlinable public init(immediate: Int) { bits = UInt(bitPattern: immediate << 1) | 1 }

    @inlinable public var isNull: Bool { bits == 0 }
    @inlinable public var isImmediate: Bool { bits & 1 == 1 }
    @inlinable public var ref: ObjectRef? { bits != 0 && bits & 7 == 0 ? ObjectRef(address: bits) : nil }
    @inlinable public var immediate: Int? { isImmediate ? Int(bitPattern: bits) >> 1 : nil }
}

/// Bytes in front of an object's first pointer field: its two-word header.
/// A large object starts on a page boundary, so its field `i` lies at byte
/// `objectHeaderBytes + 8 * i` of its first page.
public let objectHeaderBytes = Layout.headerBytes

/// Objects larger than this (header included) go to the large-object space
/// and are never moved; smaller ones are bump-allocated in eden.
public let maxSmallObjectBytes = Layout.maxSmallBytes

/// The object header: two words in front of the fields.
///
///     word 0: pointer count (low 32 bits) | data byte count (high 32 bits)
///             (the forwarding address while a young object is being moved)
///     word 1: embedder tag (low 32) | age (bits 32-39) | forwarded (bit 40)
///             | filler (bit 41) | kind (bits 42-43, `ObjectKind`)
///
/// Pointer fields follow the header, 8 bytes each; the data bytes follow
/// them, padded to 8. Objects are 8-aligned, so a field value with its low
/// bit set can never be an object.
@usableFromInline
enum Layout {
    @usableFromInline static let headerBytes = 16
    @usableFromInline static let forwardedBit: UInt = 1 << 40
    /// Marks the dead object that fills a retired allocation buffer's tail.
    static let fillerBit: UInt = 1 << 41
    /// Where the object's `ObjectKind` lives. Copying keeps these bits with
    /// the tag; a plain object has none set, so the collector's loops test
    /// one word they read anyway before treating an object as plain.
    static let kindShift: UInt = 42
    static let kindMask: UInt = 3 << 42
    /// Bits of word 1 that travel with a copied object (the age is rewritten).
    static let copiedBits: UInt = 0xffff_ffff | kindMask
    /// A tail of one word holds this instead (no header fits).
    static let fillerWord: UInt = 0xF1F1_F1F1_F1F1_F1F1
    /// Objects above this size go to the large-object space.
    @usableFromInline static let maxSmallBytes = 8192
    static let maxCount = Int(Int32.max)
    /// Fills evacuated nursery memory. As a header it reads as an object far
    /// too large and not forwarded; as a field it is neither a pointer
    /// (not 8-aligned) nor an immediate (low bit clear).
    static let poisonByte: UInt8 = 0xDA

    @inlinable @inline(__always)
    static func word(_ address: UInt, _ index: Int) -> UnsafeMutablePointer<UInt> {
        UnsafeMutablePointer<UInt>(bitPattern: address &+ UInt(index &* 8)).unsafelyUnwrapped
    }

    @inlinable @inline(__always)
    static func size(pointers: Int, bytes: Int) -> Int {
        headerBytes &+ pointers &* 8 &+ ((bytes &+ 7) & ~7)
    }

    @inlinable @inline(__always)
    static func pointerCount(_ object: UInt) -> Int { Int(truncatingIfNeeded: word(object, 0).pointee & 0xffff_ffff) }

    @inlinable @inline(__always)
    static func dataCount(_ object: UInt) -> Int { Int(truncatingIfNeeded: word(object, 0).pointee >> 32) }

    @inlinable @inline(__always)
    static func size(of object: UInt) -> Int { size(pointers: pointerCount(object), bytes: dataCount(object)) }

    static func tag(_ object: UInt) -> UInt32 { UInt32(truncatingIfNeeded: word(object, 1).pointee) }

    @inline(__always)
    static func kind(_ object: UInt) -> ObjectKind {
        ObjectKind(rawValue: UInt8(truncatingIfNeeded: (word(object, 1).pointee & kindMask) >> kindShift)) ?? .plain
    }

    /// Whether the object is a weak box or an ephemeron (one test on word 1).
    @inline(__always)
    static func isWeak(_ object: UInt) -> Bool { word(object, 1).pointee & kindMask != 0 }

    static func setKind(_ object: UInt, _ kind: ObjectKind) {
        let w = word(object, 1)
        w.pointee = (w.pointee & ~kindMask) | UInt(kind.rawValue) << kindShift
    }

    @inlinable @inline(__always)
    static func slot(_ object: UInt, _ field: Int) -> UnsafeMutablePointer<UInt> { word(object, 2 &+ field) }

    @inlinable @inline(__always)
    static func data(_ object: UInt) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: object &+ UInt(headerBytes &+ pointerCount(object) &* 8)).unsafelyUnwrapped
    }

    /// Fills [start, end) with one dead object, so that eden stays a
    /// sequence of objects a walker can step through.
    static func fill(_ start: UInt, _ end: UInt) {
        let gap = Int(end - start)
        if gap == 8 { word(start, 0).pointee = fillerWord; return }
        word(start, 0).pointee = UInt(gap - headerBytes) << 32
        word(start, 1).pointee = fillerBit
    }

    /// The size of the object or filler at `address` in a walk.
    static func walkSize(_ address: UInt) -> Int {
        word(address, 0).pointee == fillerWord ? 8 : size(of: address)
    }

    static func isFiller(_ address: UInt) -> Bool {
        word(address, 0).pointee == fillerWord || word(address, 1).pointee & fillerBit != 0
    }

    /// Copies an object. Most are a few words: copy those in registers, two
    /// words at a time, rather than call memmove per object.
    @inline(__always)
    static func copy(from source: UInt, to destination: UInt, size: Int) {
        let from = UnsafeRawPointer(bitPattern: source).unsafelyUnwrapped
        let to = UnsafeMutableRawPointer(bitPattern: destination).unsafelyUnwrapped
        guard size <= 64 else { return to.copyMemory(from: from, byteCount: size) }
        var offset = 0
        while offset &+ 16 <= size {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset, as: SIMD2<UInt64>.self), toByteOffset: offset, as: SIMD2<UInt64>.self)
            offset &+= 16
        }
        if offset < size {
            to.storeBytes(of: from.load(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset, as: UInt64.self)
        }
    }

    /// Writes the header and zeroes the fields and data. Zeroing here, on
    /// lines the header write brings into cache anyway, replaced one memset
    /// of the used eden per minor (10% of binarytrees-c), which touched
    /// every line twice.
    @inlinable @inline(__always)
    static func initialize(_ object: UInt, pointers: Int, bytes: Int, tag: UInt32) {
        word(object, 0).pointee = UInt(pointers) | UInt(bytes) << 32
        word(object, 1).pointee = UInt(tag)
        let words = (size(pointers: pointers, bytes: bytes) &- headerBytes) >> 3
        let body = UnsafeMutablePointer<UInt>(bitPattern: object &+ UInt(headerBytes)).unsafelyUnwrapped
        // Small bodies by stores: a loop would become a call to memset (7%
        // of binarytrees when the size is not a constant at the call site).
        switch words {
        case 0: return
        case 1: body[0] = 0
        case 2: body[0] = 0; body[1] = 0
        case 3: body[0] = 0; body[1] = 0; body[2] = 0
        case 4: body[0] = 0; body[1] = 0; body[2] = 0; body[3] = 0
        default: body.initialize(repeating: 0, count: words)
        }
    }
}
