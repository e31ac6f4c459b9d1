/* Exercises every function of writewatch.h from C, under every barrier and
 * every tracker mechanism, including the error paths. Prints one line per
 * check ("ok NAME" or "FAIL NAME: why [last error]") and a summary; the
 * Swift test (CAPITests.swift) compiles it with the system C compiler
 * against the built library, runs it and reads the lines.
 *
 * Usage: api_test [BARRIER...]   (default: every barrier, then trackers) */
#define _GNU_SOURCE
#include "writewatch.h"

/* Testing only: exported by the library, deliberately not in writewatch.h. */
void ww_testing_mask_kernel_features(uint64_t bits);

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checks.h"

/* ---- Old-to-young stores through the inline barrier -------------------- */

enum { SLOTS = 1024 };

/* An old array of SLOTS fields, each given a fresh young object through
 * ww_store, then a minor collection: every object must survive with its
 * tag and data. Returns how many slots came back wrong. */
static int old_to_young(ww_heap heap, ww_mutator m, const ww_barrier *barrier, ww_root array) {
    ww_value a;
    for (int i = 0; i < SLOTS; i++) {
        ww_value young;
        MUST(ww_allocate(m, 0, 8, (uint32_t)(1000 + i), &young));
        *(int64_t *)ww_data(young) = i * 7;
        MUST(ww_root_get(heap, array, &a)); /* old: does not move, but roots are the rule */
        ww_store(barrier, a, (size_t)i, young);
    }
    MUST(ww_collect_minor(m));
    MUST(ww_root_get(heap, array, &a));
    int wrong = 0;
    for (int i = 0; i < SLOTS; i++) {
        ww_value v = ww_load(a, (size_t)i);
        if (!ww_is_object(v) || ww_tag(v) != (uint32_t)(1000 + i) || ww_data_size(v) != 8 ||
            *(int64_t *)ww_data(v) != i * 7)
            wrong++;
    }
    return wrong;
}

/* ---- The inline fast paths ---------------------------------------------- */

/* A list of `n` nodes built through ww_allocate_fast and the inline shadow
 * stack, long enough to fill the nursery several times: the fast paths must
 * fall back to the library when the buffer runs out, and every node must
 * survive the collections that causes, in order. */
static void fast_paths(const char *name, ww_heap heap, ww_mutator m, const ww_barrier *barrier) {
    ww_mutator_fast *fast = NULL;
    expect(ww_mutator_fast_path(m, &fast), WW_OK, NULL, name, "fast-path");
    if (!fast) return;
    ww_heap_stats before, after;
    MUST(ww_heap_stats_get(heap, &before));
    size_t depth;
    MUST(ww_stack_depth(m, &depth));
    int zeroed = 1;
    const int n = 100000;
    MUST(ww_push_fast(m, fast, WW_NULL)); /* the list's head */
    for (int i = 0; i < n; i++) {
        ww_value node;
        MUST(ww_allocate_fast(m, fast, 2, 8, (uint32_t)i, &node));
        if (ww_load(node, 0) != 0 || ww_load(node, 1) != 0 || *(int64_t *)ww_data(node) != 0) zeroed = 0;
        ww_store(barrier, node, 0, ww_peek_fast(fast, 0));
        fast->stack[fast->depth - 1] = node;
    }
    size_t fast_depth = (size_t)fast->depth, called_depth;
    MUST(ww_stack_depth(m, &called_depth));
    check(fast_depth == depth + 1 && called_depth == fast_depth, name, "fast-stack-depth", "inline and called depths differ");
    MUST(ww_heap_stats_get(heap, &after));
    check(after.minor_collections >= before.minor_collections + 2, name, "fast-falls-back",
          "the inline allocation never reached the library's slow path");
    check(zeroed, name, "fast-zeroed", "a new object's fields were not zero");
    int intact = 1;
    ww_value v = ww_pop_fast(fast);
    for (int i = n - 1; i >= 0; i--, v = ww_load(v, 0))
        if (!ww_is_object(v) || ww_tag(v) != (uint32_t)i) { intact = 0; break; }
    check(intact && v == WW_NULL, name, "fast-list-intact", "the list lost or misordered nodes");
    /* A push at capacity takes the called path, which grows the stack. */
    intptr_t capacity = fast->capacity;
    for (intptr_t i = 0; i <= capacity; i++) MUST(ww_push_fast(m, fast, ww_from_int(i)));
    check(fast->capacity > capacity && ww_to_int(ww_peek_fast(fast, 0)) == capacity, name, "fast-stack-grows",
          "the stack did not grow");
    MUST(ww_stack_truncate(m, depth));
    check(fast->depth == (intptr_t)depth, name, "fast-sees-truncate", "the inline depth missed a called truncate");
}

/* ---- A second thread ---------------------------------------------------- */

struct worker {
    const char *scope;
    ww_heap heap;
    ww_root shared;
    ww_mutator main_mutator;
    int stored;
    sem_t inactive, proceed; /* the worker is blocked; it may go on */
};

static void *worker_main(void *arg) {
    struct worker *w = arg;
    const char *scope = w->scope;
    ww_mutator m, again;
    ww_status attached = ww_attach(w->heap, &m);
    expect(attached, WW_OK, NULL, scope, "thread-attach");
    if (attached != WW_OK) return NULL;
    expect(ww_attach(w->heap, &again), WW_ERR_INVALID_ARGUMENT, "already attached", scope, "thread-attach-twice");
    ww_value obj = 0;
    expect(ww_allocate(w->main_mutator, 0, 8, 1, &obj), WW_ERR_WRONG_THREAD, "another thread", scope,
           "thread-wrong-mutator");
    ww_mutator_fast *fast;
    expect(ww_mutator_fast_path(w->main_mutator, &fast), WW_ERR_WRONG_THREAD, NULL, scope, "thread-wrong-fast-path");
    expect(ww_mutator_fast_path(m, &fast), WW_OK, NULL, scope, "thread-fast-path");
    ww_barrier b;
    MUST(ww_heap_barrier(w->heap, &b));
    ww_status allocated = WW_OK, safepoint = WW_OK;
    for (int i = 0; i < 200 && allocated == WW_OK; i++) {
        allocated = ww_allocate(m, 0, 16, (uint32_t)(5000 + i), &obj);
        if (allocated != WW_OK) break;
        ww_value a;
        MUST(ww_root_get(w->heap, w->shared, &a));
        ww_store(&b, a, (size_t)(SLOTS / 2 + i % 64), obj);
        w->stored++;
        if (safepoint == WW_OK) safepoint = ww_safepoint(m);
    }
    expect(allocated, WW_OK, NULL, scope, "thread-allocate");
    expect(safepoint, WW_OK, NULL, scope, "thread-safepoint");
    expect(ww_push(m, obj), WW_OK, NULL, scope, "thread-push");
    expect(ww_deactivate(m), WW_OK, NULL, scope, "thread-deactivate");
    expect(ww_allocate(m, 0, 8, 0, &obj), WW_ERR_INACTIVE, "inactive", scope, "thread-inactive-allocate");
    /* A "blocking call": the main thread collects meanwhile. */
    sem_post(&w->inactive);
    sem_wait(&w->proceed);
    expect(ww_activate(m), WW_OK, NULL, scope, "thread-activate");
    expect(ww_detach(m), WW_OK, NULL, scope, "thread-detach");
    expect(ww_safepoint(m), WW_ERR_INVALID_HANDLE, "mutator", scope, "thread-after-detach");
    return NULL;
}

/* ---- Everything about one heap, under one barrier ----------------------- */

static void heap_checks(const char *name) {
    ww_heap heap;
    ww_mutator m;
    if (!open_heap(name, &heap, &m)) return;

    ww_barrier barrier;
    expect(ww_heap_barrier(heap, &barrier), WW_OK, NULL, name, "barrier");
    check(strcmp(barrier.name, name) == 0, name, "barrier-name", barrier.name);
    int card = strncmp(name, "software", 8) == 0;
    check(card ? barrier.store_kind != WW_STORE_PLAIN && barrier.card_table_biased != 0
               : barrier.store_kind == WW_STORE_PLAIN,
          name, "store-kind", "a card barrier must mark cards inline; the others store plainly");

    /* The old array: allocated, rooted, promoted by two minors (age 1). */
    ww_value a;
    expect(ww_allocate(m, SLOTS, 0, 77, &a), WW_OK, NULL, name, "allocate");
    check(ww_pointer_count(a) == SLOTS && ww_data_size(a) == 0 && ww_tag(a) == 77, name, "object-header",
          "the header does not read back what was allocated");
    ww_root array;
    expect(ww_root_create(heap, a, &array), WW_OK, NULL, name, "root-create");
    expect(ww_collect_minor(m), WW_OK, NULL, name, "collect-minor");
    MUST(ww_collect_minor(m));
    ww_heap_stats before, after;
    MUST(ww_heap_stats_get(heap, &before));
    int wrong = old_to_young(heap, m, &barrier, array);
    MUST(ww_heap_stats_get(heap, &after));
    size_t problems = 0;
    ww_status verified = ww_heap_verify(heap, &problems);
    if (strcmp(name, "none") == 0) {
        /* The negative control: the same checks must catch it. */
        char why[96];
        snprintf(why, sizeof why, "%d slots wrong, verifier: %s", wrong, ww_status_name(verified));
        check(wrong > 0 || verified == WW_ERR_VERIFY_FAILED, name, "caught", why);
    } else {
        char why[64];
        snprintf(why, sizeof why, "%d of %d slots lost their object", wrong, SLOTS);
        check(wrong == 0, name, "old-to-young", why);
        expect(verified, WW_OK, NULL, name, "verify");
        check(problems == 0, name, "verify-count", "problems reported");
        uint64_t seen = card ? after.dirty_cards - before.dirty_cards : after.dirty_pages - before.dirty_pages;
        check(seen > 0, name, "barrier-saw-stores", card ? "no dirty cards" : "no dirty pages");
        check(after.collector_fault_pages == 0, name, "no-collector-faults", "the collector took protection faults");
    }
    check(after.minor_collections == before.minor_collections + 1, name, "stats", "one minor per collect");

    if (strcmp(name, "none") != 0) fast_paths(name, heap, m, &barrier);

    /* Checked access. */
    MUST(ww_root_get(heap, array, &a));
    ww_value v;
    expect(ww_load_checked(m, a, 0, &v), WW_OK, NULL, name, "load-checked");
    expect(ww_load_checked(m, a, SLOTS, &v), WW_ERR_INVALID_ARGUMENT, "out of range", name, "load-out-of-range");
    expect(ww_store_checked(m, a, 3, ww_from_int(-42)), WW_OK, NULL, name, "store-checked");
    check(ww_to_int(ww_load(a, 3)) == -42 && ww_is_int(ww_load(a, 3)), name, "immediate", "immediate mangled");
    expect(ww_store_checked(m, ww_from_int(1), 0, 0), WW_ERR_INVALID_ARGUMENT, "not an object", name, "store-non-object");

    /* Invalid sizes. */
    expect(ww_allocate(m, (size_t)-1, 0, 0, &v), WW_ERR_INVALID_ARGUMENT, "cannot allocate", name, "allocate-bad-size");
    expect(ww_allocate(m, 0, (size_t)1 << 40, 0, &v), WW_ERR_INVALID_ARGUMENT, "cannot allocate", name, "allocate-too-large");
    expect(ww_allocate(m, 1, 1, 0, NULL), WW_ERR_INVALID_ARGUMENT, "NULL", name, "allocate-null-out");

    /* A large object (over 8 KiB) and a major collection keep it. */
    ww_value big;
    expect(ww_allocate(m, 4, 64 << 10, 9, &big), WW_OK, NULL, name, "allocate-large");
    memset(ww_data(big), 0x5a, 64 << 10);
    MUST(ww_root_get(heap, array, &a));
    ww_store(&barrier, a, 1, big);
    expect(ww_collect_major(m), WW_OK, NULL, name, "collect-major");
    MUST(ww_root_get(heap, array, &a));
    big = ww_load(a, 1);
    check(ww_tag(big) == 9 && ((unsigned char *)ww_data(big))[65535] == 0x5a, name, "large-survives", "large object lost");

    /* The shadow stack. */
    size_t depth = 99;
    expect(ww_stack_depth(m, &depth), WW_OK, NULL, name, "stack-depth");
    check(depth == 0, name, "stack-empty", "depth not 0");
    expect(ww_pop(m, &v), WW_ERR_INVALID_ARGUMENT, "empty", name, "pop-empty");
    ww_value t;
    MUST(ww_allocate(m, 1, 0, 31, &t));
    expect(ww_push(m, t), WW_OK, NULL, name, "push");
    MUST(ww_push(m, ww_from_int(5)));
    MUST(ww_collect_minor(m)); /* moves t: the stack slot follows */
    expect(ww_peek(m, 1, &v), WW_OK, NULL, name, "peek");
    check(ww_is_object(v) && ww_tag(v) == 31, name, "stack-updated", "the pushed object did not follow the move");
    expect(ww_peek(m, 2, &v), WW_ERR_INVALID_ARGUMENT, "holds 2", name, "peek-too-deep");
    expect(ww_stack_get(m, 1, &v), WW_OK, NULL, name, "stack-get");
    check(ww_to_int(v) == 5, name, "stack-get-value", "slot 1 is not 5");
    expect(ww_stack_set(m, 1, ww_from_int(6)), WW_OK, NULL, name, "stack-set");
    expect(ww_stack_set(m, 7, 0), WW_ERR_INVALID_ARGUMENT, NULL, name, "stack-set-out-of-range");
    expect(ww_pop(m, &v), WW_OK, NULL, name, "pop");
    check(ww_to_int(v) == 6, name, "pop-value", "popped value is not 6");
    expect(ww_stack_truncate(m, 0), WW_OK, NULL, name, "truncate");
    expect(ww_stack_truncate(m, 3), WW_ERR_INVALID_ARGUMENT, NULL, name, "truncate-too-deep");

    /* Roots. */
    ww_root r;
    MUST(ww_root_create(heap, ww_from_int(11), &r));
    expect(ww_root_set(heap, r, ww_from_int(12)), WW_OK, NULL, name, "root-set");
    expect(ww_root_get(heap, r, &v), WW_OK, NULL, name, "root-get");
    check(ww_to_int(v) == 12, name, "root-value", "root does not hold 12");
    expect(ww_root_release(heap, r), WW_OK, NULL, name, "root-release");
    expect(ww_root_get(heap, r, &v), WW_ERR_INVALID_HANDLE, "stale root", name, "root-after-release");
    ww_root zero = {0};
    expect(ww_root_get(heap, zero, &v), WW_ERR_INVALID_HANDLE, NULL, name, "root-zero");

    /* Threads: another thread attaches and stores into the shared array
     * while this one collects; misuse is refused, not trapped. */
    expect(ww_attach(heap, &m), WW_ERR_INVALID_ARGUMENT, "already attached", name, "attach-twice");
    expect(ww_detach(m), WW_ERR_INVALID_ARGUMENT, "cannot detach", name, "detach-main");
    struct worker w = {.scope = name, .heap = heap, .shared = array, .main_mutator = m};
    sem_init(&w.inactive, 0, 0);
    sem_init(&w.proceed, 0, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, worker_main, &w);
    for (int i = 0; i < 5; i++) MUST(ww_collect_minor(m)); /* racing the worker's stores */
    sem_wait(&w.inactive);
    for (int i = 0; i < 5; i++) MUST(ww_collect_minor(m)); /* the worker is blocked */
    ww_heap_stats s;
    MUST(ww_heap_stats_get(heap, &s));
    check(s.attached_threads == 2, name, "thread-counted", "the worker is not counted");
    expect(ww_heap_destroy(heap), WW_ERR_BUSY, "still attached", name, "destroy-busy");
    sem_post(&w.proceed);
    pthread_join(thread, NULL);
    MUST(ww_collect_minor(m));
    MUST(ww_root_get(heap, array, &a));
    int thread_wrong = 0;
    for (int i = 0; i < 64; i++) {
        ww_value x = ww_load(a, (size_t)(SLOTS / 2 + i));
        if (!ww_is_object(x) || ww_tag(x) < 5000 || ww_tag(x) >= 5200) thread_wrong++;
    }
    if (strcmp(name, "none") != 0)
        check(thread_wrong == 0 && w.stored == 200, name, "thread-stores-survive", "the worker's objects were lost");
    MUST(ww_heap_stats_get(heap, &s));
    check(s.attached_threads == 1, name, "thread-gone", "the worker is still counted");

    /* Deactivate / activate on the main mutator. */
    expect(ww_deactivate(m), WW_OK, NULL, name, "deactivate");
    expect(ww_allocate(m, 0, 8, 0, &v), WW_ERR_INACTIVE, "inactive", name, "inactive-allocate");
    expect(ww_deactivate(m), WW_ERR_INACTIVE, NULL, name, "deactivate-twice");
    expect(ww_activate(m), WW_OK, NULL, name, "activate");
    expect(ww_activate(m), WW_ERR_INVALID_ARGUMENT, "already active", name, "activate-twice");

    /* Destroy, then use after destroy. */
    expect(ww_heap_destroy(heap), WW_OK, NULL, name, "destroy");
    expect(ww_heap_stats_get(heap, &s), WW_ERR_INVALID_HANDLE, "heap handle", name, "stats-after-destroy");
    expect(ww_allocate(m, 0, 8, 0, &v), WW_ERR_INVALID_HANDLE, "mutator handle", name, "allocate-after-destroy");
    expect(ww_root_get(heap, array, &v), WW_ERR_INVALID_HANDLE, NULL, name, "root-after-destroy");
    expect(ww_heap_destroy(heap), WW_ERR_INVALID_HANDLE, NULL, name, "destroy-twice");
}

/* ---- Heap exhaustion ---------------------------------------------------- */

/* Past the limit, allocation fails with WW_ERR_HEAP_EXHAUSTED naming the
 * live bytes, every retry too, never a crash; dropping the objects makes the
 * heap usable again. Also: the default options derive the nursery. */
static void exhaustion_checks(void) {
    const char *scope = "create";
    ww_heap heap;
    ww_mutator m;
    ww_heap_options o = options_for("software");
    o.heap_limit_bytes = 4 << 20;
    o.nursery_bytes = 256 << 10;
    MUST(ww_heap_create(&o, &heap, &m));
    ww_status s = WW_OK;
    ww_value v;
    for (int i = 0; i < 100000 && s == WW_OK; i++) {
        s = ww_allocate(m, 0, 4000, 1, &v);
        if (s == WW_OK) MUST(ww_push(m, v));
    }
    expect(s, WW_ERR_HEAP_EXHAUSTED, "bytes live after a full collection", scope, "heap-exhausted");
    expect(ww_allocate(m, 0, 4000, 1, &v), WW_ERR_HEAP_EXHAUSTED, "heap_limit_bytes", scope, "heap-exhausted-again");
    MUST(ww_stack_truncate(m, 0));
    s = WW_OK;
    for (int i = 0; i < 100 && s == WW_OK; i++) s = ww_allocate(m, 0, 4000, 1, &v);
    expect(s, WW_OK, NULL, scope, "heap-usable-after-exhaustion");
    MUST(ww_heap_destroy(heap));

    ww_heap_options_init(&o);
    check(o.nursery_bytes == 0, scope, "nursery-derived-by-default", "ww_heap_options_init set a nursery");
    o.barrier = "software";
    o.heap_limit_bytes = 64 << 20;
    expect(ww_heap_create(&o, &heap, &m), WW_OK, NULL, scope, "derived-nursery-creates");
    MUST(ww_heap_destroy(heap));
}

/* ---- Heap creation errors ----------------------------------------------- */

static void creation_checks(void) {
    const char *scope = "create";
    ww_heap heap;
    ww_mutator m;
    ww_heap_options o = options_for("sideways");
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "unknown barrier", scope, "bad-barrier-name");
    o = options_for("software");
    o.nursery_bytes = 1;
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "nursery_bytes", scope, "bad-nursery");
    o = options_for("software");
    o.promotion_age = 9;
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "promotion_age", scope, "bad-promotion-age");
    o = options_for("software");
    o.size = 12;
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "ww_heap_options_init", scope, "bad-options-size");
    o = options_for("software");
    o.major_mode = 7;
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "major_mode", scope, "bad-major-mode");
    o = options_for("software");
    o.reserved = 1;
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "reserved", scope, "reserved-nonzero");
    o = options_for("software");
    o.barrier = NULL;
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_INVALID_ARGUMENT, "NULL", scope, "null-barrier");
    expect(ww_heap_create(NULL, NULL, &m), WW_ERR_INVALID_ARGUMENT, "NULL", scope, "null-out");

    /* A kernel without WP_ASYNC (hidden): hardware is refused naming the
     * feature and the kernel version; auto falls back and says why. */
    o = options_for("hardware");
    ww_testing_mask_kernel_features((uint64_t)1 << 15); /* UFFD_FEATURE_WP_ASYNC */
    expect(ww_heap_create(&o, &heap, &m), WW_ERR_UNSUPPORTED, "6.7", scope, "hardware-unsupported");
    o.barrier = "auto";
    ww_status s = ww_heap_create(&o, &heap, &m);
    ww_testing_mask_kernel_features(0);
    expect(s, WW_OK, NULL, scope, "auto-fallback");
    if (s == WW_OK) {
        ww_barrier b;
        MUST(ww_heap_barrier(heap, &b));
        check(strcmp(b.name, "software") == 0 && b.notice && strstr(b.notice, "UFFD_FEATURE_WP_ASYNC"), scope,
              "auto-notice", b.notice ? b.notice : "no notice");
        MUST(ww_heap_destroy(heap));
    }
    exhaustion_checks();
    ww_heap dead = {0};
    ww_heap_stats st;
    expect(ww_heap_stats_get(dead, &st), WW_ERR_INVALID_HANDLE, NULL, scope, "zero-handle");
    check(strcmp(ww_status_name(WW_ERR_BUFFER_TOO_SMALL), "WW_ERR_BUFFER_TOO_SMALL") == 0, scope, "status-name", "");
}

/* ---- The tracker ------------------------------------------------------- */

static void tracker_checks(const char *mechanism) {
    ww_tracker t;
    ww_status opened = ww_tracker_open(mechanism, &t);
    if (opened == WW_ERR_UNSUPPORTED) {
        printf("skip tracker %s: %s\n", mechanism, ww_last_error());
        return;
    }
    char scope[64];
    snprintf(scope, sizeof scope, "tracker-%s", mechanism);
    expect(opened, WW_OK, NULL, scope, "open");
    if (opened != WW_OK) return;
    const char *name, *notice;
    expect(ww_tracker_mechanism(t, &name, &notice), WW_OK, NULL, scope, "mechanism");
    check(strcmp(mechanism, "auto") == 0 || strcmp(name, mechanism) == 0, scope, "mechanism-name", name);

    long page = sysconf(_SC_PAGESIZE);
    size_t length = 64 * (size_t)page;
    char *mem = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(mem, length, MADV_NOHUGEPAGE);
    expect(ww_tracker_track(t, mem + 1, (size_t)page), WW_ERR_INVALID_ARGUMENT, "aligned", scope, "track-unaligned");
    expect(ww_tracker_track(t, NULL, (size_t)page), WW_ERR_INVALID_ARGUMENT, "NULL", scope, "track-null");
    expect(ww_tracker_track(t, mem, length), WW_OK, NULL, scope, "track");
    expect(ww_tracker_track(t, mem, (size_t)page), WW_ERR_INVALID_ARGUMENT, "overlaps", scope, "track-overlap");

    /* Three separate written pages; room for one. */
    mem[3 * page] = 1;
    mem[10 * page] = 1;
    mem[20 * page + 5] = 1;
    ww_range ranges[8];
    size_t count = 0;
    expect(ww_tracker_peek(t, ranges, 8, &count), WW_OK, NULL, scope, "peek");
    check(count == 3, scope, "peek-count", "peek did not see 3 ranges");
    expect(ww_tracker_collect(t, ranges, 1, &count), WW_ERR_BUFFER_TOO_SMALL, "3 ranges needed", scope, "collect-too-small");
    check(count == 3, scope, "collect-needed", "count does not say 3");
    mem[40 * page] = 1; /* written after the failed collect */
    expect(ww_tracker_collect(t, NULL, 0, &count), WW_ERR_BUFFER_TOO_SMALL, NULL, scope, "collect-size-query");
    check(count == 4, scope, "collect-needed-grows", "count does not say 4");
    expect(ww_tracker_collect(t, ranges, 8, &count), WW_OK, NULL, scope, "collect");
    int exact = count == 4 && ranges[0].start == (uintptr_t)(mem + 3 * page) && ranges[0].end == ranges[0].start + (uintptr_t)page &&
                ranges[1].start == (uintptr_t)(mem + 10 * page) && ranges[2].start == (uintptr_t)(mem + 20 * page) &&
                ranges[3].start == (uintptr_t)(mem + 40 * page);
    check(exact, scope, "nothing-lost", "the ranges are not pages 3, 10, 20 and 40");
    expect(ww_tracker_collect(t, ranges, 8, &count), WW_OK, NULL, scope, "collect-again");
    check(count == 0, scope, "collect-rearmed", "a second collect reported pages");

    /* Reset forgets, including what a too-small collect kept. */
    mem[5 * page] = 1;
    mem[50 * page] = 1;
    expect(ww_tracker_collect(t, ranges, 1, &count), WW_ERR_BUFFER_TOO_SMALL, NULL, scope, "collect-too-small-2");
    expect(ww_tracker_reset(t, mem + 48 * page, 16 * (size_t)page), WW_OK, NULL, scope, "reset");
    expect(ww_tracker_collect(t, ranges, 8, &count), WW_OK, NULL, scope, "collect-after-reset");
    check(count == 1 && ranges[0].start == (uintptr_t)(mem + 5 * page), scope, "reset-forgets", "page 50 survived the reset");

    ww_tracker_stats stats;
    expect(ww_tracker_stats_get(t, &stats), WW_OK, NULL, scope, "stats");
    check(stats.collects >= 4 && stats.pages_reported >= 5, scope, "stats-counts", "collects or pages not counted");
    expect(ww_tracker_untrack(t, mem + page, (size_t)page), WW_ERR_INVALID_ARGUMENT, "not tracked", scope, "untrack-partial");
    expect(ww_tracker_untrack(t, mem, length), WW_OK, NULL, scope, "untrack");
    expect(ww_tracker_close(t), WW_OK, NULL, scope, "close");
    expect(ww_tracker_collect(t, ranges, 8, &count), WW_ERR_INVALID_HANDLE, "tracker handle", scope, "use-after-close");
    expect(ww_tracker_close(t), WW_ERR_INVALID_HANDLE, NULL, scope, "close-twice");
    munmap(mem, length);
}

static void tracker_misc_checks(void) {
    const char *scope = "tracker";
    ww_tracker t;
    expect(ww_tracker_open("telepathy", &t), WW_ERR_INVALID_ARGUMENT, "unknown mechanism", scope, "bad-mechanism");
    size_t length = 0;
    expect(ww_probe(NULL, 0, &length), WW_ERR_BUFFER_TOO_SMALL, "bytes needed", scope, "probe-size");
    char *text = malloc(length);
    expect(ww_probe(text, length, &length), WW_OK, NULL, scope, "probe");
    check(strstr(text, "uffd-async") && strstr(text, "kernel"), scope, "probe-text", text);
    free(text);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *all[] = {"hardware", "software", "software-cond", "mprotect", "uffd-sync", "none"};
    if (argc > 1) {
        for (int i = 1; i < argc; i++) heap_checks(argv[i]);
    } else {
        creation_checks();
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) heap_checks(all[i]);
        const char *mechanisms[] = {"uffd-async", "mprotect", "uffd-sync", "auto"};
        for (size_t i = 0; i < 4; i++) tracker_checks(mechanisms[i]);
        tracker_misc_checks();
    }
    printf("summary: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
