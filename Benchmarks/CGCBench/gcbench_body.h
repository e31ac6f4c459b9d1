/* GCBench's body for one store kind (KIND, NAME: see per_kind.h), with the
 * Swift workload's phases and checks: a stretch tree, a long-lived tree
 * and array, trees of depth 4 to 16 built top-down and bottom-up.
 *
 * Invariant: what must survive (the long-lived tree and array) is held in
 * roots, everything else only on the shadow stack while it is built, so
 * the final walk checks exactly what the collector had to keep. */
#include "trees_body.h"

static int NAME(body)(struct bench *b, const void *params) {
    const ww_gcbench_params *p = params;
    (void)NAME(bottom_up)(b, p->stretch_depth, 1);

    ww_root long_lived, array;
    check_call(b, ww_root_create(b->heap, new_node(b, 1), &long_lived));
    push(b, root_value(b, long_lived));
    NAME(populate)(b, p->long_lived_depth);
    (void)pop(b);

    ww_value a;
    check_call(b, ww_allocate(b->m, 0, (size_t)p->array_size * 8, 0, &a));
    check_call(b, ww_root_create(b->heap, a, &array));
    double *numbers = ww_data(a); /* large: it never moves */
    for (int i = 0; i < p->array_size / 2; i++) numbers[i] = 1.0 / (double)i;

    long built = 0;
    for (int depth = p->min_depth; depth <= p->max_depth; depth += 2) {
        long iterations = 2 * tree_size(p->stretch_depth) / tree_size(depth);
        for (long k = 0; k < iterations; k++) {
            push(b, new_node(b, 1));
            NAME(populate)(b, depth);
            (void)pop(b);
        }
        for (long k = 0; k < iterations; k++) (void)NAME(bottom_up)(b, depth, 1);
        built += 2 * iterations;
    }

    long nodes = check_tree(b, root_value(b, long_lived), p->long_lived_depth);
    if (nodes < 0) return -1;
    if (nodes != tree_size(p->long_lived_depth))
        return bench_fail(b, "long-lived tree has %ld nodes, expected %ld", nodes, tree_size(p->long_lived_depth));
    double probe = ((double *)ww_data(root_value(b, array)))[1000];
    if (probe != 1.0 / 1000) return bench_fail(b, "long-lived array element 1000 is %g", probe);
    check_call(b, ww_root_release(b->heap, long_lived));
    check_call(b, ww_root_release(b->heap, array));
    return bench_say(b, 0, "%ld short-lived trees; long-lived tree %ld nodes and array intact", built, nodes);
}
