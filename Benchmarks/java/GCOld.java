/* Detlefs' GCOld (Clinger's 1.0 revision) on HotSpot, step for step the
 * Swift workload (Workloads/GCOld.swift): the same SplitMix64 sequence
 * (seed 42), tree building, grafting and subtree swaps, so its summary
 * (tree count, pointer mutations, checksum) must equal the Swift one's and
 * any difference means one of the two programs is wrong. A large live old
 * generation of height-14 trees; each step allocates 1 MB of short-lived
 * 800-byte objects, does some mutator work, allocates 1/ratio as much
 * long-lived data, and swaps subtrees between old trees.
 *
 * Usage: java GCOld [LIVE_MB WORK RATIO MUTATIONS STEPS] BARRIER
 *        (default 50 1 20 10 10000) */
public final class GCOld {
    static final class Node {
        Node left, right;
        long val;                       // the node's height, as Swift's Int64 data
    }

    static final int TREE_HEIGHT = 14, BYTES_PER_NODE = 40, WORDS_DEAD = 100, MEG = 1_000_000;

    /* HeapTrace's SplitMix64. */
    static final class SplitMix64 {
        private long state;
        SplitMix64(long seed) { state = seed; }
        long next() {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    static int nodes(int h) { return h == 0 ? 0 : (1 << h) - 1; }
    static int bytes(int h) { return BYTES_PER_NODE * nodes(h); }
    static int height(int bytes) {
        int h = 1, n = 1;
        int limit = bytes / BYTES_PER_NODE;
        while (n + n - 1 <= limit) { n += n; h += 1; }
        return h - 1;
    }

    static Node makeTree(int h) {
        if (h == 0) return null;
        Node node = new Node();
        node.left = makeTree(h - 1);
        node.right = makeTree(h - 1);
        node.val = h;
        return node;
    }

    /* Grafts `partial` where a subtree of its height was. */
    static void replace(Node full, Node partial, boolean dir) {
        long pv = partial.val;
        while (true) {
            Node l = full.left, r = full.right;
            boolean canLeft = l != null && l.val > pv;
            boolean canRight = r != null && r.val > pv;
            if (canLeft && canRight) { full = dir ? l : r; dir = !dir; continue; }
            if (!canLeft && !canRight) { if (dir) full.left = partial; else full.right = partial; }
            else if (!canLeft) full.left = partial;
            else full.right = partial;
            return;
        }
    }

    static Object sink;
    static int lo, hi;

    static void depths(Node n, int d) {
        if (n == null) { lo = Math.min(lo, d); hi = Math.max(hi, d); return; }
        depths(n.left, d + 1);
        depths(n.right, d + 1);
    }

    static Node child(Node n, long side) { return side == 0 ? n.left : n.right; }

    public static void main(String[] args) {
        int[] s = PeerReport.parse(args, "GCOld [LIVE_MB WORK RATIO MUTATIONS STEPS] BARRIER", 50, 1, 20, 10, 10_000);
        int liveMegabytes = s[0], work = s[1], ratio = s[2], mutations = s[3], steps = s[4];
        PeerReport.start();

        SplitMix64 rng = new SplitMix64(42);
        int treeSize = bytes(TREE_HEIGHT);
        int count = (int) ((long) liveMegabytes * MEG / treeSize);
        Node[] trees = new Node[count];
        for (int i = 0; i < count; i++) trees[i] = makeTree(TREE_HEIGHT);
        int slot = 0;
        long mutated = 0, mutatorSum = 0;

        for (int step = 0; step < steps; step++) {
            long mutationsBefore = mutated;
            // Young garbage: 1 MB in 800-byte objects. Each goes to `sink`,
            // which holds only the latest, since C2 removes an allocation
            // nothing reads (it did, at 100 elements, without the sink).
            for (int allocated = 0; allocated < MEG; allocated += WORDS_DEAD * 8) sink = new long[WORDS_DEAD];
            sink = null;
            // Mutator work.
            long sum = 0;
            for (int k = 0; k < work * MEG / 10; k++) sum += 1;
            mutatorSum += sum;
            // Long-lived allocation.
            int n = MEG / ratio;
            for (int k = 0; k < n / treeSize; k++) {
                trees[slot] = makeTree(TREE_HEIGHT);
                slot = (slot + 1) % count;
            }
            int partial = n % treeSize;
            while (partial > 999) {
                int h = height(partial);
                Node t = makeTree(h);
                replace(trees[slot], t, t.val % 2 == 0);
                mutated += 1;
                slot = (slot + 1) % count;
                partial -= bytes(h);
            }
            // Pointer mutations: swap subtrees of two old trees.
            long swaps = Math.max(0, (mutationsBefore + mutations - mutated) / 2);
            for (long k = 0; k < swaps; k++) {
                Node a = trees[(int) Long.remainderUnsigned(rng.next(), count)];
                Node b = trees[(int) Long.remainderUnsigned(rng.next(), count)];
                int depth = (int) Long.remainderUnsigned(rng.next(), TREE_HEIGHT);
                long path = rng.next();
                for (int d = 0; d < depth; d++) {
                    a = child(a, path & 1);
                    b = child(b, path & 1);
                    path >>>= 1;
                }
                if ((path & 1) == 0) { Node tmp = a.left; a.left = b.left; b.left = tmp; }
                else { Node tmp = a.right; a.right = b.right; b.right = tmp; }
                mutated += 2;
            }
        }

        // Every tree must still be balanced with the right height.
        for (int i = 0; i < count; i++) {
            lo = Integer.MAX_VALUE;
            hi = 0;
            depths(trees[i], 0);
            if (lo != TREE_HEIGHT || hi != TREE_HEIGHT)
                PeerReport.fail("tree " + i + ": heights " + lo + "..." + hi + ", expected " + TREE_HEIGHT);
        }
        PeerReport.report("gcold", liveMegabytes + " " + work + " " + ratio + " " + mutations + " " + steps,
            count + " trees of height " + TREE_HEIGHT + " intact; " + mutated + " pointer mutations; checksum " + (mutatorSum & 0xffff));
    }
}
