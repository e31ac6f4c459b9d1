/* Ellis, Kovac and Boehm's GCBench on WriteWatch's C API, with the
 * parameters and live-data checks of gcbench's Swift workload
 * (Benchmarks/gcbench/Workloads/GCBench.swift) and of the Boehm GC peer
 * (Benchmarks/bdwgc/gcbench.c): nodes carry their position in the tree as
 * their tag (root 1, children 2i and 2i + 1), and the long-lived tree is
 * walked node by node at the end.
 *
 * In gcbench it runs as workload gcbench-c. On its own:
 *   cc -O2 -DWW_GCBENCH_MAIN -ISources/CWriteWatchAPI/include -IBenchmarks/CGCBench/include \
 *      Benchmarks/CGCBench/gcbench.c -L.build/release -lwritewatch-c -Wl,-rpath,$PWD/.build/release
 *   ./a.out [BARRIER] [STRETCH_DEPTH] */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "CGCBench.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct bench {
    ww_heap heap;
    ww_mutator m;
    ww_mutator_fast *fast; /* allocation and the shadow stack, inline */
    ww_barrier barrier;
    jmp_buf failed;  /* a failing call ends the run with its message */
    char *summary;
    size_t capacity;
};

static int fail(char *summary, size_t capacity, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(summary, capacity, format, args);
    va_end(args);
    return -1;
}

static inline void check_call(struct bench *b, ww_status status) {
    if (__builtin_expect(status != WW_OK, 0)) {
        fail(b->summary, b->capacity, "%s: %s", ww_status_name(status), ww_last_error());
        longjmp(b->failed, 1);
    }
}

static inline ww_value new_node(struct bench *b, uint32_t tag) {
    ww_value node;
    check_call(b, ww_allocate_fast(b->m, b->fast, 2, 8, tag, &node)); /* two 4-byte payload fields, as in the original */
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

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

/* Counts the nodes of a tree of height `depth`, checking that each is the
 * node built at its position; -1 (and why) at the first that is not. */
static long check_tree(ww_value root, int depth, char *summary, size_t capacity) {
    struct item { ww_value node; uint32_t index; int depth; };
    size_t cap = 64 + 2 * (size_t)depth, n = 0;
    struct item *stack = malloc(cap * sizeof *stack);
    long count = 0;
    stack[n++] = (struct item){root, 1, depth};
    while (n > 0) {
        struct item it = stack[--n];
        if (!ww_is_object(it.node) || ww_pointer_count(it.node) != 2 || ww_tag(it.node) != it.index) {
            free(stack);
            return fail(summary, capacity, "tree node %u (height %d) is not the node built there", it.index, it.depth);
        }
        count++;
        for (size_t f = 0; f < 2; f++) {
            ww_value child = ww_load(it.node, f);
            if (it.depth == 0) {
                if (child != WW_NULL) { free(stack); return fail(summary, capacity, "leaf %u has a child", it.index); }
            } else {
                if (child == WW_NULL) { free(stack); return fail(summary, capacity, "tree node %u lost a child", it.index); }
                stack[n++] = (struct item){child, it.index * 2 + (uint32_t)f, it.depth - 1};
            }
        }
    }
    free(stack);
    return count;
}

#define KIND WW_STORE_PLAIN
#define NAME(x) x##_plain
#include "gcbench_body.h"
#undef KIND
#undef NAME
#define KIND WW_STORE_CARD
#define NAME(x) x##_card
#include "gcbench_body.h"
#undef KIND
#undef NAME
#define KIND WW_STORE_CARD_CONDITIONAL
#define NAME(x) x##_card_conditional
#include "gcbench_body.h"
#undef KIND
#undef NAME

ww_gcbench_params ww_gcbench_defaults(void) {
    return (ww_gcbench_params){.stretch_depth = 18, .long_lived_depth = 16, .array_size = 500000,
                               .min_depth = 4, .max_depth = 16};
}

int ww_gcbench_run(ww_heap heap, ww_mutator m, const ww_gcbench_params *params, char *summary, size_t capacity) {
    struct bench b = {.heap = heap, .m = m, .summary = summary, .capacity = capacity};
    if (ww_heap_barrier(heap, &b.barrier) != WW_OK || ww_mutator_fast_path(m, &b.fast) != WW_OK)
        return fail(summary, capacity, "%s", ww_last_error());
    if (setjmp(b.failed)) return -1;
    switch (b.barrier.store_kind) {
    case WW_STORE_PLAIN: return body_plain(&b, params, summary, capacity);
    case WW_STORE_CARD: return body_card(&b, params, summary, capacity);
    case WW_STORE_CARD_CONDITIONAL: return body_card_conditional(&b, params, summary, capacity);
    default: return fail(summary, capacity, "unknown store kind %u", b.barrier.store_kind);
    }
}

#ifdef WW_GCBENCH_MAIN
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    const char *barrier = argc > 1 ? argv[1] : "auto";
    ww_gcbench_params p = ww_gcbench_defaults();
    if (argc > 2) {
        p.stretch_depth = atoi(argv[2]);
        p.long_lived_depth = p.max_depth = p.stretch_depth - 2;
    }
    ww_heap_options o;
    ww_heap_options_init(&o);
    o.barrier = barrier;
    o.heap_limit_bytes = 2ull << 30;
    o.poison_freed_memory = 0;
    ww_heap heap;
    ww_mutator m;
    if (ww_heap_create(&o, &heap, &m) != WW_OK) {
        fprintf(stderr, "gcbench-c: %s\n", ww_last_error());
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char summary[256];
    int rc = ww_gcbench_run(heap, m, &p, summary, sizeof summary);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ww_heap_stats s;
    ww_heap_stats_get(heap, &s);
    ww_barrier b;
    ww_heap_barrier(heap, &b);
    printf("gcbench-c %s: %s\n", b.name, summary);
    printf("wall %.3f s, %llu minor and %llu major collections, %llu dirty pages, %llu dirty cards\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           (unsigned long long)s.minor_collections, (unsigned long long)s.major_collections,
           (unsigned long long)s.dirty_pages, (unsigned long long)s.dirty_cards);
    ww_heap_destroy(heap);
    return rc == 0 ? 0 : 1;
}
#endif
