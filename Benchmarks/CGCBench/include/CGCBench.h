/* GCBench written against WriteWatch's C API (writewatch.h): the program a
 * C runtime would write, run beside the Swift GCBench and Boehm GC's. */
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

/* Runs GCBench on `heap` from the calling thread, whose mutator is `m`, and
 * validates the live data. Returns 0 with a one-line summary, or -1 with
 * what went wrong, in `summary`. */
int ww_gcbench_run(ww_heap heap, ww_mutator m, const ww_gcbench_params *params, char *summary, size_t capacity);

#endif
