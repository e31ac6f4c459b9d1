// The C reference for the tracker benchmark: the plain PAGEMAP_SCAN loop a
// C program would write, to measure the Swift tracker against on the same
// memory in the same run.
#ifndef CSCANREFERENCE_H
#define CSCANREFERENCE_H
#include <stdint.h>

/// Collects and re-arms written pages in [start, end) with the fast-path
/// masks, resuming when the vector fills. Returns the number of written
/// pages, or -errno.
int64_t ww_reference_collect(int pagemap_fd, uint64_t start, uint64_t end, void *vec, uint64_t vec_len);

/// Writes one byte to each page in [start, end) with the given stride.
void ww_reference_touch(uint64_t start, uint64_t end, uint64_t stride);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t ww_reference_now(void);
#endif
