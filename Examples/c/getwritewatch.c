/* Windows' write-watch API (VirtualAlloc with MEM_WRITE_WATCH,
 * GetWriteWatch, ResetWriteWatch) on WriteWatch's tracker: what Wine or a
 * port of a Windows garbage collector needs on Linux.
 *
 *   cc -O2 -ISources/CWriteWatchAPI/include Examples/c/getwritewatch.c \
 *      -L.build/release -lwritewatch-c -Wl,-rpath,$PWD/.build/release
 *   ./a.out [MECHANISM]      (auto, uffd-async, mprotect or uffd-sync) */
#define _GNU_SOURCE
#include "writewatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WRITE_WATCH_FLAG_RESET 1

/* One watched allocation. */
typedef struct watched {
    char *base;
    size_t size;
    ww_tracker tracker;
    ww_range *ranges; /* room for the worst case: every other page written */
    size_t range_capacity;
} watched;

/* VirtualAlloc(NULL, size, MEM_COMMIT | MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE) */
static int watch_alloc(watched *w, size_t size, const char *mechanism) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    w->size = (size + page - 1) / page * page;
    w->base = mmap(NULL, w->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w->base == MAP_FAILED) return -1;
    madvise(w->base, w->size, MADV_NOHUGEPAGE); /* a huge page would be reported as 512 pages */
    w->range_capacity = w->size / page / 2 + 1;
    w->ranges = malloc(w->range_capacity * sizeof *w->ranges);
    if (ww_tracker_open(mechanism, &w->tracker) != WW_OK || ww_tracker_track(w->tracker, w->base, w->size) != WW_OK) {
        fprintf(stderr, "write watch: %s\n", ww_last_error());
        return -1;
    }
    return 0;
}

/* GetWriteWatch: the written pages' addresses, at most *count of them;
 * with WRITE_WATCH_FLAG_RESET they are re-armed. Returns 0, or -1 with
 * *count set to the number needed when `addresses` is too small (nothing
 * is reset or lost then). */
static int get_write_watch(watched *w, int flags, void **addresses, size_t *count, size_t *granularity) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0, pages = 0;
    ww_status s = ww_tracker_peek(w->tracker, w->ranges, w->range_capacity, &n);
    if (s != WW_OK) return -1;
    for (size_t i = 0; i < n; i++) pages += (w->ranges[i].end - w->ranges[i].start) / page;
    if (pages > *count) {
        *count = pages;
        return -1;
    }
    /* Re-arm and read in one call: a page written since the peek is in this
     * result, or (if it no longer fits) kept by the tracker for next time. */
    if ((flags & WRITE_WATCH_FLAG_RESET) &&
        ww_tracker_collect(w->tracker, w->ranges, w->range_capacity, &n) != WW_OK)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (uintptr_t p = w->ranges[i].start; p < w->ranges[i].end && k < *count; p += page) addresses[k++] = (void *)p;
    *count = k;
    *granularity = page;
    return 0;
}

/* ResetWriteWatch */
static int reset_write_watch(watched *w, void *base, size_t size) {
    return ww_tracker_reset(w->tracker, base, size) == WW_OK ? 0 : -1;
}

static void print_pages(const char *label, watched *w, void **addresses, size_t count, size_t granularity) {
    printf("%s:", label);
    if (count == 0) printf(" none");
    for (size_t i = 0; i < count; i++) printf(" %zu", (size_t)((char *)addresses[i] - w->base) / granularity);
    printf("\n");
}

int main(int argc, char **argv) {
    watched w;
    if (watch_alloc(&w, 64 * 4096, argc > 1 ? argv[1] : "auto") != 0) return 1;
    const char *name, *notice;
    ww_tracker_mechanism(w.tracker, &name, &notice);
    printf("mechanism: %s%s%s\n", name, notice ? " - " : "", notice ? notice : "");

    void *addresses[64];
    size_t count, granularity;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    w.base[1 * page] = 1;
    w.base[5 * page + 17] = 1;
    w.base[9 * page] = 1;
    w.base[10 * page] = 1;

    count = 2;
    if (get_write_watch(&w, WRITE_WATCH_FLAG_RESET, addresses, &count, &granularity) != 0)
        printf("too small: %zu pages needed\n", count);
    count = 64;
    get_write_watch(&w, 0, addresses, &count, &granularity);
    print_pages("written", &w, addresses, count, granularity);
    count = 64;
    get_write_watch(&w, WRITE_WATCH_FLAG_RESET, addresses, &count, &granularity);
    print_pages("written, reset", &w, addresses, count, granularity);
    count = 64;
    get_write_watch(&w, 0, addresses, &count, &granularity);
    print_pages("after reset", &w, addresses, count, granularity);

    w.base[3 * page] = 1;
    w.base[40 * page] = 1;
    reset_write_watch(&w, w.base + 32 * page, 32 * page);
    count = 64;
    get_write_watch(&w, WRITE_WATCH_FLAG_RESET, addresses, &count, &granularity);
    print_pages("after ResetWriteWatch of pages 32-63", &w, addresses, count, granularity);

    ww_tracker_close(w.tracker);
    munmap(w.base, w.size);
    free(w.ranges);
    return 0;
}
