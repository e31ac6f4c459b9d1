/* What the C benchmarks on WriteWatch's C API share: the mutator's state,
 * calls that end the run with their message when they fail, the tree
 * walk that checks every node's position, and the run itself, which picks
 * the body compiled for the heap's store kind.
 *
 * Invariant: a benchmark body never tests the store kind at run time (each
 * is compiled once per kind, see per_kind.h), and every failure, a call's
 * or a check's, reaches the caller as -1 with its message in the summary,
 * the shadow stack back at the depth the run started with. Header-only, so
 * each benchmark's .c still builds on its own with the one cc line its
 * opening comment gives. */
#ifndef WW_BENCH_H
#define WW_BENCH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "writewatch.h"

struct bench {
    ww_heap heap;
    ww_mutator m;
    ww_mutator_fast *fast; /* allocation and the shadow stack, inline */
    ww_barrier barrier;
    size_t node_bytes;     /* data bytes of a tree node */
    jmp_buf failed;        /* a failing call ends the run with its message */
    char *summary;
    size_t capacity;
};

/* Writes the summary; returns `result` (0 done, -1 failed). */
static inline int bench_say(struct bench *b, int result, const char *format, ...) __attribute__((format(printf, 3, 4)));
static inline int bench_say(struct bench *b, int result, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(b->summary, b->capacity, format, args);
    va_end(args);
    return result;
}
#define bench_fail(b, ...) bench_say(b, -1, __VA_ARGS__)

static inline void check_call(struct bench *b, ww_status status) {
    if (__builtin_expect(status != WW_OK, 0)) {
        bench_fail(b, "%s: %s", ww_status_name(status), ww_last_error());
        longjmp(b->failed, 1);
    }
}

/* A tree node: two pointer fields and the bench's data bytes. */
static inline ww_value new_node(struct bench *b, uint32_t tag) {
    ww_value node;
    check_call(b, ww_allocate_fast(b->m, b->fast, 2, b->node_bytes, tag, &node));
    return node;
}

static inline void push(struct bench *b, ww_value v) { check_call(b, ww_push_fast(b->m, b->fast, v)); }
static inline ww_value pop(struct bench *b) { return ww_pop_fast(b->fast); }
static inline ww_value peek(struct bench *b) { return ww_peek_fast(b->fast, 0); }

static inline ww_value root_value(struct bench *b, ww_root r) {
    ww_value v;
    check_call(b, ww_root_get(b->heap, r, &v));
    return v;
}

static inline long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

/* Counts the nodes of a tree of height `depth` whose root is tagged 1,
 * checking that each is the node built at its position (root 1, children
 * 2i and 2i + 1): a count alone would pass a lost child whose slot now
 * points at another subtree of the same height. -1 (and why) at the first
 * node that is not where it was built. */
static inline long check_tree(struct bench *b, ww_value root, int depth) {
    struct item { ww_value node; uint32_t index; int depth; };
    size_t n = 0;
    struct item *stack = malloc((64 + 2 * (size_t)depth) * sizeof *stack);
    long count = 0;
    stack[n++] = (struct item){root, 1, depth};
    while (n > 0) {
        struct item it = stack[--n];
        if (!ww_is_object(it.node) || ww_pointer_count(it.node) != 2 || ww_tag(it.node) != it.index) {
            free(stack);
            return bench_fail(b, "tree node %u (height %d) is not the node built there", it.index, it.depth);
        }
        count++;
        for (size_t f = 0; f < 2; f++) {
            ww_value child = ww_load(it.node, f);
            if (it.depth == 0) {
                if (child != WW_NULL) { free(stack); return bench_fail(b, "leaf %u has a child", it.index); }
            } else {
                if (child == WW_NULL) { free(stack); return bench_fail(b, "tree node %u lost a child", it.index); }
                stack[n++] = (struct item){child, it.index * 2 + (uint32_t)f, it.depth - 1};
            }
        }
    }
    free(stack);
    return count;
}

/* A benchmark's body for one store kind: 0 with the summary written, or
 * -1 with what went wrong. */
typedef int (*bench_body)(struct bench *b, const void *params);

/* Runs the body compiled for `heap`'s store kind (bodies[WW_STORE_*]) on
 * the calling thread, whose mutator is `m`. */
static int bench_run(ww_heap heap, ww_mutator m, size_t node_bytes, const bench_body bodies[3], const void *params,
                     char *summary, size_t capacity) {
    struct bench b = {.heap = heap, .m = m, .node_bytes = node_bytes, .summary = summary, .capacity = capacity};
    if (ww_heap_barrier(heap, &b.barrier) != WW_OK || ww_mutator_fast_path(m, &b.fast) != WW_OK)
        return bench_fail(&b, "%s", ww_last_error());
    if (b.barrier.store_kind > WW_STORE_CARD_CONDITIONAL) return bench_fail(&b, "unknown store kind %u", b.barrier.store_kind);
    size_t depth;
    if (ww_stack_depth(m, &depth) != WW_OK) return bench_fail(&b, "%s", ww_last_error());
    if (setjmp(b.failed)) {
        (void)ww_stack_truncate(m, depth);
        return -1;
    }
    return bodies[b.barrier.store_kind](&b, params);
}

/* The bodies NAME(body) that per_kind.h compiled, in WW_STORE_* order. */
#define BENCH_BODIES ((const bench_body[3]){body_plain, body_card, body_card_conditional})

#endif
