/* The Benchmarks Game's binary-trees on HotSpot, single-threaded, with the
 * parameters, checks and summary of gcbench's Swift workload
 * (Workloads/BinaryTrees.swift, and the C peer bdwgc/binarytrees.c): a
 * stretch tree of depth N+1, a long-lived tree of depth N, and 2^(N-d+4)
 * trees of each depth d from 4 to N, every one counted.
 *
 * Usage: java BinaryTrees [N] BARRIER   (default 21) */
public final class BinaryTrees {
    static final class Node {
        Node left, right;
    }

    static Node makeTree(int depth) {
        Node n = new Node();
        if (depth > 0) {
            n.left = makeTree(depth - 1);
            n.right = makeTree(depth - 1);
        }
        return n;
    }

    static long count(Node n) { return n == null ? 0 : 1 + count(n.left) + count(n.right); }

    static long treeSize(int depth) { return (1L << (depth + 1)) - 1; }

    public static void main(String[] args) {
        int n = PeerReport.parse(args, "BinaryTrees [N] BARRIER", 21)[0];
        int minDepth = 4;
        int maxDepth = Math.max(minDepth + 2, n);
        PeerReport.start();

        if (count(makeTree(maxDepth + 1)) != treeSize(maxDepth + 1)) PeerReport.fail("stretch tree is wrong");
        Node longLived = makeTree(maxDepth);
        long total = 0, expected = 0;
        for (int depth = minDepth; depth <= maxDepth; depth += 2) {
            long iterations = 1L << (maxDepth - depth + minDepth);
            for (long i = 0; i < iterations; i++) total += count(makeTree(depth));
            expected += iterations * treeSize(depth);
        }
        if (total != expected) PeerReport.fail("checked " + total + " nodes, expected " + expected);
        long kept = count(longLived);
        if (kept != treeSize(maxDepth)) PeerReport.fail("long-lived tree has " + kept + " nodes");
        PeerReport.report("binarytrees", "N = " + n,
            total + " nodes checked; long-lived tree of depth " + maxDepth + " intact");
    }
}
