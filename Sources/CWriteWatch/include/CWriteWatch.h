// CWriteWatch: the Linux kernel ABI that WriteWatch needs, and nothing else.
//
// Debian's 6.1 headers predate PAGEMAP_SCAN, UFFD_FEATURE_WP_ASYNC and
// UFFD_FEATURE_WP_UNPOPULATED (all Linux 6.7). We copy their definitions here,
// each guarded by #ifndef so that newer system headers win, and check the
// copied layouts against the uapi numbers with static asserts either way.
//
// Swift cannot call variadic C functions (ioctl, syscall), so every call Swift
// needs is wrapped in a small inline function. All wrappers return a value
// >= 0 on success and -errno on failure, so the Swift side never reads the
// thread-local errno after another call could have clobbered it.
#ifndef CWRITEWATCH_H
#define CWRITEWATCH_H

#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>

// MARK: userfaultfd bits newer than the 6.1 headers

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

// MARK: PAGEMAP_SCAN (linux/fs.h since 6.7)

#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED  (1 << 0)
#define PAGE_IS_WRITTEN    (1 << 1)
#define PAGE_IS_FILE       (1 << 2)
#define PAGE_IS_PRESENT    (1 << 3)
#define PAGE_IS_SWAPPED    (1 << 4)
#define PAGE_IS_PFNZERO    (1 << 5)
#define PAGE_IS_HUGE       (1 << 6)
#define PAGE_IS_SOFT_DIRTY (1 << 7)

struct page_region {
    __u64 start;
    __u64 end;
    __u64 categories;
};

#define PM_SCAN_WP_MATCHING   (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)

struct pm_scan_arg {
    __u64 size;
    __u64 flags;
    __u64 start;
    __u64 end;
    __u64 walk_end;
    __u64 vec;
    __u64 vec_len;
    __u64 max_pages;
    __u64 category_inverted;
    __u64 category_mask;
    __u64 category_anyof_mask;
    __u64 return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

// The copied (or system) layouts must match the x86_64 uapi exactly: a wrong
// size makes the kernel reject the call (EINVAL), a wrong offset is worse.
_Static_assert(sizeof(struct pm_scan_arg) == 96, "struct pm_scan_arg must be 96 bytes");
_Static_assert(offsetof(struct pm_scan_arg, walk_end) == 32, "pm_scan_arg.walk_end offset");
_Static_assert(offsetof(struct pm_scan_arg, return_mask) == 88, "pm_scan_arg.return_mask offset");
_Static_assert(sizeof(struct page_region) == 24, "struct page_region must be 24 bytes");
_Static_assert(PAGEMAP_SCAN == 0xc0606610, "PAGEMAP_SCAN ioctl number");
_Static_assert(sizeof(struct uffdio_api) == 24, "struct uffdio_api must be 24 bytes");
_Static_assert(sizeof(struct uffd_msg) == 32, "struct uffd_msg must be 32 bytes");

// Constants as plain typed values: Swift imports these reliably, unlike
// macros built from casts and shifts.
static const uint64_t WW_UFFD_API = UFFD_API;
static const uint64_t WW_FEATURE_PAGEFAULT_FLAG_WP = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
static const uint64_t WW_FEATURE_EVENT_REMOVE = UFFD_FEATURE_EVENT_REMOVE;
static const uint64_t WW_FEATURE_WP_UNPOPULATED = UFFD_FEATURE_WP_UNPOPULATED;
static const uint64_t WW_FEATURE_WP_ASYNC = UFFD_FEATURE_WP_ASYNC;
static const int WW_UFFD_USER_MODE_ONLY = UFFD_USER_MODE_ONLY;
static const uint64_t WW_PAGE_IS_WRITTEN = PAGE_IS_WRITTEN;
static const uint64_t WW_PM_SCAN_WP_MATCHING = PM_SCAN_WP_MATCHING;
static const uint64_t WW_PM_SCAN_CHECK_WPASYNC = PM_SCAN_CHECK_WPASYNC;

static inline int ww_negerr(long r) { return r < 0 ? -errno : (int)r; }

// MARK: syscall and ioctl wrappers

/// userfaultfd(2). `flags` is O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY as wanted.
static inline int ww_userfaultfd(int flags) {
    return ww_negerr(syscall(SYS_userfaultfd, flags));
}

/// UFFDIO_API: the handshake, allowed once per descriptor. On success
/// `*features` holds what the kernel granted (all it supports when asked for 0).
static inline int ww_uffdio_api(int fd, uint64_t requested, uint64_t *features, uint64_t *ioctls) {
    struct uffdio_api api = { .api = UFFD_API, .features = requested, .ioctls = 0 };
    int r = ww_negerr(ioctl(fd, UFFDIO_API, &api));
    if (r == 0) {
        if (features) *features = api.features;
        if (ioctls) *ioctls = api.ioctls;
    }
    return r;
}

/// UFFDIO_REGISTER in write-protect mode.
static inline int ww_uffdio_register_wp(int fd, uint64_t start, uint64_t len) {
    struct uffdio_register reg = {
        .range = { .start = start, .len = len },
        .mode = UFFDIO_REGISTER_MODE_WP,
    };
    return ww_negerr(ioctl(fd, UFFDIO_REGISTER, &reg));
}

static inline int ww_uffdio_unregister(int fd, uint64_t start, uint64_t len) {
    struct uffdio_range range = { .start = start, .len = len };
    return ww_negerr(ioctl(fd, UFFDIO_UNREGISTER, &range));
}

/// UFFDIO_WRITEPROTECT: arm (protect != 0) or disarm-and-wake (protect == 0).
static inline int ww_uffdio_writeprotect(int fd, uint64_t start, uint64_t len, int protect) {
    struct uffdio_writeprotect wp = {
        .range = { .start = start, .len = len },
        .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };
    return ww_negerr(ioctl(fd, UFFDIO_WRITEPROTECT, &wp));
}

/// One message from a (non-blocking) userfaultfd. Returns 1 with the faulting
/// address in `*a` for a write-protect fault, 2 with the removed range in
/// [*a, *b) for UFFD_EVENT_REMOVE (MADV_DONTNEED and friends), 0 for any other
/// event, and -errno otherwise (-EAGAIN when the queue is empty).
static inline int ww_uffd_read_event(int fd, uint64_t *a, uint64_t *b) {
    struct uffd_msg msg;
    ssize_t n = read(fd, &msg, sizeof msg);
    if (n < 0) return -errno;
    if (n != sizeof msg) return -EIO;
    if (msg.event == UFFD_EVENT_PAGEFAULT && (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
        *a = msg.arg.pagefault.address;
        return 1;
    }
    if (msg.event == UFFD_EVENT_REMOVE) {
        *a = msg.arg.remove.start;
        *b = msg.arg.remove.end;
        return 2;
    }
    return 0;
}

/// PAGEMAP_SCAN on an open /proc/<pid>/pagemap. Returns the number of regions
/// written to `arg->vec`; `arg->walk_end` says where the walk stopped.
static inline int ww_pagemap_scan(int fd, struct pm_scan_arg *arg) {
    arg->size = sizeof *arg;
    return ww_negerr(ioctl(fd, PAGEMAP_SCAN, arg));
}

static inline int ww_open_readonly(const char *path) {
    return ww_negerr(open(path, O_RDONLY | O_CLOEXEC));
}

/// prctl(PR_SET_DUMPABLE): a process that changed its uid is non-dumpable and
/// gets EACCES on /proc/self/pagemap until it sets this back.
static inline int ww_set_dumpable(int dumpable) {
    return ww_negerr(prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0));
}

// MARK: mprotect + SIGSEGV baseline (mprotect_handler.c)

/// Installs the process-wide SIGSEGV handler once; later calls do nothing.
/// Faults outside tracked ranges go to the handler that was there before.
int ww_mprotect_install(void);

/// Publishes [start, end) to the handler with a byte per page in `dirty`
/// (which must not be in tracked memory). Returns a slot >= 0 or -ENOSPC.
int ww_mprotect_track(uintptr_t start, uintptr_t end, uint8_t *dirty);

/// Withdraws a slot. Unprotect the range first: afterwards its faults are
/// no longer ours.
void ww_mprotect_untrack(int slot);

/// Write faults the handler has resolved since the process started.
uint64_t ww_mprotect_fault_count(void);

// MARK: dirty page map shared with the fault handlers

/// Sets a dirty byte; safe from a signal handler or another thread.
static inline void ww_dirty_mark(uint8_t *byte) { __atomic_store_n(byte, 1, __ATOMIC_RELEASE); }

/// Reads and clears a dirty byte in one step.
static inline uint8_t ww_dirty_take(uint8_t *byte) { return __atomic_exchange_n(byte, 0, __ATOMIC_ACQ_REL); }

static inline uint8_t ww_dirty_peek(const uint8_t *byte) { return __atomic_load_n(byte, __ATOMIC_ACQUIRE); }

#endif
