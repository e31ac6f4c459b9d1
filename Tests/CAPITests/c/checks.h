/* What the C API tests share: one line per check on standard output
 * ("ok SCOPE/NAME" or "FAIL SCOPE/NAME: why [last error]"), read by
 * CAPITests.swift, and the heap options every test heap starts from. In a
 * header of static functions so each test program stays one file to
 * compile. */
#ifndef WW_TEST_CHECKS_H
#define WW_TEST_CHECKS_H

#include "must.h"
#include "writewatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;
static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;

/* Thread-safe: worker threads check their own calls (ww_last_error is per
 * thread). */
static inline void check(int ok, const char *scope, const char *name, const char *why) {
    pthread_mutex_lock(&check_lock);
    checks++;
    if (ok) {
        printf("ok %s/%s\n", scope, name);
    } else {
        failures++;
        printf("FAIL %s/%s: %s [%s]\n", scope, name, why, ww_last_error());
    }
    pthread_mutex_unlock(&check_lock);
}

/* A call that must return `want`; for an error, its message must contain
 * `text` (if given). */
static inline void expect(ww_status got, ww_status want, const char *text, const char *scope, const char *name) {
    char why[256];
    snprintf(why, sizeof why, "returned %s, expected %s", ww_status_name(got), ww_status_name(want));
    int ok = got == want;
    if (ok && want != WW_OK && text && !strstr(ww_last_error(), text)) {
        snprintf(why, sizeof why, "message lacks \"%s\"", text);
        ok = 0;
    }
    check(ok, scope, name, why);
}

/* Small heaps that collect often; poisoned freed memory, so a lost object
 * reads as poison, not as itself. */
static inline ww_heap_options options_for(const char *barrier) {
    ww_heap_options o;
    ww_heap_options_init(&o);
    o.barrier = barrier;
    o.promotion_age = 1;
    o.nursery_bytes = 1 << 20;
    o.allocation_buffer_bytes = 8 << 10;
    o.poison_freed_memory = 1;
    if (getenv("WW_TEST_CONCURRENT")) o.major_mode = WW_MAJOR_CONCURRENT;
    return o;
}

/* A heap for barrier `name` (checked as "NAME/create"), or 0: a barrier
 * this machine cannot run is a "skip" line, not a failure. */
static inline int open_heap(const char *name, ww_heap *heap, ww_mutator *m) {
    ww_heap_options o = options_for(name);
    ww_status created = ww_heap_create(&o, heap, m);
    if (created == WW_ERR_UNSUPPORTED) {
        printf("skip %s: %s\n", name, ww_last_error());
        return 0;
    }
    expect(created, WW_OK, NULL, name, "create");
    return created == WW_OK;
}

#endif
