/* Ellis, Kovac and Boehm's GCBench on Boehm GC, with the parameters and
 * the live-data checks of gcbench's Swift workload (GCBench.swift): a
 * stretch tree, a long-lived tree and array, then short-lived trees of
 * depths 4 to max built top-down and bottom-up.
 *
 * Usage: bdwgc-gcbench [STRETCH_DEPTH] [--incremental]   (default 18) */
#include "peer.h"

typedef struct Node {
    struct Node *left, *right;
    int i, j;                       /* the original's two int payload fields */
} Node;

static Node *new_node(Node *left, Node *right) {
    Node *n = GC_MALLOC(sizeof(Node));
    if (!n) peer_fail("out of memory");
    n->left = left;
    n->right = right;
    return n;
}

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

/* Top-down: the parent exists before its children. */
static void populate(int depth, Node *node) {
    if (depth <= 0) return;
    node->left = new_node(NULL, NULL);
    node->right = new_node(NULL, NULL);
    populate(depth - 1, node->left);
    populate(depth - 1, node->right);
}

/* Bottom-up: children first. */
static Node *make_tree(int depth) {
    if (depth <= 0) return new_node(NULL, NULL);
    Node *left = make_tree(depth - 1);
    Node *right = make_tree(depth - 1);
    return new_node(left, right);
}

static long count(Node *n) { return n ? 1 + count(n->left) + count(n->right) : 0; }

int main(int argc, char **argv) {
    const char *barrier = peer_start(argc, argv);
    int stretch = peer_int_arg(argc, argv, 18);
    int long_lived_depth = stretch - 2, min_depth = 4, max_depth = stretch - 2;
    long array_size = 500000;
    double t0 = peer_now();

    (void)make_tree(stretch);

    Node *long_lived = new_node(NULL, NULL);
    populate(long_lived_depth, long_lived);

    double *array = GC_MALLOC_ATOMIC((size_t)array_size * sizeof(double));
    if (!array) peer_fail("out of memory");
    for (long i = 0; i < array_size / 2; i++) array[i] = 1.0 / (double)i;

    long built = 0;
    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        long iterations = 2 * tree_size(stretch) / tree_size(depth);
        for (long k = 0; k < iterations; k++) {
            Node *root = new_node(NULL, NULL);
            populate(depth, root);
        }
        for (long k = 0; k < iterations; k++) (void)make_tree(depth);
        built += 2 * iterations;
    }

    long nodes = count(long_lived);
    if (nodes != tree_size(long_lived_depth)) peer_fail("the long-lived tree lost nodes");
    if (array[1000] != 1.0 / 1000) peer_fail("long-lived array element 1000 changed");
    double wall = peer_now() - t0;

    char parameters[128], summary[160];
    snprintf(parameters, sizeof parameters, "stretch %d, long-lived %d, array %ld, depths %d-%d",
             stretch, long_lived_depth, array_size, min_depth, max_depth);
    snprintf(summary, sizeof summary, "%ld short-lived trees; long-lived tree %ld nodes and array intact", built, nodes);
    peer_report("gcbench", barrier, parameters, summary, wall);
    return 0;
}
