/// A growable array of plain words in malloc'ed memory, owned by exactly one
/// place (it cannot be copied).
///
/// The collector and the mutator's shadow stack use it where a Swift `Array`
/// would cost a uniqueness check on every write and retain/release around
/// every access: those runtime calls were a third of GCBench's samples. Its
/// elements are `BitwiseCopyable`, so nothing is ever retained, and growth is
/// the one out-of-line path. Indices are not checked in release builds: every
/// caller indexes below `count` by construction.
@usableFromInline
struct RawStack<Element: BitwiseCopyable>: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int

    init(capacity: Int = 64) {
        base = .allocate(capacity: capacity)
        count = 0
        self.capacity = capacity
    }

    deinit { base.deallocate() }

    @inlinable @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = element
        count &+= 1
    }

    @inlinable @inline(__always)
    mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count &-= 1
        return base[count]
    }

    @inlinable @inline(__always)
    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }

    @inlinable @inline(__always)
    var last: Element? { count > 0 ? base[count &- 1] : nil }

    @inlinable @inline(__always)
    var isEmpty: Bool { count == 0 }

    @inlinable @inline(__always)
    mutating func removeAll() { count = 0 }

    /// Keeps the first `n` elements.
    mutating func truncate(to n: Int) {
        precondition(n >= 0 && n <= count, "truncate to \(n) of \(count)")
        count = n
    }

    /// Makes room for at least `minimum` elements. Out of line: it runs
    /// once per doubling, never in a steady state.
    @usableFromInline @inline(never)
    mutating func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2, 16)
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        fresh.moveInitialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }

    /// The live elements, for sorting or reading in bulk. The buffer is
    /// invalid after the next append.
    var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }

    /// A copy as a Swift array, for tools and tests (never on a hot path).
    var array: [Element] { Array(buffer) }
}

extension RawStack where Element: Comparable {
    /// Sorts in place and drops repeated elements.
    mutating func sortAndUnique() {
        guard count > 1 else { return }
        var live = buffer
        live.sort()
        var out = 1
        for i in 1..<count where base[i] != base[out - 1] {
            base[out] = base[i]
            out += 1
        }
        count = out
    }
}
