/* WriteWatch's C API: the generational heap for any language runtime, and
 * the dirty-page tracker on its own (a GetWriteWatch for Linux).
 *
 * Link with -lwritewatch-c (built by `swift build -c release`, in
 * .build/release; see README.md for the link lines).
 *
 * Conventions
 * - Every call that can fail returns a ww_status; WW_OK is 0. On failure,
 *   ww_last_error() gives this thread's message: the same text the Swift
 *   error gives (which feature, which kernel version, errno, what to do).
 *   Out-parameters are written only on success, unless a call says otherwise.
 * - Handles (ww_heap, ww_mutator, ww_tracker, ww_root, ww_guardian) are
 *   values, not pointers. A handle that was destroyed, detached, closed or
 *   released is detected and refused with WW_ERR_INVALID_HANDLE; it never
 *   reaches freed memory. Destroying a handle while another thread uses it is a race
 *   the caller must prevent, as with free().
 * - Objects are ww_value words: 0 is nil, an 8-aligned word is an object's
 *   address, a word with the low bit set is an immediate integer. An object
 *   address is valid until the thread's next allocation, safepoint,
 *   collection or activation (the nursery is a copying collector); hold
 *   objects across those on the shadow stack (ww_push) or in a ww_root.
 * - Threads: the thread that creates a heap gets its first mutator; other
 *   threads ww_attach. A mutator is used only by the thread that got it.
 *   A thread about to block calls ww_deactivate, and ww_activate after.
 *
 * The store barrier is inline (ww_store): under the hardware, mprotect and
 * uffd-sync barriers it is a plain store, under software one more byte
 * store. If the barrier is fixed when the embedder compiles, pass a
 * constant store kind to ww_store_kind and the compiler drops the others. */
#ifndef WRITEWATCH_H
#define WRITEWATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define WW_STATIC_ASSERT(condition, message) static_assert(condition, message)
#else
#define WW_STATIC_ASSERT(condition, message) _Static_assert(condition, message)
#endif

WW_STATIC_ASSERT(sizeof(void *) == 8 && sizeof(uintptr_t) == 8, "WriteWatch needs a 64-bit target");

/* ---- Status ------------------------------------------------------------ */

typedef int32_t ww_status;
enum {
    WW_OK = 0,
    WW_ERR_INVALID_ARGUMENT = 1, /* a bad name, size, index or null pointer  */
    WW_ERR_INVALID_HANDLE = 2,   /* destroyed, detached, closed or released  */
    WW_ERR_UNSUPPORTED = 3,      /* the kernel lacks a feature (see message) */
    WW_ERR_SYSTEM = 4,           /* a system call failed (errno in message)  */
    WW_ERR_HEAP_EXHAUSTED = 5,   /* live data exceeds heap_limit_bytes       */
    WW_ERR_BUFFER_TOO_SMALL = 6, /* *count or *length says what is needed    */
    WW_ERR_WRONG_THREAD = 7,     /* a mutator used by a thread not its own   */
    WW_ERR_INACTIVE = 8,         /* the mutator is inactive: ww_activate     */
    WW_ERR_BUSY = 9,             /* other threads are still attached         */
    WW_ERR_VERIFY_FAILED = 10,   /* the heap verifier found problems         */
    WW_ERR_TOO_MANY = 11         /* too many live handles of one kind        */
};

/* This thread's message for its last failed call ("" if none failed). Valid
 * until this thread's next failing call. */
const char *ww_last_error(void);

/* "WW_OK", "WW_ERR_INVALID_ARGUMENT", ... ("unknown status" otherwise). */
const char *ww_status_name(ww_status status);

/* ---- Handles and values ------------------------------------------------ */

typedef struct ww_heap { uint64_t id; } ww_heap;
typedef struct ww_mutator { uint64_t id; } ww_mutator;
typedef struct ww_tracker { uint64_t id; } ww_tracker;
typedef struct ww_root { uint64_t id; } ww_root;
WW_STATIC_ASSERT(sizeof(ww_heap) == 8 && sizeof(ww_mutator) == 8 && sizeof(ww_tracker) == 8 && sizeof(ww_root) == 8,
                 "handles are one 64-bit word");

typedef uintptr_t ww_value;
#define WW_NULL ((ww_value)0)

static inline ww_value ww_from_int(intptr_t i) { return ((uintptr_t)i << 1) | 1u; }
static inline int ww_is_int(ww_value v) { return (int)(v & 1u); }
static inline intptr_t ww_to_int(ww_value v) { return (intptr_t)v >> 1; }
static inline int ww_is_object(ww_value v) { return v != 0 && (v & 7u) == 0; }

/* ---- Objects: the layout the inline accessors read --------------------- */

/* Two header words precede the pointer fields:
 *   word 0: pointer-field count (low 32 bits) | data bytes (high 32 bits)
 *   word 1: the embedder's tag (low 32 bits) | the collector's bits
 * Pointer fields follow, 8 bytes each, then the data bytes. */
#define WW_HEADER_BYTES 16

static inline uintptr_t *ww_header(ww_value object) { return (uintptr_t *)object; }
static inline uint32_t ww_pointer_count(ww_value object) { return (uint32_t)ww_header(object)[0]; }
static inline uint32_t ww_data_size(ww_value object) { return (uint32_t)(ww_header(object)[0] >> 32); }
static inline uint32_t ww_tag(ww_value object) { return (uint32_t)ww_header(object)[1]; }
static inline ww_value *ww_slot(ww_value object, size_t field) {
    return (ww_value *)(object + WW_HEADER_BYTES) + field;
}
/* The data bytes: plain memory, written without a barrier. */
static inline void *ww_data(ww_value object) {
    return (void *)(object + WW_HEADER_BYTES + 8u * (uintptr_t)ww_pointer_count(object));
}
/* Reads pointer field `field` (unchecked: field < ww_pointer_count). */
static inline ww_value ww_load(ww_value object, size_t field) { return *ww_slot(object, field); }

/* ---- The store barrier, inline ---------------------------------------- */

enum {
    WW_STORE_PLAIN = 0,           /* hardware, mprotect, uffd-sync, none */
    WW_STORE_CARD = 1,            /* software: mark the card             */
    WW_STORE_CARD_CONDITIONAL = 2 /* software-cond: mark if clean        */
};

/* What ww_store needs, from ww_heap_barrier. Constant for a heap's life. */
typedef struct ww_barrier {
    uint32_t store_kind;          /* WW_STORE_*                                */
    uint32_t card_shift;          /* log2 of the card size (card barriers)     */
    uintptr_t card_table_biased;  /* slot s's card byte: biased + (s >> shift) */
    const char *name;             /* "hardware", "software", ...               */
    const char *notice;           /* why `auto` fell back, or NULL             */
} ww_barrier;
WW_STATIC_ASSERT(sizeof(ww_barrier) == 32, "ww_barrier layout");
WW_STATIC_ASSERT(offsetof(ww_barrier, store_kind) == 0, "ww_barrier layout");
WW_STATIC_ASSERT(offsetof(ww_barrier, card_shift) == 4, "ww_barrier layout");
WW_STATIC_ASSERT(offsetof(ww_barrier, card_table_biased) == 8, "ww_barrier layout");
WW_STATIC_ASSERT(offsetof(ww_barrier, name) == 16, "ww_barrier layout");
WW_STATIC_ASSERT(offsetof(ww_barrier, notice) == 24, "ww_barrier layout");

/* The card mark for a store into `slot`, given the store kind. */
static inline void ww_store_barrier(uint32_t kind, const ww_barrier *barrier, ww_value *slot) {
    if (kind == WW_STORE_PLAIN) return;
    uint8_t *card = (uint8_t *)(barrier->card_table_biased + ((uintptr_t)slot >> barrier->card_shift));
    if (kind == WW_STORE_CARD_CONDITIONAL && *card != 0) return;
    *card = 1;
}

/* Writes pointer field `field` with the store kind given; a constant kind
 * compiles to exactly that barrier. Unchecked: field < ww_pointer_count. */
static inline void ww_store_kind(uint32_t kind, const ww_barrier *barrier, ww_value object, size_t field,
                                 ww_value value) {
    ww_value *slot = ww_slot(object, field);
    *slot = value;
    ww_store_barrier(kind, barrier, slot);
}

/* Writes pointer field `field` through the heap's barrier. */
static inline void ww_store(const ww_barrier *barrier, ww_value object, size_t field, ww_value value) {
    ww_store_kind(barrier->store_kind, barrier, object, field, value);
}

/* ---- Heap -------------------------------------------------------------- */

enum { WW_MAJOR_STOP_THE_WORLD = 0, WW_MAJOR_CONCURRENT = 1 };

typedef struct ww_heap_options {
    uint32_t size;                   /* sizeof(ww_heap_options), set by init      */
    uint32_t promotion_age;          /* minors survived before promotion: 1-3 (2) */
    const char *barrier;             /* "auto" (default) or a barrier's name      */
    uint64_t nursery_bytes;          /* eden: 64 KiB - 1 GiB, an override; 0 (the
                                        default): a sixth of heap_limit_bytes,
                                        256 KiB - 32 MiB                         */
    uint64_t heap_limit_bytes;       /* the heap's one size, young and old
                                        together: 1 MiB - 1 TiB (1 GiB)          */
    uint64_t allocation_buffer_bytes;/* per-thread buffer: 1 KiB - nursery (32 KiB) */
    uint64_t reserved;               /* must be 0                                 */
    uint32_t major_mode;             /* WW_MAJOR_STOP_THE_WORLD or _CONCURRENT     */
    uint32_t card_bytes;             /* software barriers: 64 - 4096, power of 2 (512) */
    uint32_t poison_freed_memory;    /* 1: fill freed nursery memory (debugging)  */
    uint32_t stall_report_ms;        /* a collection waiting this long for a thread
                                        names it once (2000); 0: never           */
} ww_heap_options;
WW_STATIC_ASSERT(sizeof(ww_heap_options) == 64, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, size) == 0, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, promotion_age) == 4, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, barrier) == 8, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, nursery_bytes) == 16, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, heap_limit_bytes) == 24, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, allocation_buffer_bytes) == 32, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, reserved) == 40, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, major_mode) == 48, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, card_bytes) == 52, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, poison_freed_memory) == 56, "ww_heap_options layout");
WW_STATIC_ASSERT(offsetof(ww_heap_options, stall_report_ms) == 60, "ww_heap_options layout");

/* Fills `options` with the defaults (and its size). */
void ww_heap_options_init(ww_heap_options *options);

/* Creates a heap (NULL options: the defaults) and the calling thread's
 * mutator. A named barrier this machine cannot run is WW_ERR_UNSUPPORTED;
 * "auto" falls back to software and says why in ww_barrier.notice. */
ww_status ww_heap_create(const ww_heap_options *options, ww_heap *heap, ww_mutator *mutator);

/* Destroys the heap and its creating thread's mutator. WW_ERR_BUSY while
 * other threads are attached. Every object, root and handle of it dies. */
ww_status ww_heap_destroy(ww_heap heap);

/* The store barrier's description, for ww_store. */
ww_status ww_heap_barrier(ww_heap heap, ww_barrier *barrier);

typedef struct ww_heap_stats {
    uint64_t minor_collections;
    uint64_t major_collections;
    uint64_t allocated_bytes;
    uint64_t promoted_bytes;
    uint64_t old_bytes_in_use;
    uint64_t large_objects_allocated;
    uint64_t dirty_pages;            /* written pages the page barriers reported */
    uint64_t dirty_cards;            /* dirty cards the card barriers reported   */
    uint64_t scan_calls;             /* PAGEMAP_SCAN calls (hardware)            */
    uint64_t rearm_calls;            /* calls that re-armed pages                */
    uint64_t collector_fault_pages;  /* protection faults the collector took: 0  */
    uint64_t degraded_collections;   /* collections that reported conservatively */
    uint64_t remembered_slots;
    uint64_t minor_nanoseconds;      /* total minor pause time                   */
    uint64_t major_nanoseconds;      /* total major pause time                   */
    uint64_t max_minor_pause_nanoseconds;
    uint64_t threads_stopped;        /* other threads stopped, summed over GCs  */
    uint64_t attached_threads;
} ww_heap_stats;
WW_STATIC_ASSERT(sizeof(ww_heap_stats) == 18 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, minor_collections) == 0 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, major_collections) == 1 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, allocated_bytes) == 2 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, promoted_bytes) == 3 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, old_bytes_in_use) == 4 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, large_objects_allocated) == 5 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, dirty_pages) == 6 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, dirty_cards) == 7 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, scan_calls) == 8 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, rearm_calls) == 9 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, collector_fault_pages) == 10 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, degraded_collections) == 11 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, remembered_slots) == 12 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, minor_nanoseconds) == 13 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, major_nanoseconds) == 14 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, max_minor_pause_nanoseconds) == 15 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, threads_stopped) == 16 * 8, "ww_heap_stats layout");
WW_STATIC_ASSERT(offsetof(ww_heap_stats, attached_threads) == 17 * 8, "ww_heap_stats layout");

/* Running totals. Read it from an attached thread between collections. */
ww_status ww_heap_stats_get(ww_heap heap, ww_heap_stats *stats);

/* Checks every heap invariant with the world stopped. Call it from the
 * thread that created the heap, active (WW_ERR_WRONG_THREAD otherwise). WW_ERR_VERIFY_FAILED names the first problems;
 * *problems (if not NULL) gets how many there were, on success too. */
ww_status ww_heap_verify(ww_heap heap, size_t *problems);

/* ---- Threads ----------------------------------------------------------- */

/* Attaches the calling thread; WW_ERR_INVALID_ARGUMENT if it already is. */
ww_status ww_attach(ww_heap heap, ww_mutator *mutator);
/* Leaves the heap: what only this thread's shadow stack held may die. */
ww_status ww_detach(ww_mutator mutator);
/* Parks here while another thread collects; one load otherwise. A loop
 * that neither allocates nor calls this holds up other threads' GCs. */
ww_status ww_safepoint(ww_mutator mutator);
/* Around a blocking call: an inactive thread never delays a collection and
 * must not touch heap objects (except large objects, which never move). */
ww_status ww_deactivate(ww_mutator mutator);
ww_status ww_activate(ww_mutator mutator);

/* ---- Allocation, checked access, collections --------------------------- */

/* An object with `pointers` nil fields, `bytes` zero data bytes and the
 * embedder's `tag`. May collect first. */
ww_status ww_allocate(ww_mutator mutator, size_t pointers, size_t bytes, uint32_t tag, ww_value *object);

/* Field access with the index checked (WW_ERR_INVALID_ARGUMENT if out of
 * range or `object` is not an object). */
ww_status ww_load_checked(ww_mutator mutator, ww_value object, size_t field, ww_value *value);
ww_status ww_store_checked(ww_mutator mutator, ww_value object, size_t field, ww_value value);

ww_status ww_collect_minor(ww_mutator mutator);
/* A complete major collection in either major mode: everything unreachable
 * when it is called is freed, its weak boxes and ephemerons cleared, its
 * guarded objects queued (a concurrent cycle under way is finished, then
 * followed by a stop-the-world major). */
ww_status ww_collect_major(ww_mutator mutator);

/* ---- The shadow stack: values held across allocations ------------------ */

ww_status ww_push(ww_mutator mutator, ww_value value);
/* Pops the top value into *value (NULL: discard it). */
ww_status ww_pop(ww_mutator mutator, ww_value *value);
/* The value `depth` entries below the top (0 is the top). */
ww_status ww_peek(ww_mutator mutator, size_t depth, ww_value *value);
ww_status ww_stack_depth(ww_mutator mutator, size_t *depth);
/* Slots counted from the bottom, for interpreters that keep registers there. */
ww_status ww_stack_get(ww_mutator mutator, size_t index, ww_value *value);
ww_status ww_stack_set(ww_mutator mutator, size_t index, ww_value value);
ww_status ww_stack_truncate(ww_mutator mutator, size_t depth);

/* ---- Inline fast paths: allocation and the shadow stack ---------------- */

/* A mutator's allocation buffer and shadow stack, as the library keeps them
 * (ww_mutator_fast_path checks that this layout matches the library's). The
 * inline functions below bump-allocate and push without a call, and fall
 * back to the called versions when the buffer or the stack is full; they
 * skip the called versions' checks (the owning thread, arguments), so use
 * them only on the mutator's own thread, with valid arguments. */
typedef struct ww_mutator_fast {
    uintptr_t top;        /* the allocation buffer is [top, end); both 0: none */
    uintptr_t end;
    ww_value *stack;      /* the shadow stack: depth values of capacity        */
    intptr_t depth;
    intptr_t capacity;
    uintptr_t owner;      /* read only: the owning thread                      */
    uint8_t active;       /* read only: 0 while the thread is inactive         */
} ww_mutator_fast;
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, top) == 0, "ww_mutator_fast layout");
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, end) == 8, "ww_mutator_fast layout");
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, stack) == 16, "ww_mutator_fast layout");
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, depth) == 24, "ww_mutator_fast layout");
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, capacity) == 32, "ww_mutator_fast layout");
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, owner) == 40, "ww_mutator_fast layout");
WW_STATIC_ASSERT(offsetof(ww_mutator_fast, active) == 48, "ww_mutator_fast layout");

/* Objects above this size (header included) are large: allocated by the
 * library, never moved. */
#define WW_MAX_SMALL_BYTES 8192

/* The mutator's fast-path state; valid until it detaches or its heap is
 * destroyed. Call it on the mutator's own thread. */
ww_status ww_mutator_fast_path(ww_mutator mutator, ww_mutator_fast **fast);

/* ww_allocate, inline while the object is small and fits the buffer. */
static inline ww_status ww_allocate_fast(ww_mutator mutator, ww_mutator_fast *fast, size_t pointers, size_t bytes,
                                         uint32_t tag, ww_value *object) {
    size_t size = WW_HEADER_BYTES + 8 * pointers + ((bytes + 7) & ~(size_t)7);
    uintptr_t top = fast->top;
    if (pointers < WW_MAX_SMALL_BYTES && bytes < WW_MAX_SMALL_BYTES && size <= WW_MAX_SMALL_BYTES &&
        fast->end - top >= size && fast->active) {
        fast->top = top + size;
        uintptr_t *header = (uintptr_t *)top;
        header[0] = (uintptr_t)pointers | (uintptr_t)bytes << 32;
        header[1] = tag;
        for (size_t i = 2; i < size / 8; i++) header[i] = 0;
        *object = top;
        return WW_OK;
    }
    return ww_allocate(mutator, pointers, bytes, tag, object);
}

/* ww_push, inline while the stack has room. */
static inline ww_status ww_push_fast(ww_mutator mutator, ww_mutator_fast *fast, ww_value value) {
    if (fast->depth < fast->capacity) {
        fast->stack[fast->depth++] = value;
        return WW_OK;
    }
    return ww_push(mutator, value);
}

/* Unchecked: the stack must hold a value there. */
static inline ww_value ww_pop_fast(ww_mutator_fast *fast) { return fast->stack[--fast->depth]; }
static inline ww_value ww_peek_fast(const ww_mutator_fast *fast, size_t depth) {
    return fast->stack[fast->depth - 1 - (intptr_t)depth];
}

/* ---- Roots: values held from anywhere, updated when objects move -------- */

ww_status ww_root_create(ww_heap heap, ww_value value, ww_root *root);
ww_status ww_root_get(ww_heap heap, ww_root root, ww_value *value);
ww_status ww_root_set(ww_heap heap, ww_root root, ww_value value);
ww_status ww_root_release(ww_heap heap, ww_root root);

/* ---- Weak references: weak boxes, ephemerons, guardians ---------------- */

/* With the semantics of Chez Scheme and Guile. A weak box and an ephemeron
 * are heap objects of their own kind, allocated young and moved like any
 * other (hold them on the shadow stack or in a root); read and set their
 * fields through these calls, which refuse an object of another kind with
 * WW_ERR_INVALID_ARGUMENT. A collection decides their targets after
 * tracing the strong references: ephemerons to a fixpoint, then guardians,
 * then clearing. Minors decide young targets, majors old ones.
 *
 * The create calls may collect first; they keep the values passed to them
 * alive and up to date across it (the caller need not push them). Each call
 * refuses a word that is not an object of this heap where one is needed
 * (WW_ERR_INVALID_ARGUMENT) and NULL out-pointers (WW_ERR_INVALID_ARGUMENT),
 * and checks its mutator like the other mutator calls (WW_ERR_WRONG_THREAD,
 * WW_ERR_INACTIVE). */

/* A weak box holding `target` (an object, WW_NULL or an immediate), which
 * the box does not keep alive. */
ww_status ww_weak_create(ww_mutator mutator, ww_value target, ww_value *box);
/* The box's target: the object (at its current address) while it is alive,
 * WW_NULL once a collection has found it unreachable. */
ww_status ww_weak_get(ww_mutator mutator, ww_value box, ww_value *target);
/* Sets the box's target (an object, WW_NULL or an immediate): a pointer
 * store through the barrier, so an old box may be given a young target. */
ww_status ww_weak_set(ww_mutator mutator, ww_value box, ww_value target);

/* An ephemeron: `key` (an object) and `value` (an object, WW_NULL or an
 * immediate). The value is kept alive only while the key is alive by paths
 * other than this ephemeron's value (a value that refers to its own key does
 * not keep it alive); once a collection finds the key dead, both read
 * WW_NULL. */
ww_status ww_ephemeron_create(ww_mutator mutator, ww_value key, ww_value value, ww_value *ephemeron);
/* The ephemeron's key and value (both WW_NULL once the key died). */
ww_status ww_ephemeron_get(ww_mutator mutator, ww_value ephemeron, ww_value *key, ww_value *value);

/* A guardian: objects registered with it are not freed when they become
 * unreachable. The collection that finds one unreachable keeps it (and what
 * it reaches: weak boxes and ephemeron keys to it are not cleared) and
 * queues it; ww_guardian_pop hands it back, a strong reference again, for
 * the runtime's own clean-up. A handle like the others, of the heap that
 * created it, usable from any attached thread; a destroyed one (or a zeroed
 * or made-up one) is refused with WW_ERR_INVALID_HANDLE. */
typedef struct ww_guardian { uint64_t id; } ww_guardian;
WW_STATIC_ASSERT(sizeof(ww_guardian) == 8, "handles are one 64-bit word");

/* A new guardian, with nothing registered. */
ww_status ww_guardian_create(ww_heap heap, ww_guardian *guardian);
/* Registers `object` (an object of this heap): each registration comes back
 * once, so an object registered twice is popped twice. */
ww_status ww_guardian_register(ww_mutator mutator, ww_guardian guardian, ww_value object);
/* The earliest-registered object a collection found unreachable and that
 * was not popped yet, into *object; WW_NULL: none is ready. Valid like any
 * object address (hold it before the next allocation). */
ww_status ww_guardian_pop(ww_mutator mutator, ww_guardian guardian, ww_value *object); /* WW_NULL: none ready */
/* Destroys the guardian: its registrations and ready queue are dropped (the
 * objects are ordinary objects again) and the handle dies. */
ww_status ww_guardian_destroy(ww_heap heap, ww_guardian guardian);

/* ---- The tracker on its own: GetWriteWatch for Linux ------------------- */

typedef struct ww_range {
    uintptr_t start; /* page-aligned */
    uintptr_t end;   /* page-aligned, exclusive */
} ww_range;
WW_STATIC_ASSERT(sizeof(ww_range) == 16, "ww_range layout");
WW_STATIC_ASSERT(offsetof(ww_range, start) == 0 && offsetof(ww_range, end) == 8, "ww_range layout");

typedef struct ww_tracker_stats {
    uint64_t collects;
    uint64_t scan_calls;
    uint64_t pages_reported;
    uint64_t degraded_collects; /* collects that reported ranges conservatively */
} ww_tracker_stats;
WW_STATIC_ASSERT(sizeof(ww_tracker_stats) == 32, "ww_tracker_stats layout");
WW_STATIC_ASSERT(offsetof(ww_tracker_stats, collects) == 0, "ww_tracker_stats layout");
WW_STATIC_ASSERT(offsetof(ww_tracker_stats, scan_calls) == 8, "ww_tracker_stats layout");
WW_STATIC_ASSERT(offsetof(ww_tracker_stats, pages_reported) == 16, "ww_tracker_stats layout");
WW_STATIC_ASSERT(offsetof(ww_tracker_stats, degraded_collects) == 24, "ww_tracker_stats layout");

/* What this machine supports, one line per mechanism, NUL-terminated into
 * `text`. *length gets the bytes needed, NUL included; if `capacity` is
 * smaller, nothing is written and the status is WW_ERR_BUFFER_TOO_SMALL. */
ww_status ww_probe(char *text, size_t capacity, size_t *length);

/* Opens a tracker: "uffd-async", "mprotect", "uffd-sync", or "auto"
 * (uffd-async, else mprotect, with the reason in the notice). */
ww_status ww_tracker_open(const char *mechanism, ww_tracker *tracker);
/* The mechanism's name and why `auto` fell back (NULL if it did not). */
ww_status ww_tracker_mechanism(ww_tracker tracker, const char **name, const char **notice);
/* Starts or stops watching [start, start + length): page-aligned, disjoint. */
ww_status ww_tracker_track(ww_tracker tracker, void *start, size_t length);
ww_status ww_tracker_untrack(ww_tracker tracker, void *start, size_t length);
/* The pages written since the previous collect, as sorted, coalesced ranges,
 * re-armed (GetWriteWatch with WRITE_WATCH_FLAG_RESET). *count gets how many
 * ranges there are. If `capacity` is smaller, nothing is lost: the status is
 * WW_ERR_BUFFER_TOO_SMALL, *count says how many entries are needed, and the
 * next collect returns these ranges with any written since. */
ww_status ww_tracker_collect(ww_tracker tracker, ww_range *ranges, size_t capacity, size_t *count);
/* The same without re-arming (GetWriteWatch without the reset flag). */
ww_status ww_tracker_peek(ww_tracker tracker, ww_range *ranges, size_t capacity, size_t *count);
/* Forgets writes to [start, start + length) and re-arms it (ResetWriteWatch). */
ww_status ww_tracker_reset(ww_tracker tracker, void *start, size_t length);
ww_status ww_tracker_stats_get(ww_tracker tracker, ww_tracker_stats *stats);
/* Stops watching everything; the handle dies. */
ww_status ww_tracker_close(ww_tracker tracker);

#ifdef __cplusplus
}
#endif
#endif /* WRITEWATCH_H */
