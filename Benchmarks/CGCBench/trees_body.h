/* The tree builders of GCBench and binarytrees for one store kind (KIND,
 * NAME: see per_kind.h), as the Swift workloads' Trees builds them: every
 * node tagged with its position (root 1, children 2i and 2i + 1), so
 * check_tree sees where each node belongs.
 *
 * Invariant: objects are held across allocations on the shadow stack, as a
 * precise runtime must (an allocation may move every young object), and a
 * node is re-read with peek after each allocation. No include guard: it is
 * expanded once per kind, by the body that includes it. */

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
 * parent exists (and may be old) before its children. Unused by
 * binarytrees, which builds bottom-up only. */
__attribute__((unused)) static void NAME(populate)(struct bench *b, int depth) {
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
