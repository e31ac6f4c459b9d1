/* What both Boehm GC peers share: mode selection, pause timing through
 * GC_set_on_collection_event, and the JSON record gcbench reads (the
 * fields of its RunRecord: each collection counts as a minor, its
 * stop-the-world time as a pause).
 *
 * Build: cc -O2 gcbench.c -lgc (Debian: apt-get install libgc-dev).
 * Options: --incremental (generational, mprotect-based), --heap BYTES. */
#ifndef WRITEWATCH_BDWGC_PEER_H
#define WRITEWATCH_BDWGC_PEER_H

#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double peer_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Collection pauses, world stopped to world started. */
enum { PEER_MAX_PAUSES = 1 << 16 };
static double peer_pauses[PEER_MAX_PAUSES];
static int peer_pause_count;
static double peer_pause_start;

static void peer_on_event(GC_EventType event) {
    if (event == GC_EVENT_PRE_STOP_WORLD) peer_pause_start = peer_now();
    if (event == GC_EVENT_POST_START_WORLD && peer_pause_count < PEER_MAX_PAUSES)
        peer_pauses[peer_pause_count++] = peer_now() - peer_pause_start;
}

static int peer_compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The same rank as gcbench's percentile: the ceil(n p)-th smallest. */
static double peer_percentile(double p) {
    if (peer_pause_count == 0) return 0;
    int i = (int)(p * peer_pause_count + 0.999999) - 1;
    if (i < 0) i = 0;
    return peer_pauses[i];
}

static struct rusage peer_usage_start;

static double peer_seconds(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

/* Starts the collector; --incremental selects its mprotect-based
 * generational mode. Returns the barrier name for the record. */
static const char *peer_start(int argc, char **argv) {
    int incremental = 0;
    long heap = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--incremental") == 0) incremental = 1;
        if (strcmp(argv[i], "--heap") == 0 && i + 1 < argc) heap = atol(argv[++i]);
    }
    GC_INIT();
    /* The same limit as the heaps it is compared with; past it an
     * allocation returns NULL, which the programs report. */
    if (heap > 0) GC_set_max_heap_size((GC_word)heap);
    GC_set_on_collection_event(peer_on_event);
    if (incremental) GC_enable_incremental();
    getrusage(RUSAGE_SELF, &peer_usage_start);
    return incremental ? "bdwgc-incremental" : "bdwgc";
}

/* The first argument that is a number (not --heap's), or the default. */
static int peer_int_arg(int argc, char **argv, int fallback) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--heap") == 0) { i++; continue; }
        if (argv[i][0] >= '0' && argv[i][0] <= '9') return atoi(argv[i]);
    }
    return fallback;
}

static void peer_fail(const char *message) {
    fprintf(stderr, "validation failed: %s\n", message);
    exit(1);
}

/* One JSON line: a gcbench RunRecord. */
static void peer_report(const char *workload, const char *barrier, const char *parameters,
                        const char *summary, double wall) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = peer_seconds(usage.ru_utime) + peer_seconds(usage.ru_stime)
               - peer_seconds(peer_usage_start.ru_utime) - peer_seconds(peer_usage_start.ru_stime);
    qsort(peer_pauses, (size_t)peer_pause_count, sizeof(double), peer_compare);
    double paused = 0;
    for (int i = 0; i < peer_pause_count; i++) paused += peer_pauses[i];
    printf("{\"workload\":\"%s\",\"barrier\":\"%s\",\"parameters\":\"%s\",\"summary\":\"%s\","
           "\"repetitions\":1,\"wallSeconds\":%.6f,\"cpuSeconds\":%.6f,\"mutatorSeconds\":%.6f,"
           "\"minorSeconds\":%.6f,\"majorSeconds\":0,"
           "\"minorPauseMedianSeconds\":%.6f,\"minorPauseP95Seconds\":%.6f,\"minorPauseMaxSeconds\":%.6f,"
           "\"minorCollections\":%d,\"majorCollections\":0,\"dirtyPages\":0,\"dirtyCards\":0,\"scanCalls\":0,"
           "\"writeFaults\":%ld,\"peakRSSBytes\":%ld,\"promotedBytes\":0}\n",
           workload, barrier, parameters, summary, wall, cpu, wall - paused, paused,
           peer_percentile(0.5), peer_percentile(0.95), peer_percentile(1.0), peer_pause_count,
           usage.ru_minflt - peer_usage_start.ru_minflt, usage.ru_maxrss * 1024L);
}

#endif
