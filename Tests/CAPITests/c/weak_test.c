/* Weak boxes, ephemerons and guardians from C, under every barrier: each
 * function of writewatch.h's "Weak references" section, its semantics
 * across minor and major collections, and its error paths. Prints one line
 * per check ("ok SCOPE/NAME" or "FAIL SCOPE/NAME: why [last error]") and a
 * summary; CAPITests.swift compiles it against the built library, runs it
 * (also with WW_TEST_CONCURRENT=1: concurrent majors) and reads the lines.
 *
 * The heart of it is an old weak box set with ww_weak_set to a young
 * target: an old-to-young store that only the barrier reports, so under
 * the `none` barrier (the negative control) the same checks must fail,
 * which the run reports as "ok none/caught".
 *
 * Usage: weak_test [BARRIER...]   (default: every barrier, then none) */
#define _GNU_SOURCE
#include "writewatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

/* A small object with `tag` and 8 data bytes holding `tag` too. */
static ww_value object(ww_mutator m, uint32_t tag) {
    ww_value v;
    MUST(ww_allocate(m, 1, 8, tag, &v));
    *(uint64_t *)ww_data(v) = tag;
    return v;
}

/* Whether `v` is the live object tagged `tag` (its data intact). */
static int is_tagged(ww_value v, uint32_t tag) {
    return ww_is_object(v) && ww_tag(v) == tag && ww_data_size(v) == 8 && *(uint64_t *)ww_data(v) == tag;
}

static ww_value weak_target(ww_mutator m, ww_value box) {
    ww_value t = 0xdead0; /* not WW_NULL: a call that writes nothing is seen */
    MUST(ww_weak_get(m, box, &t));
    return t;
}

static ww_value root_value(ww_heap heap, ww_root r) {
    ww_value v;
    MUST(ww_root_get(heap, r, &v));
    return v;
}

/* ---- Old weak boxes set to young targets (the barrier's part) ---------- */

enum { BOXES = 256 };

/* BOXES weak boxes, made old in an old array, each set with ww_weak_set to
 * a fresh young target: the even targets kept alive by a young array, the
 * odd ones dead. After a minor the even boxes must read their (moved)
 * targets, the odd ones WW_NULL; *kept_wrong and *dead_wrong count those
 * that do not. */
static void old_boxes(ww_heap heap, ww_mutator m, const ww_barrier *barrier, ww_root boxes, ww_root keep,
                     int *kept_wrong, int *dead_wrong) {
    ww_value a = root_value(heap, boxes), k = root_value(heap, keep);
    for (int i = 0; i < BOXES; i++) {
        ww_value t = object(m, (uint32_t)(2000 + i)); /* may collect: reload */
        a = root_value(heap, boxes);
        k = root_value(heap, keep);
        if (i % 2 == 0) ww_store(barrier, k, (size_t)i, t);
        MUST(ww_weak_set(m, ww_load(a, (size_t)i), t));
    }
    MUST(ww_collect_minor(m));
    a = root_value(heap, boxes);
    k = root_value(heap, keep);
    *kept_wrong = *dead_wrong = 0;
    for (int i = 0; i < BOXES; i++) {
        ww_value t = weak_target(m, ww_load(a, (size_t)i));
        if (i % 2 == 0) {
            if (t != ww_load(k, (size_t)i) || !is_tagged(t, (uint32_t)(2000 + i))) ++*kept_wrong;
        } else if (t != WW_NULL) {
            ++*dead_wrong;
        }
    }
}

/* ---- A second thread: the main mutator is not its own ------------------- */

struct other {
    const char *scope;
    ww_mutator main_mutator;
    ww_value box, ephemeron, plain;
    ww_guardian guardian;
};

static void *other_main(void *arg) {
    struct other *o = arg;
    ww_mutator m = o->main_mutator;
    ww_value v, w;
    const char *s = o->scope;
    expect(ww_weak_create(m, WW_NULL, &v), WW_ERR_WRONG_THREAD, "another thread", s, "wrong-thread/weak-create");
    expect(ww_weak_get(m, o->box, &v), WW_ERR_WRONG_THREAD, NULL, s, "wrong-thread/weak-get");
    expect(ww_weak_set(m, o->box, WW_NULL), WW_ERR_WRONG_THREAD, NULL, s, "wrong-thread/weak-set");
    expect(ww_ephemeron_create(m, o->plain, WW_NULL, &v), WW_ERR_WRONG_THREAD, NULL, s, "wrong-thread/ephemeron-create");
    expect(ww_ephemeron_get(m, o->ephemeron, &v, &w), WW_ERR_WRONG_THREAD, NULL, s, "wrong-thread/ephemeron-get");
    expect(ww_guardian_register(m, o->guardian, o->plain), WW_ERR_WRONG_THREAD, NULL, s, "wrong-thread/guardian-register");
    expect(ww_guardian_pop(m, o->guardian, &v), WW_ERR_WRONG_THREAD, NULL, s, "wrong-thread/guardian-pop");
    return NULL;
}

/* ---- Everything, under one barrier -------------------------------------- */

static void weak_checks(const char *name) {
    ww_heap heap;
    ww_mutator m;
    if (!open_heap(name, &heap, &m)) return;
    ww_barrier barrier;
    MUST(ww_heap_barrier(heap, &barrier));
    int control = strcmp(name, "none") == 0;

    /* The old boxes: an old array of boxes made old with it (two minors,
     * promotion age 1), and a young array keeping the even targets. */
    ww_value a, b, v, k, x;
    MUST(ww_allocate(m, BOXES, 0, 70, &a));
    ww_root boxes, keep;
    MUST(ww_root_create(heap, a, &boxes));
    ww_status made = WW_OK;
    for (int i = 0; i < BOXES && made == WW_OK; i++) {
        made = ww_weak_create(m, WW_NULL, &b);
        a = root_value(heap, boxes);
        if (made == WW_OK) ww_store(&barrier, a, (size_t)i, b);
    }
    expect(made, WW_OK, NULL, name, "weak-create");
    if (made != WW_OK) return;
    MUST(ww_collect_minor(m));
    MUST(ww_collect_minor(m));
    MUST(ww_allocate(m, BOXES, 0, 71, &k));
    MUST(ww_root_create(heap, k, &keep));
    int kept_wrong, dead_wrong;
    old_boxes(heap, m, &barrier, boxes, keep, &kept_wrong, &dead_wrong);
    size_t problems = 0;
    ww_status verified = ww_heap_verify(heap, &problems);
    if (control) {
        /* The negative control: the old-box checks themselves must fail
         * (the verifier is not enough). Its heap holds dangling weak fields
         * now: nothing more is done with it. */
        char why[128];
        snprintf(why, sizeof why, "%d live and %d dead targets read wrong, verifier: %s", kept_wrong, dead_wrong,
                 ww_status_name(verified));
        printf("note %s: %s\n", name, why);
        check(kept_wrong > 0, name, "caught", why);
        MUST(ww_heap_destroy(heap));
        return;
    }
    char why[128];
    snprintf(why, sizeof why, "%d of %d boxes lost their moved live young target", kept_wrong, BOXES / 2);
    check(kept_wrong == 0, name, "old-box-young-target-moved", why);
    snprintf(why, sizeof why, "%d of %d boxes kept a dead young target", dead_wrong, BOXES / 2);
    check(dead_wrong == 0, name, "old-box-young-target-cleared", why);
    expect(verified, WW_OK, NULL, name, "verify");

    /* More minors: the targets are promoted and the boxes follow. */
    for (int round = 0; round < 3; round++) MUST(ww_collect_minor(m));
    a = root_value(heap, boxes);
    k = root_value(heap, keep);
    int followed = 1;
    for (int i = 0; i < BOXES; i += 2) {
        v = weak_target(m, ww_load(a, (size_t)i));
        if (v != ww_load(k, (size_t)i) || !is_tagged(v, (uint32_t)(2000 + i))) followed = 0;
    }
    check(followed, name, "old-box-after-minors", "a box lost its target across later minors");
    /* Old targets die at a major. */
    MUST(ww_root_release(heap, keep));
    MUST(ww_collect_major(m));
    MUST(ww_collect_minor(m));
    a = root_value(heap, boxes);
    int cleared = 1;
    for (int i = 0; i < BOXES; i++)
        if (weak_target(m, ww_load(a, (size_t)i)) != WW_NULL) cleared = 0;
    check(cleared, name, "old-box-old-target-major", "a major left a dead old target in a box");
    MUST(ww_root_release(heap, boxes));

    /* Young boxes: a live target (pushed) follows its move, a dead one is
     * cleared, an immediate stays. Each section starts with an empty
     * nursery, so that only the collections it asks for run. */
    MUST(ww_collect_minor(m));
    size_t depth0;
    MUST(ww_stack_depth(m, &depth0));
    MUST(ww_push(m, object(m, 3001)));
    MUST(ww_peek(m, 0, &x));
    ww_root live_box, dead_box, int_box;
    MUST(ww_weak_create(m, x, &b));
    MUST(ww_root_create(heap, b, &live_box));
    MUST(ww_weak_create(m, object(m, 3002), &b)); /* the target is held by nothing */
    MUST(ww_root_create(heap, b, &dead_box));
    MUST(ww_weak_create(m, ww_from_int(-7), &b));
    MUST(ww_root_create(heap, b, &int_box));
    MUST(ww_collect_minor(m));
    MUST(ww_peek(m, 0, &x));
    v = weak_target(m, root_value(heap, live_box));
    check(v == x && is_tagged(v, 3001), name, "young-box-live-target", "the box lost its moved target");
    check(weak_target(m, root_value(heap, dead_box)) == WW_NULL, name, "young-box-dead-target", "a dead target was kept");
    v = weak_target(m, root_value(heap, int_box));
    check(ww_is_int(v) && ww_to_int(v) == -7, name, "weak-immediate", "the immediate was mangled");
    expect(ww_weak_set(m, root_value(heap, int_box), WW_NULL), WW_OK, NULL, name, "weak-set-null");
    check(weak_target(m, root_value(heap, int_box)) == WW_NULL, name, "weak-set-null-reads", "the box does not read WW_NULL");
    MUST(ww_stack_truncate(m, depth0));

    /* The create calls may collect: they keep what they are given alive and
     * up to date, and leave the shadow stack as it was. */
    ww_heap_stats before, after;
    MUST(ww_heap_stats_get(heap, &before));
    int intact = 1, ephemerons_intact = 1;
    for (int i = 0; i < 30000; i++) {
        ww_value t = object(m, (uint32_t)(10000 + i));
        MUST(ww_weak_create(m, t, &b));
        if (!is_tagged(weak_target(m, b), (uint32_t)(10000 + i))) intact = 0;
        ww_value key, value, ek, ev;
        MUST(ww_push(m, object(m, 7)));
        value = object(m, 8);
        MUST(ww_pop(m, &key));
        MUST(ww_ephemeron_create(m, key, value, &b));
        MUST(ww_ephemeron_get(m, b, &ek, &ev));
        if (!is_tagged(ek, 7) || !is_tagged(ev, 8)) ephemerons_intact = 0;
    }
    MUST(ww_heap_stats_get(heap, &after));
    size_t depth;
    MUST(ww_stack_depth(m, &depth));
    check(after.minor_collections > before.minor_collections, name, "create-collects", "no create call collected");
    check(intact, name, "weak-create-keeps-target", "a box created across a collection lost its target");
    check(ephemerons_intact, name, "ephemeron-create-keeps-entry", "an ephemeron created across a collection lost its key or value");
    check(depth == depth0, name, "create-keeps-stack", "a create call changed the shadow stack's depth");

    /* Ephemerons. */
    MUST(ww_collect_minor(m));
    ww_root key1, live_e, dead_e, self_e, int_e;
    MUST(ww_root_create(heap, object(m, 20), &key1));
    v = object(m, 21);
    expect(ww_ephemeron_create(m, root_value(heap, key1), v, &b), WW_OK, NULL, name, "ephemeron-create");
    MUST(ww_root_create(heap, b, &live_e));
    MUST(ww_push(m, object(m, 22)));
    v = object(m, 23);
    MUST(ww_pop(m, &k));
    MUST(ww_ephemeron_create(m, k, v, &b)); /* the key is held by nothing */
    MUST(ww_root_create(heap, b, &dead_e));
    ww_value self_key = object(m, 24);
    MUST(ww_push(m, self_key));
    ww_value self_value = object(m, 25);
    MUST(ww_pop(m, &self_key));
    ww_store(&barrier, self_value, 0, self_key); /* the value refers to its own key */
    MUST(ww_ephemeron_create(m, self_key, self_value, &b));
    MUST(ww_root_create(heap, b, &self_e));
    MUST(ww_ephemeron_create(m, root_value(heap, key1), ww_from_int(5), &b));
    MUST(ww_root_create(heap, b, &int_e));
    MUST(ww_collect_minor(m));
    expect(ww_ephemeron_get(m, root_value(heap, live_e), &k, &v), WW_OK, NULL, name, "ephemeron-get");
    check(k == root_value(heap, key1) && is_tagged(k, 20) && is_tagged(v, 21), name, "ephemeron-live-key",
          "a live key or its value was lost");
    MUST(ww_ephemeron_get(m, root_value(heap, dead_e), &k, &v));
    check(k == WW_NULL && v == WW_NULL, name, "ephemeron-dead-key", "a dead key's entry was not cleared");
    MUST(ww_ephemeron_get(m, root_value(heap, self_e), &k, &v));
    check(k == WW_NULL && v == WW_NULL, name, "ephemeron-self-reference", "a value kept its own key alive");
    MUST(ww_ephemeron_get(m, root_value(heap, int_e), &k, &v));
    check(is_tagged(k, 20) && ww_is_int(v) && ww_to_int(v) == 5, name, "ephemeron-immediate-value", "the immediate value was mangled");
    /* Old: a major decides. */
    for (int round = 0; round < 2; round++) MUST(ww_collect_minor(m));
    MUST(ww_collect_major(m));
    MUST(ww_ephemeron_get(m, root_value(heap, live_e), &k, &v));
    check(k == root_value(heap, key1) && is_tagged(k, 20) && is_tagged(v, 21), name, "ephemeron-live-key-major",
          "a major lost a live key or its value");
    MUST(ww_root_release(heap, key1));
    MUST(ww_collect_major(m));
    MUST(ww_collect_minor(m));
    MUST(ww_ephemeron_get(m, root_value(heap, live_e), &k, &v));
    check(k == WW_NULL && v == WW_NULL, name, "ephemeron-old-dead-key", "a major kept a dead old key's entry");
    MUST(ww_ephemeron_get(m, root_value(heap, int_e), &k, &v));
    check(k == WW_NULL && v == WW_NULL, name, "ephemeron-old-dead-key-immediate", "a dead key's immediate value was kept");

    /* Guardians: young registrations, decided by a minor. */
    MUST(ww_collect_minor(m));
    ww_guardian g, none_ready;
    expect(ww_guardian_create(heap, &g), WW_OK, NULL, name, "guardian-create");
    MUST(ww_guardian_create(heap, &none_ready));
    ww_value ga = object(m, 40);
    expect(ww_guardian_register(m, g, ga), WW_OK, NULL, name, "guardian-register");
    MUST(ww_push(m, ga));
    ww_value gb = object(m, 41);
    MUST(ww_pop(m, &ga));
    MUST(ww_guardian_register(m, g, gb));
    expect(ww_guardian_register(m, g, ga), WW_OK, NULL, name, "guardian-register-again");
    ww_root guarded_box;
    MUST(ww_push(m, gb));
    MUST(ww_weak_create(m, gb, &b));
    MUST(ww_pop(m, NULL));
    MUST(ww_root_create(heap, b, &guarded_box));
    MUST(ww_guardian_register(m, none_ready, root_value(heap, int_box))); /* stays reachable */
    expect(ww_guardian_pop(m, g, &v), WW_OK, NULL, name, "guardian-pop");
    check(v == WW_NULL, name, "guardian-pop-before-collection", "an object was ready before any collection");
    MUST(ww_collect_minor(m));
    check(is_tagged(weak_target(m, root_value(heap, guarded_box)), 41), name, "guardian-keeps-weak-target",
          "a weak box to a guarded object was cleared");
    uint32_t popped[8];
    int count = 0;
    for (;;) {
        MUST(ww_guardian_pop(m, g, &v));
        if (v == WW_NULL || count == 8) break;
        popped[count++] = ww_is_object(v) && *(uint64_t *)ww_data(v) == ww_tag(v) ? ww_tag(v) : 0;
    }
    char order[96] = "";
    for (int i = 0; i < count; i++) snprintf(order + strlen(order), sizeof order - strlen(order), " %u", popped[i]);
    check(count == 3 && popped[0] == 40 && popped[1] == 41 && popped[2] == 40, name, "guardian-pop-order", order);
    check(count == 3, name, "guardian-register-twice", "an object registered twice did not come back twice");
    MUST(ww_guardian_pop(m, g, &v));
    check(v == WW_NULL, name, "guardian-pop-empty", "the queue did not end with WW_NULL");
    MUST(ww_guardian_pop(m, none_ready, &v));
    check(v == WW_NULL, name, "guardian-reachable-not-ready", "a reachable registered object was queued");
    MUST(ww_collect_major(m)); /* the collection that queued it promoted it (age 1) */
    MUST(ww_collect_minor(m));
    check(weak_target(m, root_value(heap, guarded_box)) == WW_NULL, name, "guardian-popped-then-dropped",
          "a popped and dropped object was kept");
    /* Old registrations: minors leave them, a major decides. */
    ww_root gc;
    MUST(ww_root_create(heap, object(m, 42), &gc));
    MUST(ww_collect_minor(m));
    MUST(ww_collect_minor(m));
    MUST(ww_guardian_register(m, g, root_value(heap, gc)));
    MUST(ww_root_release(heap, gc));
    MUST(ww_collect_minor(m));
    MUST(ww_guardian_pop(m, g, &v));
    check(v == WW_NULL, name, "guardian-old-not-minor", "a minor queued an old object");
    MUST(ww_collect_major(m));
    MUST(ww_guardian_pop(m, g, &v));
    check(is_tagged(v, 42), name, "guardian-old-major", "a major did not queue the dead old object");
    expect(ww_heap_verify(heap, &problems), WW_OK, NULL, name, "verify-after");

    /* Bad arguments, for each call. */
    MUST(ww_allocate(m, 1, 8, 90, &x)); /* a plain object */
    MUST(ww_push(m, x));
    ww_value box, eph;
    MUST(ww_weak_create(m, WW_NULL, &box));
    MUST(ww_push(m, box));
    MUST(ww_ephemeron_create(m, x, WW_NULL, &eph));
    MUST(ww_push(m, eph));
    MUST(ww_peek(m, 2, &x)); /* the creates may have moved them */
    MUST(ww_peek(m, 1, &box));
    uint64_t on_stack[4] = {0};
    ww_value wild = (ww_value)on_stack;
    ww_mutator bad_m = {m.id ^ ((uint64_t)1 << 40)};
    ww_heap bad_h = {heap.id ^ ((uint64_t)1 << 40)};
    ww_guardian zero = {0}, made_up = {0x123456789abcdefull};

    expect(ww_weak_create(m, WW_NULL, NULL), WW_ERR_INVALID_ARGUMENT, "ww_weak_create: box is NULL", name, "bad/weak-create-null-out");
    expect(ww_weak_create(m, wild, &v), WW_ERR_INVALID_ARGUMENT, "ww_weak_create: target", name, "bad/weak-create-wild-target");
    expect(ww_weak_create(bad_m, WW_NULL, &v), WW_ERR_INVALID_HANDLE, "mutator", name, "bad/weak-create-mutator");
    expect(ww_weak_get(m, WW_NULL, &v), WW_ERR_INVALID_ARGUMENT, "ww_weak_get: box", name, "bad/weak-get-null-box");
    expect(ww_weak_get(m, ww_from_int(3), &v), WW_ERR_INVALID_ARGUMENT, "not an object", name, "bad/weak-get-immediate");
    expect(ww_weak_get(m, x, &v), WW_ERR_INVALID_ARGUMENT, "not a weak box", name, "bad/weak-get-plain");
    expect(ww_weak_get(m, eph, &v), WW_ERR_INVALID_ARGUMENT, "is an ephemeron", name, "bad/weak-get-ephemeron");
    expect(ww_weak_get(m, wild, &v), WW_ERR_INVALID_ARGUMENT, "not an object of this heap", name, "bad/weak-get-wild");
    expect(ww_weak_get(m, box, NULL), WW_ERR_INVALID_ARGUMENT, "ww_weak_get: target is NULL", name, "bad/weak-get-null-out");
    expect(ww_weak_get(bad_m, box, &v), WW_ERR_INVALID_HANDLE, NULL, name, "bad/weak-get-mutator");
    expect(ww_weak_set(m, x, WW_NULL), WW_ERR_INVALID_ARGUMENT, "not a weak box", name, "bad/weak-set-plain");
    expect(ww_weak_set(m, ww_from_int(1), WW_NULL), WW_ERR_INVALID_ARGUMENT, "ww_weak_set: box", name, "bad/weak-set-immediate");
    expect(ww_weak_set(m, box, wild), WW_ERR_INVALID_ARGUMENT, "ww_weak_set: target", name, "bad/weak-set-wild-target");
    expect(ww_weak_set(m, box, (ww_value)0x1000), WW_ERR_INVALID_ARGUMENT, "neither WW_NULL", name, "bad/weak-set-outside");
    expect(ww_weak_set(bad_m, box, WW_NULL), WW_ERR_INVALID_HANDLE, NULL, name, "bad/weak-set-mutator");
    expect(ww_ephemeron_create(m, WW_NULL, WW_NULL, &v), WW_ERR_INVALID_ARGUMENT, "ww_ephemeron_create: key", name, "bad/ephemeron-create-null-key");
    expect(ww_ephemeron_create(m, ww_from_int(2), x, &v), WW_ERR_INVALID_ARGUMENT, "key", name, "bad/ephemeron-create-immediate-key");
    expect(ww_ephemeron_create(m, wild, x, &v), WW_ERR_INVALID_ARGUMENT, "not an object of this heap", name, "bad/ephemeron-create-wild-key");
    expect(ww_ephemeron_create(m, x, wild, &v), WW_ERR_INVALID_ARGUMENT, "ww_ephemeron_create: value", name, "bad/ephemeron-create-wild-value");
    expect(ww_ephemeron_create(m, x, WW_NULL, NULL), WW_ERR_INVALID_ARGUMENT, "ephemeron is NULL", name, "bad/ephemeron-create-null-out");
    expect(ww_ephemeron_create(bad_m, x, WW_NULL, &v), WW_ERR_INVALID_HANDLE, NULL, name, "bad/ephemeron-create-mutator");
    expect(ww_ephemeron_get(m, box, &k, &v), WW_ERR_INVALID_ARGUMENT, "not an ephemeron", name, "bad/ephemeron-get-box");
    expect(ww_ephemeron_get(m, x, &k, &v), WW_ERR_INVALID_ARGUMENT, "is a plain object", name, "bad/ephemeron-get-plain");
    expect(ww_ephemeron_get(m, WW_NULL, &k, &v), WW_ERR_INVALID_ARGUMENT, "ww_ephemeron_get: ephemeron", name, "bad/ephemeron-get-null");
    expect(ww_ephemeron_get(m, eph, NULL, &v), WW_ERR_INVALID_ARGUMENT, "key is NULL", name, "bad/ephemeron-get-null-key-out");
    expect(ww_ephemeron_get(m, eph, &k, NULL), WW_ERR_INVALID_ARGUMENT, "value is NULL", name, "bad/ephemeron-get-null-value-out");
    expect(ww_ephemeron_get(bad_m, eph, &k, &v), WW_ERR_INVALID_HANDLE, NULL, name, "bad/ephemeron-get-mutator");
    expect(ww_store_checked(m, eph, 0, WW_NULL), WW_ERR_INVALID_ARGUMENT, "not a plain object", name, "bad/store-checked-ephemeron");
    expect(ww_store_checked(m, box, 0, WW_NULL), WW_ERR_INVALID_ARGUMENT, "ww_weak_set", name, "bad/store-checked-box");
    expect(ww_guardian_create(heap, NULL), WW_ERR_INVALID_ARGUMENT, "ww_guardian_create: guardian is NULL", name, "bad/guardian-create-null-out");
    expect(ww_guardian_create(bad_h, &g), WW_ERR_INVALID_HANDLE, "heap", name, "bad/guardian-create-heap");
    ww_guardian g2;
    MUST(ww_guardian_create(heap, &g2));
    expect(ww_guardian_register(m, g2, WW_NULL), WW_ERR_INVALID_ARGUMENT, "ww_guardian_register: object", name, "bad/guardian-register-null");
    expect(ww_guardian_register(m, g2, ww_from_int(4)), WW_ERR_INVALID_ARGUMENT, "not an object", name, "bad/guardian-register-immediate");
    expect(ww_guardian_register(m, g2, wild), WW_ERR_INVALID_ARGUMENT, "not an object of this heap", name, "bad/guardian-register-wild");
    expect(ww_guardian_register(m, zero, x), WW_ERR_INVALID_HANDLE, "guardian", name, "bad/guardian-register-zero");
    expect(ww_guardian_register(m, made_up, x), WW_ERR_INVALID_HANDLE, "guardian", name, "bad/guardian-register-made-up");
    expect(ww_guardian_register(bad_m, g2, x), WW_ERR_INVALID_HANDLE, "mutator", name, "bad/guardian-register-mutator");
    expect(ww_guardian_pop(m, g2, NULL), WW_ERR_INVALID_ARGUMENT, "ww_guardian_pop: object is NULL", name, "bad/guardian-pop-null-out");
    expect(ww_guardian_pop(m, zero, &v), WW_ERR_INVALID_HANDLE, "guardian", name, "bad/guardian-pop-zero");
    expect(ww_guardian_pop(m, made_up, &v), WW_ERR_INVALID_HANDLE, "guardian", name, "bad/guardian-pop-made-up");
    expect(ww_guardian_pop(bad_m, g2, &v), WW_ERR_INVALID_HANDLE, "mutator", name, "bad/guardian-pop-mutator");
    expect(ww_guardian_destroy(bad_h, g2), WW_ERR_INVALID_HANDLE, "heap", name, "bad/guardian-destroy-heap");
    expect(ww_guardian_destroy(heap, made_up), WW_ERR_INVALID_HANDLE, "guardian", name, "bad/guardian-destroy-made-up");

    /* Destroy, then the handle is stale; a new guardian in its slot does
     * not answer to the old handle. */
    MUST(ww_guardian_register(m, g2, x));
    expect(ww_guardian_destroy(heap, g2), WW_OK, NULL, name, "guardian-destroy");
    expect(ww_guardian_pop(m, g2, &v), WW_ERR_INVALID_HANDLE, "guardian", name, "guardian-destroyed-pop");
    expect(ww_guardian_register(m, g2, x), WW_ERR_INVALID_HANDLE, "ww_guardian_create", name, "guardian-destroyed-register");
    expect(ww_guardian_destroy(heap, g2), WW_ERR_INVALID_HANDLE, "guardian", name, "guardian-destroy-twice");
    ww_guardian g3;
    MUST(ww_guardian_create(heap, &g3));
    check(g3.id != g2.id, name, "guardian-new-handle", "a new guardian reused a destroyed one's handle");
    expect(ww_guardian_pop(m, g2, &v), WW_ERR_INVALID_HANDLE, NULL, name, "guardian-stale-after-reuse");
    MUST(ww_guardian_destroy(heap, g3));

    /* The wrong thread, then an inactive mutator. */
    struct other other = {.scope = name, .main_mutator = m, .box = box, .ephemeron = eph, .plain = x, .guardian = g};
    pthread_t thread;
    pthread_create(&thread, NULL, other_main, &other);
    pthread_join(thread, NULL);
    MUST(ww_deactivate(m));
    expect(ww_weak_create(m, WW_NULL, &v), WW_ERR_INACTIVE, "ww_activate", name, "inactive/weak-create");
    expect(ww_weak_get(m, box, &v), WW_ERR_INACTIVE, NULL, name, "inactive/weak-get");
    expect(ww_weak_set(m, box, WW_NULL), WW_ERR_INACTIVE, NULL, name, "inactive/weak-set");
    expect(ww_ephemeron_create(m, x, WW_NULL, &v), WW_ERR_INACTIVE, NULL, name, "inactive/ephemeron-create");
    expect(ww_ephemeron_get(m, eph, &k, &v), WW_ERR_INACTIVE, NULL, name, "inactive/ephemeron-get");
    expect(ww_guardian_register(m, g, x), WW_ERR_INACTIVE, NULL, name, "inactive/guardian-register");
    expect(ww_guardian_pop(m, g, &v), WW_ERR_INACTIVE, NULL, name, "inactive/guardian-pop");
    MUST(ww_activate(m));
    MUST(ww_stack_truncate(m, depth0));
    expect(ww_guardian_destroy(heap, g), WW_OK, NULL, name, "guardian-destroy-with-registrations");
    MUST(ww_guardian_destroy(heap, none_ready));
    MUST(ww_collect_major(m));
    expect(ww_heap_verify(heap, &problems), WW_OK, NULL, name, "verify-end");

    /* After the heap is gone. */
    MUST(ww_heap_destroy(heap));
    expect(ww_weak_create(m, WW_NULL, &v), WW_ERR_INVALID_HANDLE, "mutator", name, "after-destroy/weak-create");
    expect(ww_guardian_pop(m, g, &v), WW_ERR_INVALID_HANDLE, "mutator", name, "after-destroy/guardian-pop");
    expect(ww_guardian_create(heap, &g), WW_ERR_INVALID_HANDLE, "heap", name, "after-destroy/guardian-create");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *all[] = {"hardware", "software", "software-cond", "mprotect", "uffd-sync", "none"};
    if (argc > 1) {
        for (int i = 1; i < argc; i++) weak_checks(argv[i]);
    } else {
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) weak_checks(all[i]);
    }
    printf("summary: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
