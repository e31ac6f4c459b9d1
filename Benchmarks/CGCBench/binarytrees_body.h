/* binarytrees' body for one store kind (KIND, NAME: see per_kind.h), with
 * the Swift workload's (Benchmarks/gcbench/Workloads/BinaryTrees.swift)
 * phases, counts and checks, message for message.
 *
 * Invariant: every tree is walked by check_tree right after it is built,
 * with no allocation in between, so its nodes need no root; only the
 * long-lived tree, which must outlive everything else, is held in one. */
#include "trees_body.h"

static int NAME(body)(struct bench *b, const void *params) {
    int max_depth = ((const ww_binarytrees_params *)params)->n;
    if (max_depth < WW_BINARYTREES_MIN_DEPTH + 2) max_depth = WW_BINARYTREES_MIN_DEPTH + 2;

    long stretch = check_tree(b, NAME(bottom_up)(b, max_depth + 1, 1), max_depth + 1);
    if (stretch < 0) return -1;
    if (stretch != tree_size(max_depth + 1)) return bench_fail(b, "stretch tree is wrong");
    ww_root long_lived;
    check_call(b, ww_root_create(b->heap, NAME(bottom_up)(b, max_depth, 1), &long_lived));

    long total = 0, expected = 0;
    for (int depth = WW_BINARYTREES_MIN_DEPTH; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + WW_BINARYTREES_MIN_DEPTH);
        for (long k = 0; k < iterations; k++) {
            long nodes = check_tree(b, NAME(bottom_up)(b, depth, 1), depth);
            if (nodes < 0) return -1;
            total += nodes;
        }
        expected += iterations * tree_size(depth);
    }
    if (total != expected) return bench_fail(b, "checked %ld nodes, expected %ld", total, expected);
    long kept = check_tree(b, root_value(b, long_lived), max_depth);
    if (kept < 0) return -1;
    if (kept != tree_size(max_depth)) return bench_fail(b, "long-lived tree has %ld nodes", kept);
    check_call(b, ww_root_release(b->heap, long_lived));
    return bench_say(b, 0, "%ld nodes checked; long-lived tree of depth %d intact", total, max_depth);
}
