/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvmfault.so: an LD_PRELOAD fault injector for tests in the lab only.
 * The lab's kernel is modern: it has every capability and attribute QEMU
 * asks for and never runs out of room, so QEMU's fallback and error paths
 * are never taken.  This wraps ioctl() and makes the kernel look older or
 * fail, as selected by these environment variables (read at the first
 * ioctl; with none set every ioctl is passed through unchanged):
 *   KVMFAULT_NO_LAYOUT2=1       KVM_CHECK_EXTENSION of
 *                               KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 returns 0 (any
 *                               fd: /dev/kvm or a VM)
 *   KVMFAULT_MAX_VCPUS=N        KVM_CHECK_EXTENSION of KVM_CAP_MAX_VCPUS and
 *                               of KVM_CAP_MAX_VCPU_ID return at most N
 *   KVMFAULT_NO_REDIST_REGION=1 HAS/SET/GET_DEVICE_ATTR of GRP_ADDR
 *                               REDIST_REGION fail with ENXIO (pre-4.18)
 *   KVMFAULT_REDIST_ENOSPC=I    SET_DEVICE_ATTR of GRP_ADDR REDIST_REGION with
 *                               region index (bits 11:0) I fails with ENOSPC;
 *                               =legacy: the same for GRP_ADDR REDIST
 *   KVMFAULT_IRQ_LINE_EINVAL=K  the K-th KVM_IRQ_LINE(_STATUS) (1-based; empty
 *                               or 0: 1) and every later one fail with EINVAL
 * Flags take 1 (0 or empty: off).  Failures and KVM_CAP_ARM_IRQ_LINE_LAYOUT_2
 * never reach the kernel; MAX_VCPUS lowers the kernel's answer.  Each kind
 * of fault (the enum below) prints one line "kvmfault: injected ..." to
 * stderr the first time it is injected; a value that does not parse prints
 * "kvmfault: bad KVMFAULT_... value" and leaves that fault off.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* arm64 uapi constants, missing from other architectures' headers. */
#ifndef KVM_DEV_ARM_VGIC_GRP_ADDR
#define KVM_DEV_ARM_VGIC_GRP_ADDR 0
#endif
#ifndef KVM_VGIC_V3_ADDR_TYPE_REDIST
#define KVM_VGIC_V3_ADDR_TYPE_REDIST 3
#endif
#ifndef KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION
#define KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION 5
#endif
#ifndef KVM_CAP_ARM_IRQ_LINE_LAYOUT_2
#define KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 174
#endif

typedef int ioctl_fn(int, unsigned long, ...);

/* Kinds of fault, each reported once. */
enum { F_LAYOUT2, F_MAX_VCPUS, F_MAX_VCPU_ID, F_HAS_RR, F_SET_RR, F_GET_RR,
       F_ENOSPC, F_ENOSPC_LEGACY, F_IRQ_LINE, F_NR };

static ioctl_fn *real;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int no_layout2, no_redist_region;
static long max_vcpus = -1;     /* -1: off */
static long enospc_index = -1;  /* -1: off, -2: legacy REDIST */
static long irq_line_k = -1;    /* -1: off */
static unsigned long irq_line_calls;
static int reported[F_NR];

/* One write(), so that lines from several threads do not mix. */
static void say(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0 && n < (int)sizeof(buf) && write(2, buf, n) < 0) {
        /* nothing to do: the message is best effort */
    }
}

/* Decimal 0..max, digits only; -1 if it does not parse. */
static long parse_num(const char *s, long max)
{
    long v = 0;

    if (!*s) {
        return -1;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > max / 10 || v * 10 > max - (*s - '0')) {
            return -1;
        }
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* NAME in min..max; -1 if unset or bad; empty if set to "" and empty >= 0. */
static long env_num(const char *name, long min, long max, long empty)
{
    const char *s = getenv(name);
    long v;

    if (!s) {
        return -1;
    }
    if (!*s && empty >= 0) {
        return empty;
    }
    v = parse_num(s, max);
    if (v < min) {
        say("kvmfault: bad %s value\n", name);
        return -1;
    }
    return v;
}

static void init(void)
{
    const char *s;

    real = (ioctl_fn *)dlsym(RTLD_NEXT, "ioctl");
    /* Flags: 1 on; unset, empty or 0 off. */
    no_layout2 = env_num("KVMFAULT_NO_LAYOUT2", 0, 1, 0) == 1;
    no_redist_region = env_num("KVMFAULT_NO_REDIST_REGION", 0, 1, 0) == 1;
    max_vcpus = env_num("KVMFAULT_MAX_VCPUS", 1, INT_MAX, -1);
    s = getenv("KVMFAULT_REDIST_ENOSPC");
    enospc_index = s && !strcmp(s, "legacy") ? -2 :
        env_num("KVMFAULT_REDIST_ENOSPC", 0, 0xfff, -1);
    irq_line_k = env_num("KVMFAULT_IRQ_LINE_EINVAL", 0, LONG_MAX, 1);
    if (irq_line_k == 0) {
        irq_line_k = 1;
    }
}

/* Print "kvmfault: injected ..." the first time kind is injected. */
static void report(int kind, const char *fmt, ...)
{
    char buf[160];
    va_list ap;

    if (!__atomic_exchange_n(&reported[kind], 1, __ATOMIC_RELAXED)) {
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        say("kvmfault: injected %s\n", buf);
    }
}

int ioctl(int fd, unsigned long req, ...)
{
    static const char *const verb[] = { "HAS", "SET", "GET" };
    va_list ap;
    void *arg;
    int ret, err, cap;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    pthread_once(&once, init);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    cap = (int)(uintptr_t)arg;
    if (req == KVM_CHECK_EXTENSION && cap == KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 &&
        no_layout2) {
        report(F_LAYOUT2, "0 for KVM_CAP_ARM_IRQ_LINE_LAYOUT_2");
        return 0;
    }
    if ((req == KVM_HAS_DEVICE_ATTR || req == KVM_SET_DEVICE_ATTR ||
         req == KVM_GET_DEVICE_ATTR) && arg &&
        (no_redist_region || enospc_index != -1)) {
        const struct kvm_device_attr *a = arg;
        const uint64_t *val = (const uint64_t *)(uintptr_t)a->addr;
        int i = req == KVM_HAS_DEVICE_ATTR ? 0 :
                req == KVM_SET_DEVICE_ATTR ? 1 : 2;
        int grp = a->group == KVM_DEV_ARM_VGIC_GRP_ADDR;
        int rr = grp && a->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION;

        if (rr && no_redist_region) {
            report(F_HAS_RR + i, "ENXIO on %s_DEVICE_ATTR REDIST_REGION",
                   verb[i]);
            errno = ENXIO;
            return -1;
        }
        if (rr && i == 1 && enospc_index >= 0 && val &&
            (*val & 0xfff) == (uint64_t)enospc_index) {
            report(F_ENOSPC, "ENOSPC on REDIST_REGION index %ld count %u",
                   enospc_index, (unsigned)(*val >> 52));
            errno = ENOSPC;
            return -1;
        }
        if (grp && a->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST && i == 1 &&
            enospc_index == -2) {
            report(F_ENOSPC_LEGACY, "ENOSPC on REDIST (legacy)");
            errno = ENOSPC;
            return -1;
        }
    }
    if ((req == KVM_IRQ_LINE || req == KVM_IRQ_LINE_STATUS) && irq_line_k > 0 &&
        __atomic_add_fetch(&irq_line_calls, 1, __ATOMIC_RELAXED) >=
        (unsigned long)irq_line_k) {
        report(F_IRQ_LINE, "EINVAL on %s call %ld and later",
               req == KVM_IRQ_LINE ? "KVM_IRQ_LINE" : "KVM_IRQ_LINE_STATUS",
               irq_line_k);
        errno = EINVAL;
        return -1;
    }
    ret = real(fd, req, arg);
    err = errno;
    if (req == KVM_CHECK_EXTENSION && max_vcpus > 0 && ret > max_vcpus &&
        (cap == KVM_CAP_MAX_VCPUS || cap == KVM_CAP_MAX_VCPU_ID)) {
        int id = cap == KVM_CAP_MAX_VCPU_ID;

        report(F_MAX_VCPUS + id, "%ld for %s (kernel: %d)", max_vcpus,
               id ? "KVM_CAP_MAX_VCPU_ID" : "KVM_CAP_MAX_VCPUS", ret);
        ret = max_vcpus;
    }
    errno = err;
    return ret;
}
