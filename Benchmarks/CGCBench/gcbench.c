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

#include "bench.h"

#define BENCH_BODY "gcbench_body.h"
#include "per_kind.h"

ww_gcbench_params ww_gcbench_defaults(void) {
    return (ww_gcbench_params){.stretch_depth = 18, .long_lived_depth = 16, .array_size = 500000,
                               .min_depth = 4, .max_depth = 16};
}

int ww_gcbench_run(ww_heap heap, ww_mutator m, const ww_gcbench_params *params, char *summary, size_t capacity) {
    return bench_run(heap, m, 8, BENCH_BODIES, params, summary, capacity); /* two 4-byte payload fields, as in the original */
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
