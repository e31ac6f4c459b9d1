/* The Benchmarks Game's binary-trees on Boehm GC, with the parameters and
 * checks of gcbench's Swift workload (BinaryTrees.swift): a stretch tree of
 * depth N+1, a long-lived tree of depth N, and 2^(N-d+4) trees of each
 * depth d from 4 to N, every one counted.
 *
 * Usage: bdwgc-binarytrees [N] [--incremental]   (default 21) */
#include "peer.h"

typedef struct Node { struct Node *left, *right; } Node;

static Node *make_tree(int depth) {
    Node *n = GC_MALLOC(sizeof(Node));
    if (!n) peer_fail("out of memory");
    if (depth > 0) {
        n->left = make_tree(depth - 1);
        n->right = make_tree(depth - 1);
    }
    return n;
}

static long count(Node *n) { return n ? 1 + count(n->left) + count(n->right) : 0; }

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

int main(int argc, char **argv) {
    const char *barrier = peer_start(argc, argv);
    int n = peer_int_arg(argc, argv, 21);
    int min_depth = 4;
    int max_depth = n > min_depth + 2 ? n : min_depth + 2;
    double t0 = peer_now();

    if (count(make_tree(max_depth + 1)) != tree_size(max_depth + 1)) peer_fail("the stretch tree is wrong");
    Node *long_lived = make_tree(max_depth);
    long total = 0;
    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + min_depth), check = 0;
        for (long i = 0; i < iterations; i++) check += count(make_tree(depth));
        if (check != iterations * tree_size(depth)) peer_fail("a short-lived tree lost nodes");
        total += check;
    }
    if (count(long_lived) != tree_size(max_depth)) peer_fail("the long-lived tree lost nodes");
    double wall = peer_now() - t0;

    char parameters[64], summary[128];
    snprintf(parameters, sizeof parameters, "N = %d", n);
    snprintf(summary, sizeof summary, "%ld nodes checked; long-lived tree of depth %d intact", total, max_depth);
    peer_report("binarytrees", barrier, parameters, summary, wall);
    return 0;
}
