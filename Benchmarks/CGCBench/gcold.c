/* Detlefs' GCOld (Clinger's 1.0 revision) on WriteWatch's C API, run
 * in-process by gcbench as workload gcold-c beside the Swift gcold: a large
 * old generation of height-14 trees, 1 MB of young garbage a step, new
 * trees grafted into old ones and subtrees swapped between old trees.
 *
 * Invariant: what the Swift workload computes, this computes (the same
 * sizes, the same random sequence, the same stores in the same order), so
 * under any sound barrier the two summaries are identical; the mutator is
 * compiled (inline allocation, push and pop, the store kind a constant in
 * each body). */
#include "CGCBench.h"

#include "bench.h"

enum { GCOLD_TREE_HEIGHT = 14, GCOLD_BYTES_PER_NODE = 40, GCOLD_WORDS_DEAD = 100, GCOLD_MEG = 1000000 };

/* The original's sizes: a node counts as 40 bytes whatever its real size,
 * so the tree counts and graft heights match the Java program's. */
static long gcold_bytes(int h) { return h == 0 ? 0 : GCOLD_BYTES_PER_NODE * ((1L << h) - 1); }

/* The tallest tree that fits in `bytes`. */
static int gcold_height(long bytes) {
    int h = 1;
    long n = 1, limit = bytes / GCOLD_BYTES_PER_NODE;
    while (n + n - 1 <= limit) {
        n += n;
        h += 1;
    }
    return h - 1;
}

/* `v`, checked to be a tree node (two fields, an 8-byte height) before
 * the mutator follows it, as the Swift workload's checked load and data
 * access check it: under the none barrier a lost young tree's memory is
 * reused, and the run must end with this message, not read on. A word
 * outside the heap still faults: the C API has no call that says whether
 * an address is the heap's. */
static inline ww_value gcold_node(struct bench *b, ww_value v) {
    if (__builtin_expect(!ww_is_object(v) || ww_pointer_count(v) != 2 || ww_data_size(v) != 8, 0)) {
        bench_fail(b, "a word the trees hold is not a tree node: a young tree was lost and its memory reused");
        longjmp(b->failed, 1);
    }
    return v;
}

/* A node's data: the height of the tree it roots. */
static int64_t gcold_val(struct bench *b, ww_value node) { return *(const int64_t *)ww_data(gcold_node(b, node)); }

/* HeapTrace's SplitMix64, so the swaps pick the trees the Swift run picks. */
static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Every leaf of tree `i` must sit at depth GCOLD_TREE_HEIGHT: grafts and
 * swaps keep trees balanced, so a lost young subtree shows as a wrong
 * height. Each node must also hold its subtree's height (grafts and swaps
 * move whole subtrees of the height they replace), which a reused node's
 * memory rarely does. */
static int gcold_check_heights(struct bench *b, ww_value tree, long i) {
    enum { cap = 4 * GCOLD_TREE_HEIGHT };
    struct item { ww_value v; int d; } stack[cap];
    int n = 0, lo = 1 << 30, hi = 0;
    stack[n++] = (struct item){tree, 0};
    while (n > 0) {
        struct item it = stack[--n];
        if (it.v == WW_NULL) {
            lo = it.d < lo ? it.d : lo;
            hi = it.d > hi ? it.d : hi;
            continue;
        }
        if (it.d >= GCOLD_TREE_HEIGHT + 2 || n + 2 > cap) return bench_fail(b, "tree %ld: a path deeper than %d", i, it.d);
        if (gcold_val(b, it.v) != GCOLD_TREE_HEIGHT - it.d)
            return bench_fail(b, "tree %ld: a node at depth %d holds height %lld", i, it.d, (long long)gcold_val(b, it.v));
        stack[n++] = (struct item){ww_load(it.v, 0), it.d + 1};
        stack[n++] = (struct item){ww_load(it.v, 1), it.d + 1};
    }
    if (lo != GCOLD_TREE_HEIGHT || hi != GCOLD_TREE_HEIGHT)
        return bench_fail(b, "tree %ld: heights %d...%d, expected %d", i, lo, hi, GCOLD_TREE_HEIGHT);
    return 0;
}

#define BENCH_BODY "gcold_body.h"
#include "per_kind.h"

int ww_gcold_run(ww_heap heap, ww_mutator m, const ww_gcold_params *params, char *summary, size_t capacity) {
    return bench_run(heap, m, 8, BENCH_BODIES, params, summary, capacity); /* the data word holds the subtree's height */
}
