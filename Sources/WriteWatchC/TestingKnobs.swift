import CWriteWatchAPI
import Synchronization

/// Testing knobs of the C API, kept out of writewatch.h and its structs:
/// an embedder's program cannot reach them by accident, and the ABI does
/// not change when a test needs a new one. The C tests declare the
/// functions themselves.
enum TestingKnobs {
    /// userfaultfd feature bits every later `ww_heap_create` hides from its
    /// probe, to test the answer on a kernel without them (0: none).
    static let maskedKernelFeatures = Atomic<UInt64>(0)
}

/// Testing only (not in writewatch.h): hides userfaultfd feature bits from
/// the heaps created after it, as if the kernel lacked them.
@_cdecl("ww_testing_mask_kernel_features")
public func cTestingMaskKernelFeatures(_ bits: UInt64) {
    TestingKnobs.maskedKernelFeatures.store(bits, ordering: .relaxed)
}
