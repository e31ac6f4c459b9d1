/* Ellis, Kovac and Boehm's GCBench on HotSpot, with the parameters, checks
 * and summary of gcbench's Swift workload (Workloads/GCBench.swift, and the
 * C peer bdwgc/gcbench.c), so its record sits beside ours in one table: a
 * stretch tree, a long-lived tree and array, then short-lived trees of
 * depths 4 to stretch-2 built top-down and bottom-up.
 *
 * Usage: java GCBench [STRETCH_DEPTH] BARRIER   (default 18) */
public final class GCBench {
    static final class Node {
        Node left, right;
        int i, j;                       // the original's two int payload fields
        Node(Node left, Node right) { this.left = left; this.right = right; }
    }

    static long treeSize(int depth) { return (1L << (depth + 1)) - 1; }

    /* Top-down: the parent exists before its children. */
    static void populate(int depth, Node node) {
        if (depth <= 0) return;
        node.left = new Node(null, null);
        node.right = new Node(null, null);
        populate(depth - 1, node.left);
        populate(depth - 1, node.right);
    }

    /* Bottom-up: children first. */
    static Node makeTree(int depth) {
        if (depth <= 0) return new Node(null, null);
        return new Node(makeTree(depth - 1), makeTree(depth - 1));
    }

    static long count(Node n) { return n == null ? 0 : 1 + count(n.left) + count(n.right); }

    public static void main(String[] args) {
        int stretch = PeerReport.parse(args, "GCBench [STRETCH_DEPTH] BARRIER", 18)[0];
        int longLivedDepth = stretch - 2, minDepth = 4, maxDepth = stretch - 2;
        int arraySize = 500_000;
        PeerReport.start();

        makeTree(stretch);

        Node longLived = new Node(null, null);
        populate(longLivedDepth, longLived);

        double[] array = new double[arraySize];
        for (int i = 0; i < arraySize / 2; i++) array[i] = 1.0 / i;

        long built = 0;
        for (int depth = minDepth; depth <= maxDepth; depth += 2) {
            long iterations = 2 * treeSize(stretch) / treeSize(depth);
            for (long k = 0; k < iterations; k++) populate(depth, new Node(null, null));
            for (long k = 0; k < iterations; k++) makeTree(depth);
            built += 2 * iterations;
        }

        long nodes = count(longLived);
        if (nodes != treeSize(longLivedDepth))
            PeerReport.fail("long-lived tree has " + nodes + " nodes, expected " + treeSize(longLivedDepth));
        if (array[1000] != 1.0 / 1000) PeerReport.fail("long-lived array element 1000 is " + array[1000]);
        PeerReport.report("gcbench",
            "stretch " + stretch + ", long-lived " + longLivedDepth + ", array " + arraySize + ", depths " + minDepth + "-" + maxDepth,
            built + " short-lived trees; long-lived tree " + nodes + " nodes and array intact");
    }
}
