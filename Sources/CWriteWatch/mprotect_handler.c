// The SIGSEGV handler of the mprotect baseline.
//
// Invariant: a write to a tracked, read-only page sets that page's dirty byte
// *before* the page becomes writable again, so a collect that sees the byte
// clear knows no write has completed on it since it was last protected.
// Everything here is async-signal-safe: a fixed table published with atomic
// stores, no locks, no allocation; mprotect(2) is a plain syscall.
#include "CWriteWatch.h"
#include <string.h>

#define WW_MAX_SLOTS 256

struct ww_slot {
    uintptr_t start;      // 0 when the slot is free
    uintptr_t end;
    uint8_t *dirty;
};

static struct ww_slot slots[WW_MAX_SLOTS];
static struct sigaction previous;
static int installed;
static uintptr_t page_mask;
static unsigned page_shift;
static uint64_t faults;

static void chain(int sig, siginfo_t *info, void *context) {
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, info, context);
    } else if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) {
        // Restore the default action and return: the faulting instruction
        // runs again and the process dies with a real SIGSEGV, as it would
        // have without us.
        signal(sig, SIG_DFL);
    } else {
        previous.sa_handler(sig);
    }
}

static void handler(int sig, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < WW_MAX_SLOTS; i++) {
        uintptr_t start = __atomic_load_n(&slots[i].start, __ATOMIC_ACQUIRE);
        if (start == 0 || address < start || address >= slots[i].end) continue;
        uintptr_t page = address & ~page_mask;
        ww_dirty_mark(&slots[i].dirty[(page - start) >> page_shift]);
        if (mprotect((void *)page, page_mask + 1, PROT_READ | PROT_WRITE) != 0) break;
        __atomic_fetch_add(&faults, 1, __ATOMIC_RELAXED);
        return;
    }
    chain(sig, info, context);
}

int ww_mprotect_install(void) {
    if (__atomic_load_n(&installed, __ATOMIC_ACQUIRE)) return 0;
    long size = sysconf(_SC_PAGESIZE);
    page_mask = (uintptr_t)size - 1;
    page_shift = (unsigned)__builtin_ctzl((unsigned long)size);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &previous) != 0) return -errno;
    __atomic_store_n(&installed, 1, __ATOMIC_RELEASE);
    return 0;
}

int ww_mprotect_track(uintptr_t start, uintptr_t end, uint8_t *dirty) {
    for (int i = 0; i < WW_MAX_SLOTS; i++) {
        if (__atomic_load_n(&slots[i].start, __ATOMIC_ACQUIRE) != 0) continue;
        slots[i].end = end;
        slots[i].dirty = dirty;
        __atomic_store_n(&slots[i].start, start, __ATOMIC_RELEASE);
        return i;
    }
    return -ENOSPC;
}

void ww_mprotect_untrack(int slot) {
    if (slot < 0 || slot >= WW_MAX_SLOTS) return;
    __atomic_store_n(&slots[slot].start, 0, __ATOMIC_RELEASE);
}

uint64_t ww_mprotect_fault_count(void) { return __atomic_load_n(&faults, __ATOMIC_RELAXED); }
