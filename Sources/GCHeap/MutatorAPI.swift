/// What one thread allocates, stores and keeps roots through: the heap's
/// own methods (the creating thread's main mutator) or an attached thread's
/// `Mutator`. Code generic over it is specialised for each, so neither
/// pays a call or a dynamic dispatch: benchmarks run the same body on one
/// thread or many, and the C API builds each mutator's operations once.
public protocol MutatorAPI {
    associatedtype B: Barrier
    /// The heap this mutator belongs to.
    var heap: Heap<B> { get }
    func allocate(pointers: Int, bytes: Int, tag: UInt32) throws(HeapError) -> ObjectRef
    func load(_ object: ObjectRef, _ field: Int) -> Value
    func store(_ object: ObjectRef, _ field: Int, _ target: ObjectRef?)
    func store(_ object: ObjectRef, _ field: Int, _ value: Value)
    func push(_ object: ObjectRef)
    func push(_ value: Value)
    @discardableResult func pop() -> Value
    func peek(_ depth: Int) -> Value
    var stackDepth: Int { get }
    func stackSlot(_ index: Int) -> Value
    func setStackSlot(_ index: Int, _ value: Value)
    func truncateStack(to depth: Int)
    func safepoint()
    func deactivate()
    func activate()
    func collectMinor() throws(HeapError)
    func collectMajor() throws(HeapError)
    /// See `Mutator.fastPathState`.
    var fastPathState: UnsafeMutableRawPointer { get }
}

extension Heap: MutatorAPI {
    public var heap: Heap<B> { self }
}

extension Mutator: MutatorAPI {}
