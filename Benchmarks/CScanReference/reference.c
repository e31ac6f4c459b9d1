#include "CScanReference.h"
#include "CWriteWatch.h"
#include <time.h>

int64_t ww_reference_collect(int fd, uint64_t start, uint64_t end, void *vec, uint64_t vec_len) {
    struct page_region *regions = vec;
    int64_t pages = 0;
    uint64_t cursor = start;
    while (cursor < end) {
        struct pm_scan_arg arg = {
            .size = sizeof arg,
            .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
            .start = cursor, .end = end,
            .vec = (uint64_t)(uintptr_t)regions, .vec_len = vec_len,
            .category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
        };
        int n = ioctl(fd, PAGEMAP_SCAN, &arg);
        if (n < 0) return -errno;
        for (int i = 0; i < n; i++) pages += (int64_t)((regions[i].end - regions[i].start) / 4096);
        if ((uint64_t)n < vec_len) break;
        uint64_t last = regions[n - 1].end;
        cursor = arg.walk_end > last ? arg.walk_end : last;
    }
    return pages;
}

void ww_reference_touch(uint64_t start, uint64_t end, uint64_t stride) {
    for (uint64_t a = start; a < end; a += stride) *(volatile uint8_t *)(uintptr_t)a = 1;
}

uint64_t ww_reference_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
