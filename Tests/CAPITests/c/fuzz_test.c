/* Random C API calls with bad arguments: stale, zero and made-up handles
 * (guardians included), huge sizes, out-of-range fields and stack indices,
 * wild words and objects of the wrong kind to the checked and the weak
 * calls, bad tracker ranges. Each call is built either wholly valid
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
#include "must.h"
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
    /* Not regressions but the same hazard: the weak calls read an object's
     * header for its kind, which must wait until the word is known to be
     * an object of this heap. */
    ww_value key;
    ww_guardian g;
    MUST(ww_guardian_create(heap, &g));
    refused(ww_weak_get(m, (ww_value)on_stack, &value), "not an object of this heap", "regress/weak-get-stack-address");
    refused(ww_weak_set(m, (ww_value)0x1000, WW_NULL), "not an object of this heap", "regress/weak-set-outside-heap");
    refused(ww_weak_get(m, large + 16, &value), "not an object of this heap", "regress/weak-get-interior-large");
    refused(ww_ephemeron_get(m, (ww_value)on_stack, &key, &value), "not an object of this heap", "regress/ephemeron-get-stack-address");
    refused(ww_ephemeron_create(m, (ww_value)0x1000, WW_NULL, &value), "not an object of this heap", "regress/ephemeron-create-outside-key");
    refused(ww_guardian_register(m, g, (ww_value)on_stack), "not an object of this heap", "regress/guardian-register-stack-address");
    refused(ww_weak_get(m, large, &value), "not a weak box", "regress/weak-get-large-plain");
    MUST(ww_guardian_destroy(heap, g));
    refused(ww_guardian_pop(m, g, &value), "guardian", "regress/guardian-pop-destroyed");
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
    ww_guardian guardian, destroyed_guardian;
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

static ww_guardian bad_guardian(struct pool *p) {
    switch (below(4)) {
    case 0: return (ww_guardian){0};
    case 1: return p->destroyed_guardian;
    case 2: return (ww_guardian){next()};
    default: return (ww_guardian){p->guardian.id ^ ((uint64_t)1 << (32 + below(32)))}; /* another generation */
    }
}

/* A word the weak calls accept as a target or a value: WW_NULL, an
 * immediate, or an object of the heap. */
static ww_value valid_value(ww_value object) {
    switch (below(3)) {
    case 0: return WW_NULL;
    case 1: return ww_from_int((intptr_t)next() >> 2);
    default: return object;
    }
}

/* A word that is not an object of the heap, or one of the wrong kind. */
static ww_value not_a(ww_value wrong_kind) {
    switch (below(3)) {
    case 0: return WW_NULL;
    case 1: return ww_from_int((intptr_t)below(1000));
    default: return below(2) ? wrong_kind : wild_word();
    }
}

/* The object on top of the shadow stack: kept there so that it survives
 * every collection a call may run. Below it, a weak box (depth 2) and an
 * ephemeron (depth 1), kept the same way. */
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
    ww_value box = WW_NULL, ephemeron = WW_NULL, key = 0;
    MUST(ww_peek(p->m, 2, &box));
    MUST(ww_peek(p->m, 1, &ephemeron));
    switch (below(17)) {
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
    case 13: /* weak boxes */
        if (!bad) {
            switch (below(3)) {
            case 0: accepted(ww_weak_create(p->m, valid_value(object), &out), "weak-create"); break;
            case 1: accepted(ww_weak_get(p->m, box, &out), "weak-get"); break;
            default: accepted(ww_weak_set(p->m, box, valid_value(object)), "weak-set"); break;
            }
        } else {
            switch (below(7)) {
            case 0: refused(ww_weak_create(p->m, wild_word(), &out), "ww_weak_create: target", "weak-create/wild-target"); break;
            case 1: refused(ww_weak_create(p->m, WW_NULL, NULL), "NULL", "weak-create/null-out"); break;
            case 2: refused(ww_weak_get(p->m, not_a(below(2) ? object : ephemeron), &out), "ww_weak_get: box", "weak-get/not-a-box"); break;
            case 3: refused(ww_weak_get(p->m, box, NULL), "NULL", "weak-get/null-out"); break;
            case 4: refused(ww_weak_set(p->m, not_a(object), WW_NULL), "ww_weak_set: box", "weak-set/not-a-box"); break;
            case 5: refused(ww_weak_set(p->m, box, wild_word()), "ww_weak_set: target", "weak-set/wild-target"); break;
            default: refused(ww_weak_get(bad_mutator(p), box, &out), NULL, "weak-get/bad-mutator"); break;
            }
        }
        break;
    case 14: /* ephemerons */
        if (!bad) {
            if (below(2)) accepted(ww_ephemeron_create(p->m, below(2) ? object : box, valid_value(object), &out), "ephemeron-create");
            else accepted(ww_ephemeron_get(p->m, ephemeron, &key, &out), "ephemeron-get");
        } else {
            switch (below(7)) {
            case 0: refused(ww_ephemeron_create(p->m, not_a(WW_NULL), WW_NULL, &out), "ww_ephemeron_create: key", "ephemeron-create/key"); break;
            case 1: refused(ww_ephemeron_create(p->m, object, wild_word(), &out), "ww_ephemeron_create: value", "ephemeron-create/wild-value"); break;
            case 2: refused(ww_ephemeron_create(p->m, object, WW_NULL, NULL), "NULL", "ephemeron-create/null-out"); break;
            case 3: refused(ww_ephemeron_get(p->m, not_a(below(2) ? object : box), &key, &out), "ww_ephemeron_get: ephemeron", "ephemeron-get/not-an-ephemeron"); break;
            case 4: refused(ww_ephemeron_get(p->m, ephemeron, below(2) ? NULL : &key, NULL), "NULL", "ephemeron-get/null-out"); break;
            case 5: refused(ww_ephemeron_get(p->m, ephemeron, NULL, &out), "NULL", "ephemeron-get/null-key-out"); break;
            default: refused(ww_ephemeron_create(bad_mutator(p), object, WW_NULL, &out), NULL, "ephemeron-create/bad-mutator"); break;
            }
        }
        break;
    case 15: /* guardians */
        if (!bad) {
            switch (below(4)) {
            case 0: accepted(ww_guardian_register(p->m, p->guardian, object), "guardian-register"); break;
            case 1: /* a registration that dies: it comes back through pop */
                MUST(ww_allocate(p->m, 1, 8, 2, &out));
                accepted(ww_guardian_register(p->m, p->guardian, out), "guardian-register-young");
                break;
            case 2: accepted(ww_guardian_pop(p->m, p->guardian, &out), "guardian-pop"); break;
            default: {
                ww_guardian g;
                accepted(ww_guardian_create(p->heap, &g), "guardian-create");
                accepted(ww_guardian_destroy(p->heap, g), "guardian-destroy");
                break;
            }
            }
        } else {
            switch (below(7)) {
            case 0: refused(ww_guardian_register(p->m, bad_guardian(p), object), "guardian", "guardian-register/bad-guardian"); break;
            case 1: refused(ww_guardian_register(p->m, p->guardian, not_a(WW_NULL)), "ww_guardian_register: object", "guardian-register/not-an-object"); break;
            case 2: refused(ww_guardian_pop(p->m, bad_guardian(p), &out), "guardian", "guardian-pop/bad-guardian"); break;
            case 3: refused(ww_guardian_pop(p->m, p->guardian, NULL), "NULL", "guardian-pop/null-out"); break;
            case 4: {
                ww_guardian g;
                if (below(2)) refused(ww_guardian_create(bad_heap(p), &g), "heap", "guardian-create/bad-heap");
                else refused(ww_guardian_create(p->heap, NULL), "NULL", "guardian-create/null-out");
                break;
            }
            case 5: refused(ww_guardian_destroy(below(2) ? bad_heap(p) : p->heap, bad_guardian(p)), NULL, "guardian-destroy/bad"); break;
            default: refused(ww_guardian_register(bad_mutator(p), p->guardian, object), NULL, "guardian-register/bad-mutator"); break;
            }
        }
        break;
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
    MUST(ww_weak_create(p.m, WW_NULL, &object));
    MUST(ww_push(p.m, object));
    MUST(ww_allocate(p.m, 3, 16, 1, &object));
    MUST(ww_push(p.m, object));
    MUST(ww_peek(p.m, 0, &object));
    ww_value ephemeron;
    MUST(ww_ephemeron_create(p.m, object, WW_NULL, &ephemeron));
    MUST(ww_pop(p.m, &object));
    MUST(ww_push(p.m, ephemeron));
    MUST(ww_push(p.m, object));
    MUST(ww_guardian_create(p.heap, &p.guardian));
    MUST(ww_guardian_create(p.heap, &p.destroyed_guardian));
    MUST(ww_guardian_destroy(p.heap, p.destroyed_guardian));
    MUST(ww_tracker_open("auto", &p.tracker));
    p.tracked_bytes = 16 * 4096;
    p.tracked = mmap(NULL, p.tracked_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST(ww_tracker_track(p.tracker, p.tracked, p.tracked_bytes));
    for (call_number = 0; call_number < calls; call_number++) one_call(&p);
    call_number = -1;

    MUST(ww_collect_minor(p.m)); /* the dead young registrations become ready */
    MUST(ww_collect_major(p.m));
    ww_value popped = WW_NULL;
    do accepted(ww_guardian_pop(p.m, p.guardian, &popped), "final-pop"); while (popped != WW_NULL);
    accepted(ww_guardian_destroy(p.heap, p.guardian), "final-guardian-destroy");
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
