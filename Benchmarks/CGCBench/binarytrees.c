/* The Benchmarks Game's binary-trees on WriteWatch's C API, run in-process
 * by gcbench as workload binarytrees-c beside the Swift binarytrees: the
 * same trees (bottom-up, depth 4 to N, 2^(N - d + 4) of each, a stretch
 * tree and one long-lived tree), the same node layout (two pointers, no
 * data), the same checks and summary.
 *
 * Invariant: the mutator is what a compiled runtime would emit (inline
 * bump allocation, inline push and pop, the store kind a constant in each
 * body), so a row against a peer measures the heap, not a call per
 * operation. */
#include "CGCBench.h"

#include "bench.h"

#define BENCH_BODY "binarytrees_body.h"
#include "per_kind.h"

int ww_binarytrees_run(ww_heap heap, ww_mutator m, const ww_binarytrees_params *params, char *summary, size_t capacity) {
    return bench_run(heap, m, 0, BENCH_BODIES, params, summary, capacity);
}
