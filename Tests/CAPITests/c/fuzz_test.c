/* Random C API calls with bad arguments: stale, zero and made-up handles,
 * huge sizes, out-of-range fields and stack indices, wild words to the
 * checked calls, bad tracker ranges. Each call is built either wholly valid
 * (it must return WW_OK) or with one argument wrong on purpose (it must
 * return an error, never WW_OK, never a signal); after the calls the heap
 * must still verify. The Swift test (CAPITests.swift) runs it per barrier
 * on fixed seeds and fails on any signal.
 *
 * First the regression checks for inputs that once crashed the library.
 *
 * Usage: fuzz_test BARRIER SEED CALLS
 * Prints "ok NAME" or "FAIL NAME: why [last error]" lines and a summary
 * "summary: N checks, F failed"; a failure names the seed and call number. */
#define _GNU_SOURCE
#include "writewatch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int checks, failures;
static unsigned long long seed, first_seed;
static long call_number = -1;

static void check(int ok, const char *name, const char *why) {
    checks++;
    if (ok) return;
    failures++;
    printf("FAIL %s: %s (seed %llu, call %ld) [%s]\n", name, why, first_seed, call_number, ww_last_error());
}

/* A call given a bad argument: any error but WW_OK; with `text`, the
 * message must contain it. */
static void refused(ww_status s, const char *text, const char *name) {
    char why[256];
    snprintf(why, sizeof why, "returned %s for a bad argument", ww_status_name(s));
    int ok = s != WW_OK;
    if (ok && text && !strstr(ww_last_error(), text)) {
        snprintf(why, sizeof why, "message lacks \"%s\"", text);
        ok = 0;
    }
    check(ok, name, why);
}

static void accepted(ww_status s, const char *name) {
    char why[256];
    snprintf(why, sizeof why, "returned %s for valid arguments", ww_status_name(s));
    check(s == WW_OK, name, why);
}

#define MUST(call)                                                                                \
    do {                                                                                          \
        ww_status s_ = (call);                                                                    \
        if (s_ != WW_OK) {                                                                        \
            printf("FAIL setup: %s returned %s [%s]\n", #call, ww_status_name(s_), ww_last_error()); \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

/* splitmix64: the same calls for the same seed on every machine. */
static uint64_t next(void) {
    uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) { return next() % n; }

/* A word that is surely not an object of the heap: outside its reservation,
 * on the stack, misaligned, or a made-up small address. */
static ww_value wild_word(void) {
    static uint64_t outside[4];
    uint64_t here = 0;
    switch (below(5)) {
    case 0: return (ww_value)0x1000;
    case 1: return (ww_value)&here; /* the stack: read as a header once */
    case 2: return (ww_value)outside;
    case 3: return (ww_value)(next() | 2) & ~(ww_value)1; /* misaligned, not an immediate */
    default: return (ww_value)(next() & ~(uint64_t)7) | ((ww_value)1 << 62);
    }
}

static size_t huge_size(void) {
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX / 2, (size_t)1 << 31, (size_t)1 << 40, SIZE_MAX - 7};
    return sizes[below(sizeof sizes / sizeof sizes[0])];
}

/* The regressions: each of these once trapped or segfaulted. */
static void regressions(const char *barrier) {
    ww_heap_options o;
    ww_heap_options_init(&o);
    o.barrier = barrier;
    ww_heap heap;
    ww_mutator m;
    MUST(ww_heap_create(&o, &heap, &m));
    ww_value object, value;
    refused(ww_allocate(m, 1, SIZE_MAX / 2, 0, &object), "at most 2147483647", "regress/allocate-size-max-half");
    refused(ww_allocate(m, SIZE_MAX, 0, 0, &object), "18446744073709551615", "regress/allocate-size-max-pointers");
    refused(ww_allocate(m, (size_t)1 << 61, 0, 0, &object), "at most", "regress/allocate-pointer-count-wraps");
    uint64_t on_stack[4] = {0};
    refused(ww_load_checked(m, (ww_value)on_stack, 0, &value), "not an object of this heap", "regress/load-stack-address");
    refused(ww_load_checked(m, (ww_value)0x1000, 0, &value), "not an object of this heap", "regress/load-outside-heap");
    refused(ww_store_checked(m, (ww_value)0x1000, 0, WW_NULL), "not an object of this heap", "regress/store-outside-heap");
    MUST(ww_allocate(m, 2, 8, 1, &object));
    refused(ww_store_checked(m, object, 0, (ww_value)0x1000), "neither WW_NULL", "regress/store-wild-value");
    refused(ww_store_checked(m, object, 2, WW_NULL), "out of range", "regress/store-field-out-of-range");
    accepted(ww_store_checked(m, object, 1, ww_from_int(7)), "regress/store-immediate");
    size_t problems = 0;
    accepted(ww_heap_verify(heap, &problems), "regress/verify");
    /* An old object: exact, so an interior address is refused. */
    ww_value large;
    MUST(ww_allocate(m, 4, 9000, 2, &large));
    refused(ww_load_checked(m, large + 16, 0, &value), "not an object of this heap", "regress/load-interior-large");
    accepted(ww_load_checked(m, large, 3, &value), "regress/load-large");
    MUST(ww_heap_destroy(heap));
}

struct pool {
    ww_heap heap;
    ww_mutator m;
    ww_root roots[8];
    int root_count;
    ww_root released_root;
    ww_tracker tracker;
    void *tracked;
    size_t tracked_bytes;
};

static ww_mutator bad_mutator(struct pool *p) {
    switch (below(3)) {
    case 0: return (ww_mutator){0};
    case 1: return (ww_mutator){next() | ((uint64_t)1 << 63)};
    default: return (ww_mutator){p->m.id ^ ((uint64_t)1 << 40)};
    }
}

static ww_heap bad_heap(struct pool *p) {
    switch (below(3)) {
    case 0: return (ww_heap){0};
    case 1: return (ww_heap){next() | ((uint64_t)1 << 63)};
    default: return (ww_heap){p->heap.id ^ ((uint64_t)1 << 40)};
    }
}

/* The object on top of the shadow stack: kept there so that it survives
 * every collection a call may run. */
static ww_value top_object(struct pool *p) {
    ww_value v = WW_NULL;
    MUST(ww_peek(p->m, 0, &v));
    return v;
}

static void one_call(struct pool *p) {
    ww_value out = 0, object = top_object(p);
    size_t depth = 0, count = 0;
    MUST(ww_stack_depth(p->m, &depth));
    int bad = (int)below(4) != 0; /* three calls in four get a bad argument */
    switch (below(14)) {
    case 0: /* allocate */
        if (!bad) {
            accepted(ww_allocate(p->m, below(4), below(64), 1, &out), "allocate");
        } else if (below(2)) {
            refused(ww_allocate(p->m, huge_size(), below(64), 1, &out), NULL, "allocate/huge-pointers");
        } else if (below(2)) {
            refused(ww_allocate(p->m, below(4), huge_size(), 1, &out), NULL, "allocate/huge-bytes");
        } else {
            refused(ww_allocate(bad_mutator(p), 1, 8, 1, &out), NULL, "allocate/bad-mutator");
        }
        break;
    case 1: /* load_checked */
        if (!bad) {
            accepted(ww_load_checked(p->m, object, below(ww_pointer_count(object)), &out), "load");
        } else if (below(2)) {
            refused(ww_load_checked(p->m, wild_word(), 0, &out), NULL, "load/wild-object");
        } else if (below(2)) {
            refused(ww_load_checked(p->m, object, ww_pointer_count(object) + below(3), &out), "out of range", "load/field");
        } else {
            refused(ww_load_checked(p->m, object, 0, NULL), "NULL", "load/null-out");
        }
        break;
    case 2: /* store_checked */
        if (!bad) {
            ww_value value = below(2) ? ww_from_int((intptr_t)below(100)) : object;
            accepted(ww_store_checked(p->m, object, below(ww_pointer_count(object)), value), "store");
        } else if (below(2)) {
            refused(ww_store_checked(p->m, object, 0, wild_word()), "neither WW_NULL", "store/wild-value");
        } else if (below(2)) {
            refused(ww_store_checked(p->m, wild_word(), 0, WW_NULL), NULL, "store/wild-object");
        } else {
            refused(ww_store_checked(p->m, object, SIZE_MAX - below(3), WW_NULL), "out of range", "store/field");
        }
        break;
    case 3: /* push and pop keep the stack's depth */
        if (!bad) {
            accepted(ww_push(p->m, object), "push");
            accepted(ww_pop(p->m, NULL), "pop");
        } else {
            refused(ww_push(bad_mutator(p), object), NULL, "push/bad-mutator");
        }
        break;
    case 4: /* peek */
        if (!bad) accepted(ww_peek(p->m, below(depth), &out), "peek");
        else refused(ww_peek(p->m, depth + below(1000), &out), NULL, "peek/too-deep");
        break;
    case 5: /* stack_get / stack_set */
        if (!bad) {
            size_t i = below(depth);
            accepted(ww_stack_get(p->m, i, &out), "stack-get");
            accepted(ww_stack_set(p->m, i, out), "stack-set");
        } else if (below(2)) {
            refused(ww_stack_get(p->m, depth + below(1000), &out), NULL, "stack-get/index");
        } else {
            refused(ww_stack_set(p->m, SIZE_MAX - below(3), WW_NULL), NULL, "stack-set/index");
        }
        break;
    case 6: /* stack_truncate beyond the depth */
        if (bad) refused(ww_stack_truncate(p->m, depth + 1 + below(1000)), NULL, "truncate/too-deep");
        else accepted(ww_stack_truncate(p->m, depth), "truncate");
        break;
    case 7: /* roots */
        if (!bad && p->root_count < 8) {
            accepted(ww_root_create(p->heap, object, &p->roots[p->root_count]), "root-create");
            p->root_count++;
        } else if (!bad) {
            ww_root r = p->roots[--p->root_count];
            accepted(ww_root_get(p->heap, r, &out), "root-get");
            accepted(ww_root_release(p->heap, r), "root-release");
            p->released_root = r;
        } else {
            ww_root r;
            switch (below(5)) {
            case 0: refused(ww_root_create(p->heap, wild_word(), &r), "neither WW_NULL", "root-create/wild"); break;
            case 1: refused(ww_root_get(p->heap, (ww_root){0}, &out), NULL, "root-get/zero"); break;
            case 2: refused(ww_root_get(p->heap, (ww_root){next()}, &out), NULL, "root-get/made-up"); break;
            case 3:
                if (p->released_root.id) refused(ww_root_set(p->heap, p->released_root, WW_NULL), NULL, "root-set/released");
                break;
            default: refused(ww_root_release(bad_heap(p), (ww_root){1}), NULL, "root-release/bad-heap"); break;
            }
        }
        break;
    case 8: /* collections */
        if (!bad) accepted(below(8) ? ww_collect_minor(p->m) : ww_collect_major(p->m), "collect");
        else refused(below(2) ? ww_collect_minor(bad_mutator(p)) : ww_collect_major(bad_mutator(p)), NULL, "collect/bad-mutator");
        break;
    case 9: { /* heap-level calls with bad heaps or NULL outputs */
        ww_heap_stats stats;
        size_t problems;
        switch (below(4)) {
        case 0: refused(ww_heap_stats_get(bad_heap(p), &stats), NULL, "stats/bad-heap"); break;
        case 1: refused(ww_heap_verify(bad_heap(p), &problems), NULL, "verify/bad-heap"); break;
        case 2: refused(ww_heap_barrier(p->heap, NULL), "NULL", "barrier/null"); break;
        default: refused(ww_heap_destroy(bad_heap(p)), NULL, "destroy/bad-heap"); break;
        }
        break;
    }
    case 10: /* thread calls that are wrong from this thread */
        switch (below(4)) {
        case 0: { ww_mutator again; refused(ww_attach(p->heap, &again), "already attached", "attach/twice"); break; }
        case 1: refused(ww_activate(p->m), "already active", "activate/active"); break;
        case 2: refused(ww_detach(bad_mutator(p)), NULL, "detach/bad-mutator"); break;
        default: refused(ww_safepoint(bad_mutator(p)), NULL, "safepoint/bad-mutator"); break;
        }
        break;
    case 11: { /* tracker ranges */
        char *base = p->tracked;
        ww_range ranges[4];
        switch (below(7)) {
        case 0: refused(ww_tracker_track(p->tracker, base + 1 + below(4000), 4096), NULL, "track/unaligned"); break;
        case 1: refused(ww_tracker_track(p->tracker, base, 0), NULL, "track/empty"); break;
        case 2: refused(ww_tracker_track(p->tracker, base, p->tracked_bytes), NULL, "track/overlapping"); break;
        case 3: refused(ww_tracker_track(p->tracker, (void *)(uintptr_t)0xFFFFFFFFF000ull, SIZE_MAX - 4095), NULL, "track/overflow"); break;
        case 4: refused(ww_tracker_reset(p->tracker, base + p->tracked_bytes + 4096 * (1 + below(16)), 4096), NULL, "reset/untracked"); break;
        case 5: refused(ww_tracker_collect(p->tracker, NULL, 4, &count), NULL, "collect/null-ranges"); break;
        default:
            base[4096 * below(p->tracked_bytes / 4096)] = 1;
            if (!bad) {
                ww_status s = ww_tracker_collect(p->tracker, ranges, 4, &count);
                check(s == WW_OK || s == WW_ERR_BUFFER_TOO_SMALL, "tracker-collect", ww_status_name(s));
            } else {
                refused(ww_tracker_collect((ww_tracker){next()}, ranges, 4, &count), NULL, "collect/made-up-tracker");
            }
            break;
        }
        break;
    }
    case 12: { /* opening trackers with bad names */
        ww_tracker t;
        refused(ww_tracker_open(below(2) ? "no-such-mechanism" : "", &t), NULL, "tracker-open/bad-name");
        break;
    }
    default: /* NULL outputs everywhere */
        switch (below(4)) {
        case 0: refused(ww_allocate(p->m, 1, 8, 1, NULL), "NULL", "allocate/null"); break;
        case 1: refused(ww_stack_depth(p->m, NULL), "NULL", "depth/null"); break;
        case 2: refused(ww_root_create(p->heap, WW_NULL, NULL), "NULL", "root-create/null"); break;
        default: refused(ww_heap_create(NULL, NULL, &p->m), "NULL", "create/null"); break;
        }
        break;
    }
    /* The object kept on the stack must still be there. */
    MUST(ww_stack_depth(p->m, &count));
    check(count == depth, "stack-depth-kept", "a call changed the stack's depth");
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fuzz_test BARRIER SEED CALLS\n");
        return 2;
    }
    const char *barrier = argv[1];
    first_seed = strtoull(argv[2], NULL, 10);
    long calls = strtol(argv[3], NULL, 10);
    seed = first_seed;
    regressions(barrier);

    struct pool p;
    memset(&p, 0, sizeof p);
    ww_heap_options o;
    ww_heap_options_init(&o);
    o.barrier = barrier;
    o.nursery_bytes = 256 << 10; /* collections every few hundred calls */
    MUST(ww_heap_create(&o, &p.heap, &p.m));
    ww_value object;
    MUST(ww_allocate(p.m, 3, 16, 1, &object));
    MUST(ww_push(p.m, object));
    MUST(ww_tracker_open("auto", &p.tracker));
    p.tracked_bytes = 16 * 4096;
    p.tracked = mmap(NULL, p.tracked_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST(ww_tracker_track(p.tracker, p.tracked, p.tracked_bytes));
    for (call_number = 0; call_number < calls; call_number++) one_call(&p);
    call_number = -1;

    size_t problems = 0;
    accepted(ww_heap_verify(p.heap, &problems), "final-verify");
    check(problems == 0, "final-verify-clean", "the verifier found problems");
    MUST(ww_tracker_close(p.tracker));
    refused(ww_tracker_close(p.tracker), NULL, "tracker-close/twice");
    MUST(ww_heap_destroy(p.heap));
    refused(ww_heap_destroy(p.heap), NULL, "destroy/twice");
    refused(ww_allocate(p.m, 1, 8, 1, &object), NULL, "allocate/after-destroy");
    printf("summary: %s seed %llu: %d checks, %d failed\n", barrier, first_seed, checks, failures);
    return failures == 0 ? 0 : 1;
}
