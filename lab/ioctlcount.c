/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctlcount.so: an LD_PRELOAD counter for the lab's benchmark.  It passes
 * every ioctl() through unchanged and counts calls per request number; at
 * exit it writes one line per request to the file named by $IOCTLCOUNT:
 *     <count> <name or 0xNUMBER>
 * KVM requests are named from <linux/kvm.h>.  With $IOCTLHIST also set, it
 * writes to that file the wall-clock time of the process's first ioctl
 * ("T0 <seconds>") and, per request, how many calls fell in each second
 * since then:
 *     <name or 0xNUMBER> <second>:<count> ...
 * which shows in which phase of start-up each kind of call is made.  It
 * costs an atomic increment (and a clock read) per call, so unlike strace
 * it hardly changes the timing it sits in.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int ioctl_fn(int, unsigned long, ...);

#define NSLOTS 256
#define NSECS 300

static struct {
    unsigned long req;
    unsigned long count;
    unsigned int per_sec[NSECS];
} slots[NSLOTS];
static struct timespec t0, t0_real;

static const struct {
    unsigned long req;
    const char *name;
} names[] = {
#define N(x) { x, #x }
    N(KVM_GET_API_VERSION), N(KVM_CREATE_VM), N(KVM_CHECK_EXTENSION),
    N(KVM_GET_VCPU_MMAP_SIZE), N(KVM_CREATE_VCPU), N(KVM_RUN),
    N(KVM_SET_USER_MEMORY_REGION),
#ifdef KVM_SET_USER_MEMORY_REGION2
    N(KVM_SET_USER_MEMORY_REGION2),
#endif
    N(KVM_IRQ_LINE), N(KVM_IRQ_LINE_STATUS), N(KVM_SET_GSI_ROUTING),
    N(KVM_IRQFD), N(KVM_IOEVENTFD), N(KVM_ENABLE_CAP),
    N(KVM_GET_ONE_REG), N(KVM_SET_ONE_REG), N(KVM_GET_REG_LIST),
    N(KVM_ARM_VCPU_INIT), N(KVM_ARM_PREFERRED_TARGET),
    N(KVM_CREATE_DEVICE), N(KVM_SET_DEVICE_ATTR), N(KVM_GET_DEVICE_ATTR),
    N(KVM_HAS_DEVICE_ATTR), N(KVM_GET_MP_STATE), N(KVM_SET_MP_STATE),
    N(KVM_GET_VCPU_EVENTS), N(KVM_SET_VCPU_EVENTS),
    N(KVM_SET_GUEST_DEBUG), N(KVM_GET_STATS_FD), N(KVM_SIGNAL_MSI),
    N(KVM_GET_DIRTY_LOG), N(KVM_CLEAR_DIRTY_LOG),
    N(KVM_ARM_VCPU_FINALIZE), N(KVM_SET_SIGNAL_MASK),
#undef N
};

static void print_name(FILE *f, unsigned long req)
{
    int j;

    for (j = 0; j < (int)(sizeof(names) / sizeof(names[0])); j++) {
        if (names[j].req == req) {
            fputs(names[j].name, f);
            return;
        }
    }
    fprintf(f, "0x%lx", req);
}

static void dump(void)
{
    const char *path = getenv("IOCTLCOUNT");
    const char *hpath = getenv("IOCTLHIST");
    FILE *f, *h = NULL;
    int i, k;

    if (!path || !(f = fopen(path, "w"))) {
        return;
    }
    if (hpath) {
        h = fopen(hpath, "w");
    }
    if (h) {
        fprintf(h, "T0 %ld.%06ld\n", (long)t0_real.tv_sec,
                (long)t0_real.tv_nsec / 1000);
    }
    for (i = 0; i < NSLOTS; i++) {
        if (!slots[i].count) {
            continue;
        }
        fprintf(f, "%lu ", slots[i].count);
        print_name(f, slots[i].req);
        fputc('\n', f);
        if (h) {
            print_name(h, slots[i].req);
            for (k = 0; k < NSECS; k++) {
                if (slots[i].per_sec[k]) {
                    fprintf(h, " %d:%u", k, slots[i].per_sec[k]);
                }
            }
            fputc('\n', h);
        }
    }
    fclose(f);
    if (h) {
        fclose(h);
    }
}

static void count(unsigned long req)
{
    struct timespec now;
    long sec;

    unsigned int h = (unsigned int)(req * 2654435761u) % NSLOTS;
    int i;

    for (i = 0; i < NSLOTS; i++, h = (h + 1) % NSLOTS) {
        unsigned long cur = __atomic_load_n(&slots[h].req, __ATOMIC_ACQUIRE);

        if (cur == 0) {
            unsigned long zero = 0;

            if (!__atomic_compare_exchange_n(&slots[h].req, &zero, req, false,
                                             __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE)) {
                cur = zero;
            } else {
                cur = req;
            }
        }
        if (cur == req) {
            __atomic_fetch_add(&slots[h].count, 1, __ATOMIC_RELAXED);
            clock_gettime(CLOCK_MONOTONIC, &now);
            sec = now.tv_sec - t0.tv_sec;
            if (sec >= 0 && sec < NSECS) {
                __atomic_fetch_add(&slots[h].per_sec[sec], 1, __ATOMIC_RELAXED);
            }
            return;
        }
    }
}

int ioctl(int fd, unsigned long req, ...)
{
    static ioctl_fn *real;
    static int registered;
    va_list ap;
    void *arg;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real) {
        real = (ioctl_fn *)dlsym(RTLD_NEXT, "ioctl");
    }
    if (!__atomic_exchange_n(&registered, 1, __ATOMIC_ACQ_REL)) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_REALTIME, &t0_real);
        atexit(dump);
    }
    if (req) {
        count(req);
    }
    return real(fd, req, arg);
}
