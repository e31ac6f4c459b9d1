/* The C benchmarks written against WriteWatch's C API (writewatch.h):
 * GCBench, binarytrees and GCOld as a C runtime would write them, run
 * beside the Swift workloads of the same names and their peers.
 *
 * Invariant: each takes the parameters its Swift workload takes, with the
 * same defaults, and checks the same things; the summaries match the Swift
 * workloads' word for word, so a test can compare the two. */
#ifndef CGCBENCH_H
#define CGCBENCH_H

#include <stddef.h>
#include "writewatch.h"

typedef struct ww_gcbench_params {
    int stretch_depth;    /* 18 */
    int long_lived_depth; /* 16 */
    int array_size;       /* 500000 */
    int min_depth;        /* 4 */
    int max_depth;        /* 16 */
} ww_gcbench_params;

/* The defaults: Ellis, Kovac and Boehm's parameters at stretch 18. */
ww_gcbench_params ww_gcbench_defaults(void);

/* Each runs its benchmark on `heap` from the calling thread, whose mutator
 * is `m`, and validates the live data. Returns 0 with a one-line summary,
 * or -1 with what went wrong, in `summary`. */
int ww_gcbench_run(ww_heap heap, ww_mutator m, const ww_gcbench_params *params, char *summary, size_t capacity);

/* binarytrees: depths WW_BINARYTREES_MIN_DEPTH to max(n, that + 2). */
#define WW_BINARYTREES_MIN_DEPTH 4
typedef struct ww_binarytrees_params {
    int n; /* 21 in the Swift workload's own default, 19 in the suite's */
} ww_binarytrees_params;

int ww_binarytrees_run(ww_heap heap, ww_mutator m, const ww_binarytrees_params *params, char *summary, size_t capacity);

/* Detlefs' GCOld, Clinger's revision: the five numbers of its command line. */
typedef struct ww_gcold_params {
    int live_megabytes; /* 50 */
    int work;           /* 1 */
    int ratio;          /* 20 */
    int mutations;      /* 10 */
    int steps;          /* 10000 in the Swift workload's own default, 2000 in the suite's */
} ww_gcold_params;

int ww_gcold_run(ww_heap heap, ww_mutator m, const ww_gcold_params *params, char *summary, size_t capacity);

#endif
