/* GCBench's body for one store kind. gcbench.c includes this file once per
 * kind with KIND (a WW_STORE_* constant) and NAME(x) defined, so each copy's
 * ww_store_kind compiles to exactly its barrier: a plain store, or a store
 * and a card mark, never a test of the kind at run time.
 *
 * Objects are held across allocations on the shadow stack, as a precise
 * runtime must (an allocation may move every young object): a node is
 * re-read with ww_peek after each allocation. */

/* Builds a tree bottom-up, children first: every store is young-to-young. */
static ww_value NAME(bottom_up)(struct bench *b, int depth, uint32_t index) {
    if (depth <= 0) return new_node(b, index);
    push(b, NAME(bottom_up)(b, depth - 1, index * 2));
    push(b, NAME(bottom_up)(b, depth - 1, index * 2 + 1));
    ww_value node = new_node(b, index);
    ww_store_kind(KIND, &b->barrier, node, 1, pop(b));
    ww_store_kind(KIND, &b->barrier, node, 0, pop(b));
    return node;
}

/* Fills the tree under the node on top of the shadow stack top-down: the
 * parent exists (and may be old) before its children. */
static void NAME(populate)(struct bench *b, int depth) {
    if (depth <= 0) return;
    uint32_t index = ww_tag(peek(b));
    ww_value left = new_node(b, index * 2);
    ww_store_kind(KIND, &b->barrier, peek(b), 0, left);
    ww_value right = new_node(b, index * 2 + 1);
    ww_store_kind(KIND, &b->barrier, peek(b), 1, right);
    for (size_t side = 0; side < 2; side++) {
        push(b, ww_load(peek(b), side));
        NAME(populate)(b, depth - 1);
        (void)pop(b);
    }
}

static int NAME(body)(struct bench *b, const ww_gcbench_params *p, char *summary, size_t capacity) {
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

    long nodes = check_tree(root_value(b, long_lived), p->long_lived_depth, summary, capacity);
    if (nodes < 0) return -1;
    if (nodes != tree_size(p->long_lived_depth))
        return fail(summary, capacity, "long-lived tree has %ld nodes, expected %ld", nodes, tree_size(p->long_lived_depth));
    double probe = ((double *)ww_data(root_value(b, array)))[1000];
    if (probe != 1.0 / 1000) return fail(summary, capacity, "long-lived array element 1000 is %g", probe);
    check_call(b, ww_root_release(b->heap, long_lived));
    check_call(b, ww_root_release(b->heap, array));
    snprintf(summary, capacity, "%ld short-lived trees; long-lived tree %ld nodes and array intact", built, nodes);
    return 0;
}
