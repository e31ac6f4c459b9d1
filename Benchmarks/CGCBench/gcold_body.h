/* GCOld's body for one store kind (KIND, NAME: see per_kind.h), step for
 * step the Swift workload's (Benchmarks/gcbench/Workloads/GCOld.swift):
 * the same SplitMix64 sequence from seed 42, the same trees, grafts and
 * swaps, so the same mutation count, checksum and final check.
 *
 * Invariant: the array of old trees is held in a root and re-read after
 * every allocation (it is small, so young at first, and moves); a tree
 * being built is on the shadow stack; walks and swaps allocate nothing,
 * so the addresses they hold stay valid. */

static ww_value NAME(make_tree)(struct bench *b, int h) {
    if (h == 0) return WW_NULL;
    push(b, NAME(make_tree)(b, h - 1));
    push(b, NAME(make_tree)(b, h - 1));
    ww_value node = new_node(b, 0);
    ww_store_kind(KIND, &b->barrier, node, 1, pop(b));
    ww_store_kind(KIND, &b->barrier, node, 0, pop(b));
    *(int64_t *)ww_data(node) = h;
    return node;
}

/* Grafts `partial` into `full` where a subtree no taller than it hangs:
 * an old-to-young store when `full` is old. */
static void NAME(replace)(struct bench *b, ww_value full, ww_value partial, int dir) {
    int64_t pv = gcold_val(b, partial);
    for (;;) {
        ww_value l = ww_load(full, 0), r = ww_load(full, 1);
        int can_left = l != WW_NULL && gcold_val(b, l) > pv;
        int can_right = r != WW_NULL && gcold_val(b, r) > pv;
        if (can_left && can_right) {
            full = dir ? l : r;
            dir = !dir;
            continue;
        }
        size_t side = !can_left && !can_right ? (dir ? 0 : 1) : !can_left ? 0 : 1;
        ww_store_kind(KIND, &b->barrier, full, side, partial);
        return;
    }
}

static int NAME(body)(struct bench *b, const void *params) {
    const ww_gcold_params *p = params;
    uint64_t rng = 42;
    long tree_bytes = gcold_bytes(GCOLD_TREE_HEIGHT);
    long count = (long)p->live_megabytes * GCOLD_MEG / tree_bytes;
    if (count < 1) return bench_fail(b, "%d MB holds no tree of height %d", p->live_megabytes, GCOLD_TREE_HEIGHT);
    ww_value array;
    ww_root trees;
    check_call(b, ww_allocate_fast(b->m, b->fast, (size_t)count, 0, 0, &array));
    check_call(b, ww_root_create(b->heap, array, &trees));
    for (long i = 0; i < count; i++) {
        ww_value t = NAME(make_tree)(b, GCOLD_TREE_HEIGHT);
        ww_store_kind(KIND, &b->barrier, root_value(b, trees), (size_t)i, t);
    }
    long slot = 0, mutated = 0;
    uint64_t mutator_sum = 0;

    for (int step = 0; step < p->steps; step++) {
        long mutations_before = mutated;
        /* Young garbage: 1 MB in 800-byte objects. */
        for (long allocated = 0; allocated < GCOLD_MEG; allocated += GCOLD_WORDS_DEAD * 8) {
            ww_value dead;
            check_call(b, ww_allocate_fast(b->m, b->fast, 0, GCOLD_WORDS_DEAD * 8, 0, &dead));
        }
        /* Mutator work. */
        uint64_t sum = 0;
        for (long i = 0; i < (long)p->work * GCOLD_MEG / 10; i++) sum += 1;
        mutator_sum += sum;
        /* Long-lived allocation: whole trees, then smaller ones grafted in. */
        long n = GCOLD_MEG / p->ratio;
        for (long k = 0; k < n / tree_bytes; k++) {
            ww_value t = NAME(make_tree)(b, GCOLD_TREE_HEIGHT);
            ww_store_kind(KIND, &b->barrier, root_value(b, trees), (size_t)slot, t);
            slot = (slot + 1) % count;
        }
        for (long partial = n % tree_bytes; partial > 999;) {
            int h = gcold_height(partial);
            ww_value t = NAME(make_tree)(b, h);
            ww_value full = gcold_node(b, ww_load(root_value(b, trees), (size_t)slot));
            NAME(replace)(b, full, t, gcold_val(b, t) % 2 == 0);
            mutated += 1;
            slot = (slot + 1) % count;
            partial -= gcold_bytes(h);
        }
        /* Pointer mutations: swap subtrees of two old trees. */
        long swaps = (mutations_before + p->mutations - mutated) / 2;
        for (long k = 0; k < swaps; k++) {
            ww_value all = root_value(b, trees);
            ww_value x = gcold_node(b, ww_load(all, (size_t)(splitmix64(&rng) % (uint64_t)count)));
            ww_value y = gcold_node(b, ww_load(all, (size_t)(splitmix64(&rng) % (uint64_t)count)));
            int depth = (int)(splitmix64(&rng) % GCOLD_TREE_HEIGHT);
            uint64_t path = splitmix64(&rng);
            for (int d = 0; d < depth; d++) {
                x = gcold_node(b, ww_load(x, path & 1));
                y = gcold_node(b, ww_load(y, path & 1));
                path >>= 1;
            }
            size_t side = path & 1;
            ww_value tmp = ww_load(x, side);
            ww_store_kind(KIND, &b->barrier, x, side, ww_load(y, side));
            ww_store_kind(KIND, &b->barrier, y, side, tmp);
            mutated += 2;
        }
    }

    for (long i = 0; i < count; i++) {
        if (gcold_check_heights(b, ww_load(root_value(b, trees), (size_t)i), i) != 0) return -1;
    }
    check_call(b, ww_root_release(b->heap, trees));
    return bench_say(b, 0, "%ld trees of height %d intact; %ld pointer mutations; checksum %llu", count, GCOLD_TREE_HEIGHT,
                     mutated, (unsigned long long)(mutator_sum & 0xffff));
}
