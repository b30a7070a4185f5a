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
 *   KVMFAULT_VGIC_DIRTY=1       once KVM_DEV_ARM_VGIC_CTRL_INIT has succeeded,
 *                               write GICD_IPRIORITYR8 (SPIs 32-35) with
 *                               0x80808080 on that vGIC (an ITS, which takes
 *                               CTRL_INIT too, refuses it): KVM then no longer
 *                               holds the state it creates the vGIC with, as
 *                               a kernel with other creation values would;
 *                               a put that skips writes on the strength of
 *                               those values leaves the priorities there;
 *                               =2: instead write GICR_IGROUPR0 of vCPU 1's
 *                               redistributor (MPIDR 1) with 0xfffffffe, SGI 0
 *                               in group 0, so that vCPU 1's redistributor no
 *                               longer matches vCPU 0's
 * x86_64 only (the nested x86 lab, lab/x86/):
 *   KVMFAULT_REFUSE_MSR=0xNNN[,0xMMM...]  (hex, up to 16) KVM_SET_MSRS on a
 *                               vCPU refuses the first entry whose index is
 *                               listed: only the entries before it are
 *                               forwarded and their count is returned, the
 *                               kernel's "stop at the first refused entry"
 *   KVMFAULT_REFUSE_MSR_CALL=K  ... only from the K-th KVM_SET_MSRS call that
 *                               holds a listed index on (1-based, default 1;
 *                               e.g. to pass vCPU init and hit kvm_put_msrs)
 *   KVMFAULT_SET_MSRS_ERRNO=E   KVM_SET_MSRS on a vCPU fails with errno E
 *   KVMFAULT_NESTED_STATE_EINVAL=1  KVM_SET_NESTED_STATE fails with EINVAL
 *   KVMFAULT_VMX_HOST=PROFILE   "skylake", "skylake-nohlt", "skylake-mseg" or
 *                               "skylake-intrexit": impersonate an Intel
 *                               host with nested VMX, see vmx_profiles
 * The VMX profile is for tests only: the lab runs kvm_amd (QEMU's TCG has no
 * VMX, and there is no Intel host), and this makes that KVM look like an
 * Intel one with nested VMX as far as QEMU's VMX *capability* handling is
 * concerned, at the ioctl boundary, and nothing more:
 *   - KVM_GET_SUPPORTED_CPUID: CPUID.1:ECX.VMX[5] set, 80000001H:ECX.SVM[2]
 *     clear;
 *   - KVM_GET_MSR_INDEX_LIST and KVM_GET_MSR_FEATURE_INDEX_LIST (/dev/kvm)
 *     also list 0x480-0x491, as Linux does on Intel (its emulated VMX MSRs,
 *     KVM_FIRST_EMULATED_VMX_MSR..KVM_LAST_EMULATED_VMX_MSR, are in both);
 *   - KVM_GET_MSRS on /dev/kvm answers 0x480-0x491 from the profile;
 *   - KVM_SET_MSRS on a vCPU accepts 0x480-0x491 and IA32_FEATURE_CONTROL
 *     (0x3a) here (kvm_amd would refuse them) and forwards the other
 *     entries, the count still stopping at the first refused entry (so
 *     KVMFAULT_REFUSE_MSR=0x485 stops it at IA32_VMX_MISC); a VMX MSR
 *     value that Linux 6.12 would refuse against the profile's values is
 *     refused the same way (vmx_kernel_refuses());
 *   - KVM_SET_NESTED_STATE of the VMX format returns 0 unseen by the kernel;
 *   - the first value written to each VMX MSR is printed,
 *     "kvmfault: VMX MSR 0x48e set to 0x...", so tests can compare them.
 * Nothing VMX runs: the tests use -S, and a guest must not execute VMX
 * instructions under this profile (kvm_amd has no VMX).  Every other
 * ioctl, KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE) included, is unchanged.
 * Flags take 1 (0 or empty: off).  Failures and KVM_CAP_ARM_IRQ_LINE_LAYOUT_2
 * never reach the kernel; MAX_VCPUS lowers the kernel's answer.  Each kind
 * of fault (the enum below) prints one line "kvmfault: injected ..." to
 * stderr the first time it is injected; a value that does not parse prints
 * "kvmfault: bad KVMFAULT_... value" and leaves that fault off.
 */
#define _GNU_SOURCE
#include <ctype.h>
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
#include <sys/stat.h>
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
#ifndef KVM_DEV_ARM_VGIC_GRP_DIST_REGS
#define KVM_DEV_ARM_VGIC_GRP_DIST_REGS 1
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
#define KVM_DEV_ARM_VGIC_GRP_REDIST_REGS 5
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_CTRL
#define KVM_DEV_ARM_VGIC_GRP_CTRL 4
#endif
#ifndef KVM_DEV_ARM_VGIC_CTRL_INIT
#define KVM_DEV_ARM_VGIC_CTRL_INIT 0
#endif
#ifndef KVM_CAP_ARM_IRQ_LINE_LAYOUT_2
#define KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 174
#endif

typedef int ioctl_fn(int, unsigned long, ...);

/* Kinds of fault, each reported once. */
enum { F_LAYOUT2, F_MAX_VCPUS, F_MAX_VCPU_ID, F_HAS_RR, F_SET_RR, F_GET_RR,
       F_ENOSPC, F_ENOSPC_LEGACY, F_IRQ_LINE, F_REFUSE_MSR, F_SET_MSRS_ERRNO,
       F_NESTED_EINVAL, F_VMX_CPUID, F_VMX_LIST, F_VMX_GET, F_VMX_SET,
       F_VMX_NESTED, F_VGIC_DIRTY, F_NR };

static ioctl_fn *real;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int no_layout2, no_redist_region, vgic_dirty;
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

#ifdef __x86_64__
/* x86 state (see the header); refuse_k, msrs_errno: -1 off. */
#define MAX_REFUSE 16
static uint32_t refuse[MAX_REFUSE];
static int nrefuse;
static long refuse_k = -1, msrs_errno = -1;
static unsigned long refuse_calls;
static int nested_einval;

/*
 * VMX capability MSRs 0x480 (IA32_VMX_BASIC) .. 0x491 (IA32_VMX_VMFUNC), as
 * KVM on an Intel host reports them for nested VMX.  The values are the
 * nested VMX MSRs a KVM L1 guest read on a Skylake-era host (a public dump
 * in the xmhf64 project's notes: BASIC 0x00d8100011e57ed0 is KVM's
 * VMCS12_REVISION 0x11e57ed0, VMCS size 0x1000, WB, INS/OUTS, TRUE
 * controls; PINBASED 0x7f00000016 with the preemption timer, bit 6), except
 * IA32_VMX_MISC, which is Linux 6.x's nested_vmx_setup_misc_data(): the
 * host's store-LMA (5) | HLT (6) | wait-SIPI (8) activity states |
 * VMWRITE to any field (29) | emulated timer rate 5, so 0x20000165 (the
 * dump, from an older kernel, has 0x20000065), and TRUE_EXIT_CTLS, whose
 * allowed-1 half also has "host address-space size" (bit 9), as KVM
 * always offers it on a 64-bit host (the dump, from a 32-bit L1, lacks it).
 * "skylake-nohlt" is the same without the HLT activity state (MISC bit 6).
 * Two hand-made variants have what no Linux KVM reports, to reach QEMU's
 * field and must-be-1 checks: "skylake-mseg" an MSEG revision of 1 in
 * MISC bits 63:32, and "skylake-intrexit" external-interrupt exiting
 * (pin-based control 0) required to be 1 in TRUE_PINBASED_CTLS.
 */
#define VMX_FIRST 0x480
#define VMX_LAST 0x491
static const struct vmx_profile {
    const char *name;
    uint64_t msr[VMX_LAST - VMX_FIRST + 1];
} vmx_profiles[] = {
#define SKYLAKE_VMX(misc, pin)                                             \
    {   0x00d8100011e57ed0, /* 0x480 BASIC */                               \
        0x0000007f00000016, /* 0x481 PINBASED_CTLS */                       \
        0xfff9fffe0401e172, /* 0x482 PROCBASED_CTLS */                      \
        0x007ffdff00036dff, /* 0x483 EXIT_CTLS */                           \
        0x0000f3ff000011ff, /* 0x484 ENTRY_CTLS */                          \
        misc,               /* 0x485 MISC */                                \
        0x0000000080000021, /* 0x486 CR0_FIXED0 */                          \
        0x00000000ffffffff, /* 0x487 CR0_FIXED1 */                          \
        0x0000000000002000, /* 0x488 CR4_FIXED0 */                          \
        0x00000000001727ff, /* 0x489 CR4_FIXED1 */                          \
        0x000000000000002e, /* 0x48a VMCS_ENUM */                           \
        0x000078ff00000000, /* 0x48b PROCBASED_CTLS2 */                     \
        0x00000f0106334041, /* 0x48c EPT_VPID_CAP */                        \
        pin,                /* 0x48d TRUE_PINBASED_CTLS */                  \
        0xfff9fffe04006172, /* 0x48e TRUE_PROCBASED_CTLS */                 \
        0x007fffff00036dfb, /* 0x48f TRUE_EXIT_CTLS */                      \
        0x0000f3ff000011fb, /* 0x490 TRUE_ENTRY_CTLS */                     \
        0x0000000000000001, /* 0x491 VMFUNC: EPTP switching */              \
    }
    { "skylake", SKYLAKE_VMX(0x0000000020000165, 0x0000007f00000016) },
    { "skylake-nohlt", SKYLAKE_VMX(0x0000000020000125, 0x0000007f00000016) },
    { "skylake-mseg", SKYLAKE_VMX(0x0000000120000165, 0x0000007f00000016) },
    { "skylake-intrexit", SKYLAKE_VMX(0x0000000020000165, 0x0000007f00000017) },
#undef SKYLAKE_VMX
};
static const struct vmx_profile *vmx;  /* NULL: off */
static int vmx_logged[VMX_LAST - VMX_FIRST + 1]; /* first write printed */

/*
 * Would Linux 6.12's vmx_set_vmx_msr() refuse @data for VMX MSR @index,
 * with @pin_high the vCPU's pin-based allowed-1 controls at that point?
 * Returns the reason, or NULL.  Written from arch/x86/kvm/vmx/nested.c
 * (vmx_restore_control_msr, vmx_restore_vmx_basic, vmx_restore_vmx_misc,
 * vmx_restore_fixed0_msr and the EPT/VPID and VMFUNC subset checks),
 * independently of QEMU's vmx-msr-check.h, which the tests check.
 */
static const char *vmx_kernel_refuses(uint32_t index, uint64_t data,
                                      uint32_t pin_high)
{
    uint64_t host = vmx->msr[index - VMX_FIRST];

    switch (index) {
    case 0x48b: case 0x48d: case 0x48e: case 0x48f: case 0x490:
        if ((uint32_t)host & ~(uint32_t)data) {
            return "a must-be-1 control cleared";
        }
        if ((data >> 32) & ~(host >> 32)) {
            return "an allowed-1 control the host lacks";
        }
        return NULL;
    case 0x480:
        if (data & 0xffc2e00080000000ull & ~host) {
            return "VMX_BASIC feature or reserved bits";
        }
        if (data & (1ull << 48)) {
            return "VMX_BASIC bit 48";
        }
        if ((data & 0x7fffffff) != (host & 0x7fffffff)) {
            return "VMX_BASIC revision";
        }
        if (((host >> 32) & 0x1fff) > ((data >> 32) & 0x1fff)) {
            return "VMX_BASIC VMCS size";
        }
        return NULL;
    case 0x485:
        if (data & 0xf000ffe0ull & ~host) {
            return "VMX_MISC feature or reserved bits";
        }
        if ((pin_high & 0x40) && (data & 0x1f) != (host & 0x1f)) {
            return "VMX_MISC preemption-timer rate";
        }
        if (((data >> 16) & 0x1ff) > ((host >> 16) & 0x1ff)) {
            return "VMX_MISC CR3-target count";
        }
        if (((data >> 25) & 7) > ((host >> 25) & 7)) {
            return "VMX_MISC MSR-list size";
        }
        if ((data >> 32) != (host >> 32)) {
            return "VMX_MISC MSEG revision";
        }
        return NULL;
    case 0x486: case 0x488:
        return host & ~data ? "a FIXED0 bit cleared" : NULL;
    case 0x48c: case 0x491:
        return data & ~host ? "bits the host lacks" : NULL;
    case 0x48a:
        return NULL;
    default:
        return "a read-only VMX MSR";
    }
}

/* KVMFAULT_REFUSE_MSR: comma-separated hex indices (0x optional). */
static void parse_refuse(void)
{
    const char *s = getenv("KVMFAULT_REFUSE_MSR");
    char *end;
    unsigned long v;

    if (!s) {
        return;
    }
    for (;;) {
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            s += 2;
        }
        errno = 0;
        v = isxdigit((unsigned char)*s) ? strtoul(s, &end, 16) : ULONG_MAX;
        if (errno || v > UINT32_MAX || end == s || nrefuse == MAX_REFUSE ||
            (*end && *end != ',')) {
            say("kvmfault: bad KVMFAULT_REFUSE_MSR value\n");
            nrefuse = 0;
            return;
        }
        refuse[nrefuse++] = v;
        if (!*end) {
            return;
        }
        s = end + 1;
    }
}

static void init_x86(void)
{
    const char *s = getenv("KVMFAULT_VMX_HOST");
    size_t i;

    parse_refuse();
    refuse_k = env_num("KVMFAULT_REFUSE_MSR_CALL", 1, LONG_MAX, 1);
    if (refuse_k < 0) {
        refuse_k = 1;
    }
    msrs_errno = env_num("KVMFAULT_SET_MSRS_ERRNO", 1, 4095, -1);
    nested_einval = env_num("KVMFAULT_NESTED_STATE_EINVAL", 0, 1, 0) == 1;
    for (i = 0; s && i < sizeof(vmx_profiles) / sizeof(vmx_profiles[0]); i++) {
        if (!strcmp(s, vmx_profiles[i].name)) {
            vmx = &vmx_profiles[i];
        }
    }
    if (s && *s && !vmx) {
        say("kvmfault: bad KVMFAULT_VMX_HOST value\n");
    }
}
#endif

static void init(void)
{
    const char *s;

    real = (ioctl_fn *)dlsym(RTLD_NEXT, "ioctl");
    /* Flags: 1 on; unset, empty or 0 off. */
    no_layout2 = env_num("KVMFAULT_NO_LAYOUT2", 0, 1, 0) == 1;
    no_redist_region = env_num("KVMFAULT_NO_REDIST_REGION", 0, 1, 0) == 1;
    vgic_dirty = env_num("KVMFAULT_VGIC_DIRTY", 0, 2, 0);
    max_vcpus = env_num("KVMFAULT_MAX_VCPUS", 1, INT_MAX, -1);
    s = getenv("KVMFAULT_REDIST_ENOSPC");
    enospc_index = s && !strcmp(s, "legacy") ? -2 :
        env_num("KVMFAULT_REDIST_ENOSPC", 0, 0xfff, -1);
    irq_line_k = env_num("KVMFAULT_IRQ_LINE_EINVAL", 0, LONG_MAX, 1);
    if (irq_line_k == 0) {
        irq_line_k = 1;
    }
#ifdef __x86_64__
    init_x86();
#endif
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

#ifdef __x86_64__
static int is_vmx_msr(uint32_t index)
{
    return index >= VMX_FIRST && index <= VMX_LAST;
}

/* Whether KVM_GET_MSRS on /dev/kvm (sys) or KVM_SET_MSRS on a vCPU (set)
 * of index is answered here rather than by the kernel. */
static int owned(uint32_t index, int set, int sys)
{
    return vmx && (set ? !sys && (is_vmx_msr(index) || index == 0x3a)
                       : sys && is_vmx_msr(index));
}

/* The kernel's count for entries [from, from + n) of m: in place when
 * from is 0 (nmsrs lowered for the call), else through a copy. */
static int msrs_forward(int fd, unsigned long req, struct kvm_msrs *m,
                        uint32_t from, uint32_t n)
{
    uint32_t saved = m->nmsrs;
    struct kvm_msrs *t;
    int ret, err;

    if (from == 0) {
        m->nmsrs = n;
        ret = real(fd, req, m);
        err = errno;
        m->nmsrs = saved;
        errno = err;
        return ret;
    }
    t = calloc(1, sizeof(*t) + n * sizeof(t->entries[0]));
    if (!t) {
        errno = ENOMEM;
        return -1;
    }
    t->nmsrs = n;
    memcpy(t->entries, m->entries + from, n * sizeof(t->entries[0]));
    ret = real(fd, req, t);
    err = errno;
    if (ret > 0 && req == KVM_GET_MSRS) {
        memcpy(m->entries + from, t->entries, ret * sizeof(t->entries[0]));
    }
    free(t);
    errno = err;
    return ret;
}

/* KVM_SET_MSRS on a vCPU, KVM_GET_MSRS on any fd: as the kernel, the count
 * of entries done, stopping at the first refused one; entries owned() are
 * done here, the others forwarded in runs. */
static int msrs_io(int fd, unsigned long req, struct kvm_msrs *m, int sys)
{
    int set = req == KVM_SET_MSRS;
    uint32_t n = m->nmsrs, stop = n, i, j;
    uint32_t pin_high = vmx ? vmx->msr[0x48d - VMX_FIRST] >> 32 : 0;
    int k, ret;

    for (i = 0; set && nrefuse && i < n && stop == n; i++) {
        for (k = 0; k < nrefuse; k++) {
            if (m->entries[i].index == refuse[k]) {
                stop = i;
                break;
            }
        }
    }
    if (stop < n &&
        __atomic_add_fetch(&refuse_calls, 1, __ATOMIC_RELAXED) <
        (unsigned long)refuse_k) {
        stop = n;
    }
    for (i = 0; i < stop; i = j) {
        if (owned(m->entries[i].index, set, sys)) {
            uint32_t idx = m->entries[i].index;
            const char *why;

            if (set && idx == 0x48d) {
                pin_high = m->entries[i].data >> 32;
            }
            why = set && idx >= VMX_FIRST && idx <= VMX_LAST ?
                vmx_kernel_refuses(idx, m->entries[i].data, pin_high) : NULL;
            if (why) {
                report(F_REFUSE_MSR, "refusal of VMX MSR 0x%x = 0x%llx (%s, "
                       "as Linux 6.12 against the %s profile)", idx,
                       (unsigned long long)m->entries[i].data, why,
                       vmx->name);
                return i;
            }
            if (!set) {
                m->entries[i].data = vmx->msr[m->entries[i].index - VMX_FIRST];
            }
            if (set && idx >= VMX_FIRST && idx <= VMX_LAST &&
                !__atomic_exchange_n(&vmx_logged[idx - VMX_FIRST], 1,
                                     __ATOMIC_RELAXED)) {
                say("kvmfault: VMX MSR 0x%x set to 0x%016llx\n", idx,
                    (unsigned long long)m->entries[i].data);
            }
            report(set ? F_VMX_SET : F_VMX_GET, "%s of the VMX MSRs answered "
                   "by the %s profile", set ? "KVM_SET_MSRS" : "KVM_GET_MSRS",
                   vmx->name);
            j = i + 1;
            continue;
        }
        for (j = i; j < stop && !owned(m->entries[j].index, set, sys); j++) {
        }
        ret = msrs_forward(fd, req, m, i, j - i);
        if (ret < 0 || (uint32_t)ret < j - i) {
            return ret < 0 ? ret : (int)(i + ret);
        }
    }
    if (stop < n) {
        report(F_REFUSE_MSR, "refusal of MSR 0x%x (entry %u of %u) on "
               "KVM_SET_MSRS call %lu", (unsigned)m->entries[stop].index,
               (unsigned)stop, (unsigned)n,
               __atomic_load_n(&refuse_calls, __ATOMIC_RELAXED));
    }
    return stop;
}

/* KVM_GET_MSR_(FEATURE_)INDEX_LIST with 0x480-0x491 added: the kernel's
 * list is read into a buffer of ours, then u gets the merged list, or
 * E2BIG and the count it needs, as from the kernel. */
static int msr_list(int fd, unsigned long req, struct kvm_msr_list *u)
{
    struct kvm_msr_list *l;
    uint32_t cap = 0, total, i, x;
    int ret, err;

    for (;;) {
        l = calloc(1, sizeof(*l) + (cap + VMX_LAST - VMX_FIRST + 1) *
                   sizeof(l->indices[0]));
        if (!l) {
            errno = ENOMEM;
            return -1;
        }
        l->nmsrs = cap;
        ret = real(fd, req, l);
        if (ret == 0) {
            break;
        }
        err = errno;
        cap = l->nmsrs;
        free(l);
        if (err != E2BIG || cap > 0x10000) {
            errno = err;
            return ret;
        }
    }
    total = l->nmsrs;
    for (x = VMX_FIRST; x <= VMX_LAST; x++) {
        for (i = 0; i < l->nmsrs && l->indices[i] != x; i++) {
        }
        if (i == l->nmsrs) {
            l->indices[total++] = x;
        }
    }
    report(F_VMX_LIST, "VMX MSRs 0x%x-0x%x listed by the %s profile "
           "(%u were listed)", VMX_FIRST, VMX_LAST, vmx->name,
           (unsigned)(VMX_LAST - VMX_FIRST + 1 - (total - l->nmsrs)));
    if (u->nmsrs < total) {
        u->nmsrs = total;
        free(l);
        errno = E2BIG;
        return -1;
    }
    u->nmsrs = total;
    memcpy(u->indices, l->indices, total * sizeof(l->indices[0]));
    free(l);
    return 0;
}

/* The x86 faults; *done is set when the ioctl was handled here. */
static int ioctl_x86(int fd, unsigned long req, void *arg, int *done)
{
    struct kvm_cpuid2 *c = arg;
    struct stat st;
    int ret, err, sys;
    uint32_t i;

    *done = 1;
    if (!nrefuse && msrs_errno < 0 && !nested_einval && !vmx) {
        *done = 0;
        return 0;
    }
    if (req == KVM_SET_MSRS && msrs_errno > 0) {
        report(F_SET_MSRS_ERRNO, "errno %ld on KVM_SET_MSRS", msrs_errno);
        errno = msrs_errno;
        return -1;
    }
    if (req == KVM_SET_NESTED_STATE && nested_einval) {
        report(F_NESTED_EINVAL, "EINVAL on KVM_SET_NESTED_STATE");
        errno = EINVAL;
        return -1;
    }
    if (req == KVM_SET_NESTED_STATE && vmx && arg &&
        ((struct kvm_nested_state *)arg)->format == KVM_STATE_NESTED_FORMAT_VMX) {
        report(F_VMX_NESTED, "0 for KVM_SET_NESTED_STATE (VMX format) by the "
               "%s profile", vmx->name);
        return 0;
    }
    /* /dev/kvm is a character device, VM and vCPU fds anonymous inodes */
    sys = (req == KVM_SET_MSRS || req == KVM_GET_MSRS ||
           req == KVM_GET_MSR_INDEX_LIST ||
           req == KVM_GET_MSR_FEATURE_INDEX_LIST) &&
          fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
    if (arg && ((req == KVM_SET_MSRS && (nrefuse || vmx) && !sys) ||
                (req == KVM_GET_MSRS && vmx && sys))) {
        return msrs_io(fd, req, arg, sys);
    }
    if (arg && vmx && sys && (req == KVM_GET_MSR_INDEX_LIST ||
                              req == KVM_GET_MSR_FEATURE_INDEX_LIST)) {
        return msr_list(fd, req, arg);
    }
    if (arg && vmx && req == KVM_GET_SUPPORTED_CPUID) {
        ret = real(fd, req, arg);
        err = errno;
        for (i = 0; ret == 0 && i < c->nent; i++) {
            if (c->entries[i].function == 1) {
                c->entries[i].ecx |= 1u << 5;
            } else if (c->entries[i].function == 0x80000001) {
                c->entries[i].ecx &= ~(1u << 2);
            }
        }
        if (ret == 0) {
            report(F_VMX_CPUID, "CPUID.1:ECX.VMX set and 80000001H:ECX.SVM "
                   "clear by the %s profile", vmx->name);
        }
        errno = err;
        return ret;
    }
    *done = 0;
    return 0;
}
#endif

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
#ifdef __x86_64__
    {
        int done;

        ret = ioctl_x86(fd, req, arg, &done);
        if (done) {
            return ret;
        }
    }
#endif
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
    if (req == KVM_SET_DEVICE_ATTR && vgic_dirty && ret == 0 && arg &&
        ((const struct kvm_device_attr *)arg)->group ==
        KVM_DEV_ARM_VGIC_GRP_CTRL &&
        ((const struct kvm_device_attr *)arg)->attr ==
        KVM_DEV_ARM_VGIC_CTRL_INIT) {
        uint32_t prio = 0x80808080, groups = 0xfffffffe;
        struct kvm_device_attr w = {
            .group = KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
            .attr = 0x400 + 32,         /* GICD_IPRIORITYR8 */
            .addr = (uint64_t)(uintptr_t)&prio,
        };

        if (vgic_dirty == 2) {
            /* MPIDR 1 in bits 63:32; GICR_IGROUPR0 in the SGI frame */
            w.group = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
            w.attr = (1ULL << 32) | (0x10000 + 0x80);
            w.addr = (uint64_t)(uintptr_t)&groups;
        }
        /* The ITS takes CTRL_INIT too, and has no GICD: ENXIO there */
        if (real(fd, KVM_SET_DEVICE_ATTR, &w) == 0) {
            report(F_VGIC_DIRTY, vgic_dirty == 2 ?
                   "GICR_IGROUPR0 of MPIDR 1 = 0xfffffffe after "
                   "KVM_DEV_ARM_VGIC_CTRL_INIT" :
                   "GICD_IPRIORITYR8 = 0x80808080 after "
                   "KVM_DEV_ARM_VGIC_CTRL_INIT");
        } else if (errno != ENXIO) {
            say("kvmfault: KVMFAULT_VGIC_DIRTY: the write failed: %s\n",
                strerror(errno));
        }
    }
    errno = err;
    return ret;
}
