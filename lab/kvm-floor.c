/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvm-floor: the raw-ioctl floor of make bench.  It does only the KVM
 * ioctls that an arm64 QEMU "-M virt,gic-version=3 -accel kvm -cpu host
 * -smp N" guest needs up to its first instruction, with QEMU virt's memory
 * map, and prints how long each phase took.  Built static for arm64 by
 * lab/initramfs.sh and put in the lab's initramfs as /usr/bin/kvm-floor.
 *
 * Usage: kvm-floor N [--run]     (N vCPUs, 1..512)
 * Output, one line a phase, "floor: <phase> <seconds>", then
 * "floor: setup ipa=<bits> pmu=<0|1>", "floor: total N=<N> <seconds>" (the
 * sum of the phases) and "floor: ok".  Any failure prints
 * "floor: FAILED <what>: <strerror>" and exits with status 1.
 *
 * With --run, vCPU 0 runs three instructions at 0x40000000:
 *     d2a12001   movz x1, #0x0900, lsl #16   x1 = 0x09000000 (PL011 UART0)
 *     b9000020   str  w0, [x1]               no memslot there: MMIO exit
 *     14000000   b    .
 * and the KVM_EXIT_MMIO at 0x09000000 shows the guest's first instruction
 * reached userspace.
 *
 * Order, as QEMU 10.0 does it: vCPUs are created and initialised before the
 * vGIC; the vGIC gets its number of IRQs and KVM_DEV_ARM_VGIC_CTRL_INIT in
 * its realize (hw/intc/arm_gicv3_kvm.c), the distributor and redistributor
 * addresses only later (QEMU sets them at machine-init-done, after the PMU
 * set-up of virt_cpu_post_init; here they stay in the "vgic" phase, before
 * "pmu", which KVM does not mind).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

/* QEMU hw/arm/virt.c base_memmap[] and include/hw/arm/bsa.h */
#define RAM_BASE        0x40000000ULL
#define RAM_SIZE        (1ULL << 30)
#define UART0_BASE      0x09000000ULL
#define GICD_BASE       0x08000000ULL
#define GICR0_BASE      0x080A0000ULL           /* size 0x00F60000 */
#define GICR0_CAPACITY  123                     /* 0x00F60000 / 0x20000 */
#define GICR1_BASE      0x4000000000ULL         /* 256 GiB, size 64 MiB */
#define GICR_STRIDE     0x20000ULL              /* two 64K frames each */
#define GIC_NR_IRQS     288                     /* 256 SPIs + 32 private */
#define PMU_IRQ         23                      /* VIRTUAL_PMU_IRQ, a PPI */
#define MAX_VCPUS       512

_Static_assert(GICR0_CAPACITY * GICR_STRIDE == 0x00F60000ULL,
               "redistributor region 0 holds 123 redistributors");
_Static_assert(MAX_VCPUS - GICR0_CAPACITY <= (64ULL << 20) / GICR_STRIDE,
               "redistributor region 1 holds the rest");

/*
 * KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION value (devices/arm-vgic-v3.rst):
 * bits 63:52 count, 51:16 base address bits [51:16], 15:12 flags (0),
 * 11:0 index.
 */
#define REDIST_REGION(index, count, base)                     \
    (((uint64_t)(count) << 52) |                              \
     ((uint64_t)(base) & 0x000FFFFFFFFF0000ULL) |             \
     ((uint64_t)(index) & 0xFFFULL))

static const uint32_t guest_code[] = {
    0xd2a12001,     /* movz x1, #0x0900, lsl #16 */
    0xb9000020,     /* str  w0, [x1] */
    0x14000000,     /* b    . */
};

static int vcpu_fd[MAX_VCPUS];
static struct kvm_run *vcpu_run[MAX_VCPUS];
static double t_mark, t_total;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* End a phase: print its time, and start the next one after the print. */
static void phase_done(const char *name)
{
    double d = now() - t_mark;

    t_total += d;
    printf("floor: %s %.4f\n", name, d);
    fflush(stdout);
    t_mark = now();
}

static void fail(const char *what, int vcpu)
{
    int err = errno;

    if (vcpu >= 0) {
        printf("floor: FAILED %s: %s (vcpu %d)\n", what, strerror(err), vcpu);
    } else {
        printf("floor: FAILED %s: %s\n", what, strerror(err));
    }
    exit(1);
}

static void set_attr(int fd, uint32_t group, uint64_t attr, const void *val,
                     const char *what, int vcpu)
{
    struct kvm_device_attr da = {
        .group = group,
        .attr = attr,
        .addr = (uint64_t)(uintptr_t)val,
    };

    if (ioctl(fd, KVM_SET_DEVICE_ATTR, &da) < 0) {
        fail(what, vcpu);
    }
}

int main(int argc, char **argv)
{
    struct kvm_vcpu_init init;
    struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
    struct kvm_userspace_memory_region mr;
    struct kvm_one_reg reg;
    uint64_t pc = RAM_BASE, addr;
    uint32_t nr_irqs = GIC_NR_IRQS;
    int pmu_irq = PMU_IRQ;
    int kvm, vm, gic, ipa, pmu, run = 0, n, i;
    char *end;
    void *ram;
    long v = 0;

    if (argc == 3 && !strcmp(argv[2], "--run")) {
        run = 1;
    }
    if (argc == 2 || run) {
        v = strtol(argv[1], &end, 10);
        if (end == argv[1] || *end) {
            v = 0;
        }
    }
    if (v < 1 || v > MAX_VCPUS) {
        fprintf(stderr, "usage: kvm-floor N [--run]   (N = vCPUs, 1..%d)\n",
                MAX_VCPUS);
        return 2;
    }
    n = v;
    t_mark = now();

    /* 1. The VM, with the largest IPA size the host allows. */
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fail("open /dev/kvm", -1);
    }
    ipa = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
    if (ipa < 0) {
        fail("KVM_CHECK_EXTENSION(KVM_CAP_ARM_VM_IPA_SIZE)", -1);
    }
    vm = ioctl(kvm, KVM_CREATE_VM,
               (unsigned long)KVM_VM_TYPE_ARM_IPA_SIZE(ipa));
    if (vm < 0) {
        fail("KVM_CREATE_VM", -1);
    }
    phase_done("create_vm");

    /* 2. 1 GiB of RAM at 0x40000000, slot 0. */
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        fail("mmap guest RAM", -1);
    }
    mr = (struct kvm_userspace_memory_region) {
        .slot = 0,
        .guest_phys_addr = RAM_BASE,
        .memory_size = RAM_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)ram,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
        fail("KVM_SET_USER_MEMORY_REGION", -1);
    }
    phase_done("memslot");

    /* 3. The vCPUs: create all of them, then initialise all of them. */
    memset(&init, 0, sizeof(init));
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
        fail("KVM_ARM_PREFERRED_TARGET", -1);
    }
    for (i = 0; i < n; i++) {
        int size;

        vcpu_fd[i] = ioctl(vm, KVM_CREATE_VCPU, (unsigned long)i);
        if (vcpu_fd[i] < 0) {
            fail("KVM_CREATE_VCPU", i);
        }
        size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
        if (size <= 0) {
            fail("KVM_GET_VCPU_MMAP_SIZE", i);
        }
        vcpu_run[i] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
                           vcpu_fd[i], 0);
        if (vcpu_run[i] == MAP_FAILED) {
            fail("mmap kvm_run", i);
        }
    }
    phase_done("create_vcpus");

    pmu = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) > 0;
    for (i = 0; i < n; i++) {
        /* Same features for all (KVM checks that), POWER_OFF aside. */
        init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
        if (pmu) {
            init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
        }
        if (i > 0) {
            /* QEMU starts the secondaries powered off. */
            init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
        }
        if (ioctl(vcpu_fd[i], KVM_ARM_VCPU_INIT, &init) < 0) {
            fail("KVM_ARM_VCPU_INIT", i);
        }
    }
    phase_done("vcpu_init");

    /* 4. The GICv3, in QEMU's order: NR_IRQS, CTRL_INIT, then addresses. */
    if (ioctl(vm, KVM_CREATE_DEVICE, &cd) < 0) {
        fail("KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3)", -1);
    }
    gic = cd.fd;
    set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs,
             "KVM_SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_GRP_NR_IRQS)", -1);
    set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL,
             "KVM_SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_CTRL_INIT)", -1);
    addr = GICD_BASE;
    set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &addr,
             "KVM_SET_DEVICE_ATTR(KVM_VGIC_V3_ADDR_TYPE_DIST)", -1);
    addr = REDIST_REGION(0, n < GICR0_CAPACITY ? n : GICR0_CAPACITY,
                         GICR0_BASE);
    set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
             KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION, &addr,
             "KVM_SET_DEVICE_ATTR(KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION 0)", -1);
    if (n > GICR0_CAPACITY) {
        addr = REDIST_REGION(1, n - GICR0_CAPACITY, GICR1_BASE);
        set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
                 KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION, &addr,
                 "KVM_SET_DEVICE_ATTR(KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION 1)",
                 -1);
    }
    phase_done("vgic");

    /* The PMU overflow PPI, then PMU init: needs the vGIC initialised. */
    for (i = 0; pmu && i < n; i++) {
        set_attr(vcpu_fd[i], KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_IRQ,
                 &pmu_irq, "KVM_SET_DEVICE_ATTR(KVM_ARM_VCPU_PMU_V3_IRQ)", i);
        set_attr(vcpu_fd[i], KVM_ARM_VCPU_PMU_V3_CTRL,
                 KVM_ARM_VCPU_PMU_V3_INIT, NULL,
                 "KVM_SET_DEVICE_ATTR(KVM_ARM_VCPU_PMU_V3_INIT)", i);
    }
    phase_done("pmu");

    /* 5. vCPU 0 starts at the base of RAM. */
    reg.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
             KVM_REG_ARM_CORE_REG(regs.pc);
    reg.addr = (uint64_t)(uintptr_t)&pc;
    if (ioctl(vcpu_fd[0], KVM_SET_ONE_REG, &reg) < 0) {
        fail("KVM_SET_ONE_REG(pc)", 0);
    }
    phase_done("set_pc");

    /* 6. Run vCPU 0 to its first MMIO exit. */
    if (run) {
        struct kvm_run *r = vcpu_run[0];

        memcpy(ram, guest_code, sizeof(guest_code));
        if (ioctl(vcpu_fd[0], KVM_RUN, 0) < 0) {
            fail("KVM_RUN", 0);
        }
        if (r->exit_reason != KVM_EXIT_MMIO ||
            r->mmio.phys_addr != UART0_BASE || !r->mmio.is_write) {
            if (r->exit_reason == KVM_EXIT_MMIO) {
                printf("floor: FAILED exit reason %u (mmio %s 0x%llx)\n",
                       r->exit_reason, r->mmio.is_write ? "write" : "read",
                       (unsigned long long)r->mmio.phys_addr);
            } else {
                printf("floor: FAILED exit reason %u\n", r->exit_reason);
            }
            return 1;
        }
        phase_done("first_insn");
    }

    printf("floor: setup ipa=%d pmu=%d\n", ipa, pmu);
    printf("floor: total N=%d %.4f\n", n, t_total);
    printf("floor: ok\n");
    return 0;
}
