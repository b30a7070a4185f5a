/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * census: bring every CPU of a -M virt,gic-version=3 guest online and check
 * that each one takes its own virtual timer interrupt (a PPI) and an SGI.
 *
 * The boot CPU (census_early(), MMU off) reads the device tree: the CPUs
 * under /cpus, the GICv3 distributor and all redistributor regions, RAM,
 * the PSCI conduit, the virtual timer's PPI and /chosen/bootargs.  It
 * builds a one-level identity map of 1 GiB blocks and turns the MMU on.
 * main() then sets up the distributor, does the per-CPU part for itself and
 * powers the other CPUs on with PSCI CPU_ON.  Every CPU finds its
 * redistributor by affinity, wakes it, enables the SGI and the timer PPI,
 * takes one timer interrupt and then waits for the SGI, counting both in
 * its own slot.  When all CPUs have reported the PPI the boot CPU sends
 * each one the SGI by affinity, waits for them, prints
 *     census: cpus=N/M ppi=N/M sgi=N/M
 * and powers off; on any failure it prints what was missing, the census
 * line and "census: FAILED", and resets (run QEMU with -no-reboot).
 *
 * bootargs (QEMU -append) words:
 *   timeout=S   seconds (default 60) the bring-up may take (until every
 *               CPU took its timer interrupt), and again the SGI phase
 *   race[=K]    the boot CPU and the next K-1 CPUs (K: 2..16, default
 *               4) are powered on normally; then, one target at a time,
 *               the boot CPU releases all K callers at once to issue
 *               CPU_ON for the same powered-off CPU.  Per target exactly
 *               one must get SUCCESS and the others ALREADY_ON, as
 *               Linux KVM answers (ON_PENDING, which PSCI allows, is
 *               counted and fails the run).  Prints the census-race:
 *               line; the targets then go through the census like any
 *               other CPU.
 *   skip-sgi=N  test hook: the boot CPU sends no SGI to CPU N, so the
 *               census must report it missing and fail.
 *   linger=MS   wait MS milliseconds after the census line before powering
 *               off (or resetting), for a management layer such as
 *               libvirt that is still finishing the start when a fast
 *               census is already over.
 *   run         after a complete census, do not power off: the run phase
 *               (below), until a verdict is asked for.
 *   run=K       the same, and the verdict after K checks by itself.
 *   tick-ms=MS  run phase: each CPU's timer period (default 100).
 *   check-ms=MS run phase: the boot CPU's check interval (default 1000).
 *   run-stall=N test hook: CPU N (not the boot CPU) stops after 20 ticks
 *               of the run phase, as a vCPU lost on the way would, so
 *               the checks must name it.
 *
 * The run phase, for migration and snapshots: the guest must notice a
 * vCPU or an interrupt lost on the way.  Every CPU keeps taking its own
 * virtual timer interrupt every tick-ms (its ppi count goes on) and, at
 * each tick, sends SGI RUN_SGI to its neighbour in the ring (index + 1,
 * modulo the CPU count), but only once the neighbour has taken the
 * previous one (its rsgi count equals the sender's tx count): one SGI at a
 * time per pair, so that a pending SGI set twice, which the GIC merges
 * into one, cannot pass for a loss.  Every check-ms the boot CPU checks
 * that every CPU's timer count advanced since the last check (else
 * "stalled"), that no SGI has stayed in flight over a whole check while
 * its receiver ran ("lost"), that no receiver took more than were sent
 * ("duplicated"), and that no unexpected interrupt came, and prints
 *     run: check=K ok ticks=MIN..MAX sgis=S
 * or "run: check=K FAILED" after lines naming the CPUs by index.  A byte
 * 'v' on the PL011 (the boot CPU polls it at each of its ticks), or the
 * K-th check of run=K, ends it with
 *     run: verdict ok checks=K          (then SYSTEM_OFF)
 *     run: verdict FAILED checks=K failed=F   (then SYSTEM_RESET)
 * A check spans check-ms of the counter and at least check-ms / tick-ms
 * of the boot CPU's own ticks, each of which it had to run for: a jump of
 * the counter (a VM stopped without QEMU's adjustment of the virtual
 * counter) cannot make a check so short that a running CPU looks stalled.
 *
 * Only the boot CPU prints.  Each CPU writes only its own slot; nothing
 * needs exclusive or atomic accesses.
 */
#include "lib.h"
#include "census.h"

#define CENSUS_SGI              1u
#define RUN_SGI                 2u      /* run phase: neighbour to neighbour */
#define DEFAULT_TICK_MS         100
#define DEFAULT_CHECK_MS        1000
#define DEFAULT_TIMER_INTID     27u     /* PPI 11, the EL1 virtual timer */
#define DEFAULT_TIMEOUT_S       60
#define DEFAULT_RACE_CALLERS    4
#define MAX_RACE_CALLERS        16
#define MAX_REDIST_REGIONS      8
#define MAX_MEM_REGIONS         8
#define FDT_MAX_DEPTH           16

/* PSCI */
#define PSCI_0_2_CPU_ON64       0xc4000003u
#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)

/* GICv3 distributor */
#define GICD_CTLR               0x0000
#define GICD_TYPER              0x0004
#define GICD_IGROUPR(n)         (0x0080 + 4 * (n))
#define GICD_ICENABLER(n)       (0x0180 + 4 * (n))
#define GICD_PIDR2              0xffe8
#define GICD_CTLR_ENABLE_G1     (1u << 0)
#define GICD_CTLR_ENABLE_G1A    (1u << 1)
#define GICD_CTLR_ARE_NS        (1u << 4)
#define GICD_CTLR_RWP           (1u << 31)

/* GICv3 redistributor: RD_base frame, then the SGI_base frame */
#define GICR_CTLR               0x0000
#define GICR_TYPER              0x0008
#define GICR_WAKER              0x0014
#define GICR_SGI_BASE           0x10000
#define GICR_IGROUPR0           (GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0         (GICR_SGI_BASE + 0x0100)
#define GICR_ICENABLER0         (GICR_SGI_BASE + 0x0180)
#define GICR_IPRIORITYR(n)      (GICR_SGI_BASE + 0x0400 + 4 * (n))
#define GICR_CTLR_RWP           (1u << 3)
#define GICR_TYPER_VLPIS        (1u << 1)
#define GICR_TYPER_LAST         (1u << 4)
#define GICR_WAKER_PS           (1u << 1)
#define GICR_WAKER_CA           (1u << 2)
#define GICR_FRAME              0x10000ul
#define IRQ_PRIORITY            0xa0a0a0a0u

/* GICv3 CPU interface system registers */
#define ICC_PMR_EL1             "S3_0_C4_C6_0"
#define ICC_IAR1_EL1            "S3_0_C12_C12_0"
#define ICC_EOIR1_EL1           "S3_0_C12_C12_1"
#define ICC_BPR1_EL1            "S3_0_C12_C12_3"
#define ICC_CTLR_EL1            "S3_0_C12_C12_4"
#define ICC_SRE_EL1             "S3_0_C12_C12_5"
#define ICC_IGRPEN1_EL1         "S3_0_C12_C12_7"
#define ICC_SGI1R_EL1           "S3_0_C12_C11_5"
#define ICC_CTLR_EOIMODE        (1ul << 1)
#define ICC_CTLR_RSS            (1ul << 18)

#define CNTV_CTL_ENABLE         (1ul << 0)
#define CNTV_CTL_IMASK          (1ul << 1)

/* Level-1 block descriptors (4 KiB granule: 1 GiB blocks) */
#define PT_BLOCK                (1ul << 0)
#define PT_ATTR(n)              ((uint64_t)(n) << 2)  /* MAIR index */
#define PT_SH_INNER             (3ul << 8)
#define PT_AF                   (1ul << 10)
#define PT_PXN                  (1ul << 53)
#define PT_UXN                  (1ul << 54)
#define PT_DEVICE               (PT_BLOCK | PT_ATTR(0) | PT_AF | PT_PXN | \
                                 PT_UXN)
#define PT_NORMAL               (PT_BLOCK | PT_ATTR(1) | PT_SH_INNER | PT_AF | \
                                 PT_UXN)
#define GIB                     (1ul << 30)
#define L1_ENTRIES              512     /* 512 GiB of 39-bit VA */

/* Per-CPU error bits */
#define ERR_MPIDR               (1u << 0)   /* MPIDR_EL1 differs from DT */
#define ERR_NO_REDIST           (1u << 1)
#define ERR_WAKER               (1u << 2)   /* redistributor did not wake */
#define ERR_RWP                 (1u << 3)
#define ERR_SRE                 (1u << 4)   /* no system register access */
#define ERR_EXCEPTION           (1u << 5)

/* race_rc[][] of a CPU_ON a caller did not get to issue */
#define RACE_NOT_ISSUED         1

/* Context id of CPU_ON: [15:0] index, [47:32] starter (0: boot CPU) */
#define CTX_STARTER_SHIFT       32


/* What the boot CPU learnt from the device tree (written with MMU off). */
struct census_config {
    const void *fdt;
    int ncpus;
    uint64_t cpu_aff[CENSUS_MAX_CPUS];  /* MPIDR affinity fields, from reg */
    uint64_t gicd;
    int nredist;
    uint64_t redist_base[MAX_REDIST_REGIONS];
    uint64_t redist_size[MAX_REDIST_REGIONS];
    int nmem;
    uint64_t mem_base[MAX_MEM_REGIONS];
    uint64_t mem_size[MAX_MEM_REGIONS];
    int smc;
    uint32_t cpu_on_fn;
    uint32_t timer_intid;
    uint64_t timeout_s;
    uint64_t linger_ms;
    int race;
    int race_callers;
    int skip_sgi;           /* test hook: CPU index denied its SGI, or -1 */
    int run;                /* run phase after the census */
    uint64_t run_checks;    /* verdict after this many checks (0: on 'v') */
    uint64_t tick_ms;
    uint64_t check_ms;
    int run_stall;          /* test hook: CPU index that stops, or -1 */
};

/*
 * One per CPU, written by that CPU only (cpu_on_rc: by the boot CPU) and
 * polled by the boot CPU, hence volatile.
 */
struct cpu_slot {
    volatile uint32_t entered;      /* times the CPU reached its C code */
    volatile uint32_t ppi;          /* timer interrupts taken */
    volatile uint32_t sgi;          /* census SGIs taken */
    volatile uint32_t bad_irqs;     /* interrupts with an unexpected INTID */
    volatile uint32_t bad_intid;    /* the last such INTID */
    volatile uint32_t errors;       /* ERR_* */
    volatile uint32_t race_ready;   /* race round this caller is ready for */
    volatile uint32_t exc_kind;     /* CENSUS_EXC_* of an exception */
    volatile uint64_t mpidr;        /* MPIDR_EL1 as the CPU read it */
    volatile uint64_t starter;      /* context id bits [47:32] */
    volatile uint64_t exc_esr;      /* ESR_EL1 of an unexpected exception */
    volatile uint64_t exc_elr;      /* ELR_EL1 of it */
    volatile uint64_t exc_far;      /* FAR_EL1 of it */
    volatile int64_t cpu_on_rc;     /* boot CPU's own CPU_ON, normal mode */
    volatile uint32_t rsgi;         /* run phase: RUN_SGIs taken */
    volatile uint32_t tx;           /* run phase: RUN_SGIs sent to the next */
} __attribute__((aligned(128)));

struct census_config cfg;
struct cpu_slot slots[CENSUS_MAX_CPUS];
uint64_t census_l1[L1_ENTRIES] __attribute__((aligned(4096)));
uint8_t census_stacks[CENSUS_MAX_CPUS][CENSUS_STACK_SIZE]
    __attribute__((aligned(16)));

static volatile int boot_idx = -1;     /* read by exception handlers */
static volatile uint32_t run_go;        /* the run phase has begun */
static uint64_t tick;               /* counter ticks: 1 ms */
static int expected_on[CENSUS_MAX_CPUS];    /* some CPU_ON succeeded */
static int sgi_sent[CENSUS_MAX_CPUS];

/* race mode: written by the boot CPU before it starts the callers */
static int race_ncallers;
static int race_ntargets;
static uint16_t race_caller_cpu[MAX_RACE_CALLERS];
static int8_t race_role[CENSUS_MAX_CPUS];    /* 1 + caller number, or 0 */
static uint16_t race_target_cpu[CENSUS_MAX_CPUS];
static int32_t race_rc[MAX_RACE_CALLERS][CENSUS_MAX_CPUS];
static uint64_t race_deadline;
static int race_successes[CENSUS_MAX_CPUS];    /* per target CPU, or -1 */
static volatile uint32_t race_round;    /* polled by the callers */
static volatile uint32_t race_abort;    /* polled by the callers */

/* ------------------------------------------------------------------ */
/* CPU helpers */

#define read_sysreg(r) ({                                   \
    uint64_t __v;                                           \
    asm volatile("mrs %0, " r : "=r"(__v) : : "memory");    \
    __v;                                                    \
})

#define write_sysreg(r, v) do {                             \
    uint64_t __v = (v);                                     \
    asm volatile("msr " r ", %0" : : "r"(__v) : "memory");  \
} while (0)

static inline void isb(void)
{
    asm volatile("isb" : : : "memory");
}

static inline void dsb_ish(void)
{
    asm volatile("dsb ish" : : : "memory");
}

static inline void dmb_ish(void)
{
    asm volatile("dmb ish" : : : "memory");
}

static inline void irq_mask(void)
{
    asm volatile("msr daifset, #2" : : : "memory");
}

static inline void irq_unmask(void)
{
    asm volatile("msr daifclr, #2" : : : "memory");
}

static inline void wfi(void)
{
    asm volatile("wfi" : : : "memory");
}

static inline void cpu_relax(void)
{
    asm volatile("yield" : : : "memory");
}

static uint64_t now(void)
{
    isb();
    return read_sysreg("cntvct_el0");
}

static uint64_t counter_freq(void)
{
    uint64_t f = read_sysreg("cntfrq_el0") & 0xffffffffu;

    return f ? f : 62500000;        /* unset: guess QEMU's old default */
}

/* MPIDR_EL1 reduced to its affinity fields, in the device tree's layout */
static uint64_t my_affinity(void)
{
    uint64_t m = read_sysreg("mpidr_el1");

    return (m & 0xffffff) | (m & (0xfful << 32));
}

static int my_index(void)
{
    return (int)(read_sysreg("tpidr_el1") & 0xffff);
}

static __attribute__((noreturn)) void park(void)
{
    for (;;) {
        irq_mask();
        wfi();
    }
}

static __attribute__((noreturn)) void fail_early(const char *what)
{
    puts("census: ");
    puts(what);
    puts("\ncensus: FAILED\n");
    psci_system_reset(cfg.fdt);
}

/* ------------------------------------------------------------------ */
/* Device tree (runs with the MMU off: no unaligned or exclusive access) */

struct fdt_node {
    const char *name;
    const void *reg;
    uint32_t reg_len;
    const void *intr;
    uint32_t intr_len;
    const void *compat;
    uint32_t compat_len;
    const char *device_type;
    const char *method;
    const char *bootargs;
    uint32_t cpu_on;
    uint32_t nredist;
    uint32_t acells;        /* for this node's children */
    uint32_t scells;
    int is_cpus;
};

struct fdt_parse {
    struct fdt_node n[FDT_MAX_DEPTH + 1];
    const char *err;
    const char *bootargs;
};

static struct fdt_parse parse;

static uint64_t fdt_cells(const void *p, uint32_t n)
{
    const uint8_t *b = p;
    uint64_t v = 0;

    while (n--) {
        v = v << 32 | be32(b);
        b += 4;
    }
    return v;
}

static void add_cpu(struct fdt_node *nd, struct fdt_node *parent)
{
    uint32_t ac = parent->acells;

    if (!nd->reg || ac < 1 || ac > 2 || nd->reg_len < ac * 4) {
        parse.err = "cpu node without a usable reg";
        return;
    }
    if (cfg.ncpus >= CENSUS_MAX_CPUS) {
        parse.err = "more CPUs in the device tree than the payload supports";
        return;
    }
    cfg.cpu_aff[cfg.ncpus++] = fdt_cells(nd->reg, ac) & 0xff00fffffful;
}

static void add_gic(struct fdt_node *nd, struct fdt_node *parent)
{
    uint32_t ac = parent->acells, sc = parent->scells;
    uint32_t entry = (ac + sc) * 4;
    const uint8_t *r = nd->reg;
    uint32_t i;

    if (cfg.gicd) {
        parse.err = "more than one GICv3 node";
        return;
    }
    if (!r || ac < 1 || ac > 2 || sc < 1 || sc > 2 ||
        nd->nredist < 1 || nd->nredist > MAX_REDIST_REGIONS ||
        nd->reg_len < entry * (1 + nd->nredist)) {
        parse.err = "GICv3 node without usable reg/#redistributor-regions";
        return;
    }
    cfg.gicd = fdt_cells(r, ac);
    for (i = 0; i < nd->nredist; i++) {
        r += entry;
        cfg.redist_base[i] = fdt_cells(r, ac);
        cfg.redist_size[i] = fdt_cells(r + ac * 4, sc);
    }
    cfg.nredist = nd->nredist;
}

static void add_memory(struct fdt_node *nd, struct fdt_node *parent)
{
    uint32_t ac = parent->acells, sc = parent->scells;
    uint32_t entry = (ac + sc) * 4;
    const uint8_t *r = nd->reg;
    uint32_t off;

    if (!r || ac < 1 || ac > 2 || sc < 1 || sc > 2) {
        return;
    }
    for (off = 0; off + entry <= nd->reg_len; off += entry) {
        if (cfg.nmem < MAX_MEM_REGIONS) {
            cfg.mem_base[cfg.nmem] = fdt_cells(r + off, ac);
            cfg.mem_size[cfg.nmem] = fdt_cells(r + off + ac * 4, sc);
            cfg.nmem++;
        }
    }
}

static void node_end(int depth)
{
    struct fdt_node *nd = &parse.n[depth];
    struct fdt_node *parent = &parse.n[depth - 1];

    if (depth == 1) {
        return;                             /* the root */
    }
    if (depth == 3 && parent->is_cpus &&
        (nd->device_type ? streq(nd->device_type, "cpu")
                         : streq_prefix(nd->name, "cpu@"))) {
        add_cpu(nd, parent);
    }
    if (nd->device_type && streq(nd->device_type, "memory")) {
        add_memory(nd, parent);
    }
    if (nd->compat && fdt_strlist_has(nd->compat, nd->compat_len,
                                      "arm,gic-v3")) {
        add_gic(nd, parent);
    }
    if (nd->compat && nd->intr && nd->intr_len >= 36 &&
        fdt_strlist_has(nd->compat, nd->compat_len, "arm,armv8-timer")) {
        /* third interrupt: the EL1 virtual timer, <type number flags> */
        const uint8_t *v = (const uint8_t *)nd->intr + 24;

        if (be32(v) == 1) {                 /* a PPI */
            cfg.timer_intid = 16 + be32(v + 4);
        }
    }
    if (depth == 2 && streq_prefix(nd->name, "psci")) {
        cfg.smc = nd->method && streq(nd->method, "smc");
        if (nd->compat &&
            (fdt_strlist_has(nd->compat, nd->compat_len, "arm,psci-0.2") ||
             fdt_strlist_has(nd->compat, nd->compat_len, "arm,psci-1.0"))) {
            cfg.cpu_on_fn = PSCI_0_2_CPU_ON64;
        } else {
            cfg.cpu_on_fn = nd->cpu_on;     /* PSCI 0.1: the node's id */
        }
    }
    if (depth == 2 && streq(nd->name, "chosen") && nd->bootargs) {
        parse.bootargs = nd->bootargs;
    }
}

static void dt_visit(int depth, const char *node, const char *prop,
                     const void *val, uint32_t len, void *ctx)
{
    struct fdt_node *nd;

    if (depth < 1 || depth > FDT_MAX_DEPTH) {
        parse.err = "device tree too deep";
        return;
    }
    nd = &parse.n[depth];
    if (!node) {
        node_end(depth);
        return;
    }
    if (!prop) {
        /* clear by hand: a structure assignment would call memset */
        nd->name = node;
        nd->reg = 0;
        nd->reg_len = 0;
        nd->intr = 0;
        nd->intr_len = 0;
        nd->compat = 0;
        nd->compat_len = 0;
        nd->device_type = 0;
        nd->method = 0;
        nd->bootargs = 0;
        nd->cpu_on = 0;
        nd->nredist = 1;
        nd->acells = 2;
        nd->scells = 1;
        nd->is_cpus = depth == 2 && streq(node, "cpus");
        return;
    }
    if (streq(prop, "reg")) {
        nd->reg = val;
        nd->reg_len = len;
    } else if (streq(prop, "interrupts")) {
        nd->intr = val;
        nd->intr_len = len;
    } else if (streq(prop, "compatible")) {
        nd->compat = val;
        nd->compat_len = len;
    } else if (streq(prop, "device_type")) {
        nd->device_type = val;
    } else if (streq(prop, "method")) {
        nd->method = val;
    } else if (streq(prop, "bootargs")) {
        nd->bootargs = val;
    } else if (streq(prop, "cpu_on") && len == 4) {
        nd->cpu_on = be32(val);
    } else if (streq(prop, "#redistributor-regions") && len == 4) {
        nd->nredist = be32(val);
    } else if (streq(prop, "#address-cells") && len == 4) {
        nd->acells = be32(val);
    } else if (streq(prop, "#size-cells") && len == 4) {
        nd->scells = be32(val);
    }
}

static uint64_t parse_uint(const char *s)
{
    uint64_t v = 0;

    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
    }
    return v;
}

/* bootargs: "word word=value ..." */
static void parse_bootargs(const char *s)
{
    while (s && *s) {
        while (*s == ' ') {
            s++;
        }
        if (streq_prefix(s, "race") && (s[4] == 0 || s[4] == ' ')) {
            cfg.race = 1;
        } else if (streq_prefix(s, "race=")) {
            cfg.race = 1;
            cfg.race_callers = (int)parse_uint(s + 5);
        } else if (streq_prefix(s, "timeout=")) {
            cfg.timeout_s = parse_uint(s + 8);
        } else if (streq_prefix(s, "skip-sgi=")) {
            cfg.skip_sgi = (int)parse_uint(s + 9);
        } else if (streq_prefix(s, "linger=")) {
            cfg.linger_ms = parse_uint(s + 7);
        } else if (streq_prefix(s, "run") && (s[3] == 0 || s[3] == ' ')) {
            cfg.run = 1;
        } else if (streq_prefix(s, "run=")) {
            cfg.run = 1;
            cfg.run_checks = parse_uint(s + 4);
        } else if (streq_prefix(s, "tick-ms=")) {
            cfg.tick_ms = parse_uint(s + 8);
        } else if (streq_prefix(s, "check-ms=")) {
            cfg.check_ms = parse_uint(s + 9);
        } else if (streq_prefix(s, "run-stall=")) {
            cfg.run_stall = (int)parse_uint(s + 10);
        }
        while (*s && *s != ' ') {
            s++;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Identity map */

static int map_blocks(uint64_t base, uint64_t size, uint64_t attrs)
{
    uint64_t b;

    if (!size) {
        return 0;
    }
    for (b = base / GIB; b <= (base + size - 1) / GIB; b++) {
        if (b >= L1_ENTRIES) {
            return -1;
        }
        census_l1[b] = b * GIB | attrs;
    }
    return 0;
}

static int is_normal(uintptr_t a)
{
    return census_l1[a / GIB] == ((a / GIB) * GIB | PT_NORMAL);
}

static void build_map(void)
{
    int i;

    /* RAM as Normal write-back ... */
    for (i = 0; i < cfg.nmem; i++) {
        uint64_t size = cfg.mem_size[i];

        if (cfg.mem_base[i] >= L1_ENTRIES * GIB) {
            continue;
        }
        if (cfg.mem_base[i] + size > L1_ENTRIES * GIB) {
            size = L1_ENTRIES * GIB - cfg.mem_base[i];
        }
        map_blocks(cfg.mem_base[i], size, PT_NORMAL);
    }
    /* ... the first GiB (flash, UART, GIC, ...) and the GIC as Device */
    map_blocks(0, GIB, PT_DEVICE);
    if (map_blocks(cfg.gicd, 0x10000, PT_DEVICE) < 0) {
        fail_early("GIC distributor beyond the 39-bit identity map");
    }
    for (i = 0; i < cfg.nredist; i++) {
        if (map_blocks(cfg.redist_base[i], cfg.redist_size[i],
                       PT_DEVICE) < 0) {
            fail_early("GIC redistributors beyond the 39-bit identity map");
        }
    }
    /* the payload itself and the device tree must be in Normal memory */
    if (!is_normal((uintptr_t)census_l1) ||
        !is_normal((uintptr_t)census_stacks) ||
        !is_normal((uintptr_t)cfg.fdt)) {
        fail_early("payload or device tree not in RAM the device tree "
                   "describes");
    }
}

/*
 * Boot CPU, MMU off, called from early_init (census-asm.S).  Everything
 * written here is in .bss, which early_init invalidates afterwards.
 */
void census_early(const void *fdt)
{
    cfg.fdt = fdt;
    cfg.timer_intid = DEFAULT_TIMER_INTID;
    cfg.timeout_s = DEFAULT_TIMEOUT_S;
    cfg.race_callers = DEFAULT_RACE_CALLERS;
    cfg.skip_sgi = -1;
    cfg.tick_ms = DEFAULT_TICK_MS;
    cfg.check_ms = DEFAULT_CHECK_MS;
    cfg.run_stall = -1;
    if (current_el() != 1) {
        fail_early("the payload must be entered at EL1");
    }
    if (fdt_walk(fdt, dt_visit, 0) < 0) {
        fail_early("no valid device tree in x0");
    }
    if (parse.err) {
        fail_early(parse.err);
    }
    if (!cfg.ncpus) {
        fail_early("no CPUs under /cpus");
    }
    if (!cfg.gicd) {
        fail_early("no arm,gic-v3 node (use -M virt,gic-version=3)");
    }
    if (!cfg.nmem) {
        fail_early("no memory node");
    }
    if (!cfg.cpu_on_fn && cfg.ncpus > 1) {
        fail_early("no PSCI CPU_ON in the device tree");
    }
    if (cfg.timer_intid < 16 || cfg.timer_intid > 31) {
        fail_early("the virtual timer interrupt is not a PPI");
    }
    parse_bootargs(parse.bootargs);
    if (!cfg.timeout_s) {
        cfg.timeout_s = DEFAULT_TIMEOUT_S;
    }
    if (!cfg.tick_ms) {
        cfg.tick_ms = DEFAULT_TICK_MS;
    }
    if (cfg.check_ms < cfg.tick_ms) {
        cfg.check_ms = cfg.tick_ms;
    }
    build_map();
}

/* ------------------------------------------------------------------ */
/* GIC */

static int wait_reg_clear(uintptr_t reg, uint32_t bits)
{
    uint64_t end = now() + counter_freq();      /* 1 s */

    while (mmio_read32(reg) & bits) {
        if (now() > end) {
            return -1;
        }
        cpu_relax();
    }
    return 0;
}

static const char *gic_dist_init(void)
{
    uintptr_t d = cfg.gicd;
    uint32_t rev = (mmio_read32(d + GICD_PIDR2) >> 4) & 0xf;
    uint32_t lines, i;

    if (rev != 3 && rev != 4) {
        return "the distributor is not a GICv3/v4 (GICD_PIDR2)";
    }
    mmio_write32(d + GICD_CTLR, 0);
    if (wait_reg_clear(d + GICD_CTLR, GICD_CTLR_RWP) < 0) {
        return "GICD_CTLR.RWP stuck";
    }
    /* SPIs: none used; disabled and in group 1 */
    lines = mmio_read32(d + GICD_TYPER) & 0x1f;
    for (i = 1; i <= lines; i++) {
        mmio_write32(d + GICD_ICENABLER(i), 0xffffffffu);
        mmio_write32(d + GICD_IGROUPR(i), 0xffffffffu);
    }
    /* With DS=1 (KVM, TCG without EL3) bit 0 is EnableGrp0: harmless. */
    mmio_write32(d + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A |
                 GICD_CTLR_ENABLE_G1);
    if (wait_reg_clear(d + GICD_CTLR, GICD_CTLR_RWP) < 0) {
        return "GICD_CTLR.RWP stuck";
    }
    if (!(mmio_read32(d + GICD_CTLR) & GICD_CTLR_ARE_NS)) {
        return "GICD_CTLR.ARE_NS did not stick";
    }
    return 0;
}

/* The redistributor whose GICR_TYPER affinity is this CPU's, or 0. */
static uintptr_t find_redist(void)
{
    uint64_t m = my_affinity();
    uint32_t want = (uint32_t)((m >> 32) << 24 | (m & 0xffffff));
    int i;

    for (i = 0; i < cfg.nredist; i++) {
        uintptr_t rd = cfg.redist_base[i];
        uintptr_t end = rd + cfg.redist_size[i];

        while (rd + 2 * GICR_FRAME <= end) {
            uint64_t typer = mmio_read64(rd + GICR_TYPER);

            if ((uint32_t)(typer >> 32) == want) {
                return rd;
            }
            if (typer & GICR_TYPER_LAST) {
                break;
            }
            rd += (typer & GICR_TYPER_VLPIS ? 4 : 2) * GICR_FRAME;
        }
    }
    return 0;
}

/* Redistributor and CPU interface of the calling CPU; returns ERR_* */
static uint32_t gic_cpu_init(void)
{
    uintptr_t rd = find_redist();
    uint32_t i;

    if (!rd) {
        return ERR_NO_REDIST;
    }
    mmio_write32(rd + GICR_WAKER,
                 mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PS);
    if (wait_reg_clear(rd + GICR_WAKER, GICR_WAKER_CA) < 0) {
        return ERR_WAKER;
    }
    mmio_write32(rd + GICR_ICENABLER0, 0xffffffffu);
    if (wait_reg_clear(rd + GICR_CTLR, GICR_CTLR_RWP) < 0) {
        return ERR_RWP;
    }
    mmio_write32(rd + GICR_IGROUPR0, 0xffffffffu);     /* all group 1 */
    for (i = 0; i < 8; i++) {
        mmio_write32(rd + GICR_IPRIORITYR(i), IRQ_PRIORITY);
    }
    /* all SGIs, so that one with a wrong INTID shows up; the timer PPI */
    mmio_write32(rd + GICR_ISENABLER0, 0xffffu | (1u << cfg.timer_intid));

    write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | 7);  /* SRE DFB DIB */
    isb();
    if (!(read_sysreg(ICC_SRE_EL1) & 1)) {
        return ERR_SRE;
    }
    write_sysreg(ICC_PMR_EL1, 0xff);
    write_sysreg(ICC_BPR1_EL1, 0);
    write_sysreg(ICC_CTLR_EL1, read_sysreg(ICC_CTLR_EL1) & ~ICC_CTLR_EOIMODE);
    write_sysreg(ICC_IGRPEN1_EL1, 1);
    isb();
    return 0;
}

static void send_sgi(uint64_t aff, uint32_t intid)
{
    uint64_t aff0 = aff & 0xff;
    uint64_t v = 1ul << (aff0 & 15) |              /* TargetList */
                 ((aff >> 8) & 0xff) << 16 |        /* Aff1 */
                 (uint64_t)intid << 24 |
                 ((aff >> 16) & 0xff) << 32 |       /* Aff2 */
                 (aff0 >> 4) << 44 |                /* RS */
                 ((aff >> 32) & 0xff) << 48;        /* Aff3 */

    dsb_ish();              /* earlier stores before the interrupt */
    write_sysreg(ICC_SGI1R_EL1, v);
    isb();
}

/* Interrupt handler (from el1_irq, IRQs masked). */
void census_irq(void)
{
    struct cpu_slot *s = &slots[my_index() % CENSUS_MAX_CPUS];
    uint64_t iar = read_sysreg(ICC_IAR1_EL1);
    uint32_t intid = iar & 0xffffff;

    if (intid >= 1020 && intid <= 1023) {
        return;                             /* spurious: no EOI */
    }
    if (intid == cfg.timer_intid) {
        /* level-triggered: silence the timer before the EOI */
        write_sysreg("cntv_ctl_el0", CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
        isb();
        s->ppi++;
    } else if (intid == CENSUS_SGI) {
        s->sgi++;
    } else if (intid == RUN_SGI && run_go) {
        s->rsgi++;
    } else {
        s->bad_intid = intid;
        s->bad_irqs++;
    }
    write_sysreg(ICC_EOIR1_EL1, iar);
    isb();
}

void census_exception(uint64_t kind)
{
    int idx = my_index();
    uint64_t esr = read_sysreg("esr_el1");
    uint64_t elr = read_sysreg("elr_el1");
    uint64_t far = read_sysreg("far_el1");

    if (idx == CENSUS_NO_INDEX || idx == boot_idx || idx >= CENSUS_MAX_CPUS) {
        puts("census: unexpected exception ");
        putu(kind);
        puts(" on the boot CPU: esr=");
        putx(esr);
        puts(" elr=");
        putx(elr);
        puts(" far=");
        putx(far);
        puts("\ncensus: FAILED\n");
        psci_system_reset(cfg.fdt);
    }
    slots[idx].exc_kind = kind;
    slots[idx].exc_esr = esr;
    slots[idx].exc_elr = elr;
    slots[idx].exc_far = far;
    dmb_ish();
    slots[idx].errors |= ERR_EXCEPTION;
    park();
}

/* ------------------------------------------------------------------ */
/* Per-CPU part */

static void timer_arm(uint64_t ticks)
{
    write_sysreg("cntv_tval_el0", ticks);
    write_sysreg("cntv_ctl_el0", CNTV_CTL_ENABLE);
    isb();
}

/*
 * Sleep until an interrupt is pending, then take it.  Called with IRQs
 * masked: WFI still wakes up on a pending interrupt, and no interrupt can
 * slip in between the caller's check and the WFI.
 */
static void wait_irq(void)
{
    wfi();
    irq_unmask();
    isb();
    irq_mask();
}

/*
 * Identify the CPU, set up its GIC parts and arm its timer: the part of
 * the census all CPUs do.  Returns 0 if the timer interrupt can come.
 */
static int cpu_setup(int idx)
{
    struct cpu_slot *s = &slots[idx];
    uint32_t err;

    s->mpidr = read_sysreg("mpidr_el1");
    if (my_affinity() != cfg.cpu_aff[idx]) {
        s->errors |= ERR_MPIDR;
    }
    s->entered++;
    dmb_ish();
    err = gic_cpu_init();
    if (err) {
        s->errors |= err;
        return -1;
    }
    timer_arm(tick);
    return 0;
}

static void race_caller(int idx);

/* ---- run phase ---- */

static int ring_next(int i)
{
    return i + 1 < cfg.ncpus ? i + 1 : 0;
}

/* One tick of the run phase: the next SGI to the neighbour, if it took ours. */
static void run_step(int idx)
{
    struct cpu_slot *s = &slots[idx];
    int nb = ring_next(idx);

    if (run_go && slots[nb].rsgi == s->tx) {
        s->tx++;
        send_sgi(cfg.cpu_aff[nb], RUN_SGI);     /* dsb: tx before the SGI */
    }
}

/* Sleep until this CPU's next timer interrupt (SGIs wake it on the way). */
static void run_tick(struct cpu_slot *s, uint64_t ticks)
{
    uint32_t last = s->ppi;

    timer_arm(ticks);
    while (s->ppi == last) {
        wait_irq();
    }
}

static __attribute__((noreturn)) void run_secondary(int idx)
{
    uint64_t ticks = cfg.tick_ms * (counter_freq() / 1000);
    uint32_t n = 0;

    for (;;) {
        run_tick(&slots[idx], ticks);
        run_step(idx);
        if (idx == cfg.run_stall && run_go && ++n == 20) {
            park();
        }
    }
}

void census_secondary(uint64_t ctx)
{
    int idx = ctx & 0xffff;
    struct cpu_slot *s = &slots[idx];

    s->starter = ctx >> CTX_STARTER_SHIFT;
    if (cpu_setup(idx) < 0) {
        park();
    }
    while (!s->ppi) {
        wait_irq();
    }
    if (race_role[idx]) {
        race_caller(idx);
    }
    while (!s->sgi) {
        wait_irq();
    }
    if (cfg.run) {
        run_secondary(idx);
    }
    park();
}

/* ------------------------------------------------------------------ */
/* Boot CPU */

static int64_t cpu_on(int target, uint64_t starter)
{
    dsb_ish();              /* the target reads what we wrote */
    return psci_invoke(cfg.smc, cfg.cpu_on_fn, cfg.cpu_aff[target],
                       (uint64_t)(uintptr_t)census_secondary_entry,
                       (uint64_t)target | starter << CTX_STARTER_SHIFT);
}

/*
 * One step of a waiting loop of the boot CPU: sleep for up to a tick once
 * its own timer interrupt is known to work, else spin a little.
 */
static void boot_wait(void)
{
    if (slots[boot_idx].ppi) {
        timer_arm(tick);
        wait_irq();
    } else {
        int i;

        irq_unmask();
        for (i = 0; i < 1000; i++) {
            cpu_relax();
        }
        irq_mask();
    }
}

typedef int cpu_pred(int i);

static int count(cpu_pred *p)
{
    int i, n = 0;

    for (i = 0; i < cfg.ncpus; i++) {
        n += p(i) != 0;
    }
    return n;
}

/*
 * Print "<prefix>: <label> (<count>): " and the CPU indices for which p()
 * holds, as ranges: "3,5-9,12" (at most MAX_RUNS of them, then "...").
 * Nothing if there are none.
 */
#define MAX_RUNS 48

static void print_set_prefix(const char *prefix, const char *label,
                             cpu_pred *p)
{
    int i = 0, runs = 0, n = count(p);

    if (!n) {
        return;
    }
    puts(prefix);
    puts(": ");
    puts(label);
    puts(" (");
    putu(n);
    puts("): ");
    while (i < cfg.ncpus) {
        int j;

        if (!p(i)) {
            i++;
            continue;
        }
        for (j = i; j + 1 < cfg.ncpus && p(j + 1); j++) {
            /* extend the run */
        }
        if (runs) {
            puts(",");
        }
        if (runs++ == MAX_RUNS) {
            puts("...");
            break;
        }
        putu(i);
        if (j > i) {
            puts("-");
            putu(j);
        }
        i = j + 1;
    }
    puts("\n");
}

static void print_set(const char *label, cpu_pred *p)
{
    print_set_prefix("census", label, p);
}

static int p_online(int i)
{
    return slots[i].entered != 0;
}

static int p_offline(int i)
{
    return !slots[i].entered;
}

static int p_ppi(int i)
{
    return slots[i].ppi != 0;
}

static int p_no_ppi(int i)
{
    return !slots[i].ppi;
}

static int p_sgi(int i)
{
    return slots[i].sgi != 0;
}

static int p_no_sgi(int i)
{
    return !slots[i].sgi;
}

static int p_extra_sgi(int i)
{
    return slots[i].sgi > 1;
}

static int p_reentered(int i)
{
    return slots[i].entered > 1;
}

static int p_bad_irq(int i)
{
    return slots[i].bad_irqs != 0;
}

static int p_err_mpidr(int i)
{
    return slots[i].errors & ERR_MPIDR;
}

static int p_err_redist(int i)
{
    return slots[i].errors & ERR_NO_REDIST;
}

static int p_err_gic(int i)
{
    return slots[i].errors & (ERR_WAKER | ERR_RWP | ERR_SRE);
}

static int p_err_exc(int i)
{
    return slots[i].errors & ERR_EXCEPTION;
}

static int p_cpu_on_failed(int i)
{
    return slots[i].cpu_on_rc != 0;
}

static int any_error(int i)
{
    return slots[i].errors || slots[i].bad_irqs || slots[i].sgi > 1 ||
           slots[i].entered > 1 || slots[i].cpu_on_rc;
}

/*
 * Wait until p() holds for every CPU in expected[] (that has not reported
 * an error), or until the deadline.
 */
static void wait_all(cpu_pred *p, const int *expected, uint64_t deadline)
{
    for (;;) {
        int i, missing = 0;

        for (i = 0; i < cfg.ncpus && !missing; i++) {
            if (expected[i] && !p(i) && !slots[i].errors) {
                missing = 1;
            }
        }
        if (!missing || now() > deadline) {
            return;
        }
        boot_wait();
    }
}

/* ---- race mode ---- */

static int p_race_multi(int i)
{
    return race_successes[i] > 1;
}

static int p_race_none(int i)
{
    return race_successes[i] == 0;
}

/*
 * A caller other than the boot CPU: for each round, say it is ready, wait
 * for the boot CPU to release the round, then call CPU_ON at once.
 */
static void race_caller(int idx)
{
    struct cpu_slot *s = &slots[idx];
    int k = race_role[idx] - 1;
    int r;

    for (r = 1; r <= race_ntargets; r++) {
        s->race_ready = r;
        dmb_ish();
        while (race_round < (uint32_t)r) {
            if (race_abort || now() > race_deadline) {
                return;
            }
        }
        race_rc[k][r - 1] = (int32_t)cpu_on(race_target_cpu[r - 1], k + 1);
    }
    dmb_ish();
    s->race_ready = race_ntargets + 1;
}

static int race_all_ready(uint32_t r)
{
    int k;

    for (k = 1; k < race_ncallers; k++) {
        if (slots[race_caller_cpu[k]].race_ready < r) {
            return 0;
        }
    }
    return 1;
}

/*
 * The boot CPU leads: it starts the other callers normally, then for each
 * target lets all callers loose on it at once.  Returns 0 if it passed.
 */
static int race_run(uint64_t deadline)
{
    int i, k, r;
    int success = 0, already = 0, pending = 0, bad = 0;
    int multi = 0, most = 0;

    race_ncallers = cfg.race_callers;
    if (race_ncallers > MAX_RACE_CALLERS) {
        race_ncallers = MAX_RACE_CALLERS;
    }
    if (race_ncallers > cfg.ncpus - 1) {
        race_ncallers = cfg.ncpus - 1;
    }
    if (race_ncallers < 2) {
        puts("census-race: needs at least 3 CPUs and 2 callers\n");
        for (i = 0; i < cfg.ncpus; i++) {
            if (i != boot_idx) {
                slots[i].cpu_on_rc = cpu_on(i, 0);
                expected_on[i] = slots[i].cpu_on_rc == PSCI_SUCCESS;
            }
        }
        return -1;
    }
    for (i = 0; i < cfg.ncpus; i++) {
        race_successes[i] = -1;
    }
    /* callers: the boot CPU and the next CPUs in DT order */
    race_caller_cpu[0] = boot_idx;
    race_role[boot_idx] = 1;
    for (i = 0, k = 1; i < cfg.ncpus; i++) {
        if (i == boot_idx) {
            continue;
        }
        if (k < race_ncallers) {
            race_caller_cpu[k] = i;
            race_role[i] = 1 + k++;
        } else {
            race_target_cpu[race_ntargets++] = i;
        }
    }
    for (k = 0; k < race_ncallers; k++) {
        for (r = 0; r < race_ntargets; r++) {
            race_rc[k][r] = RACE_NOT_ISSUED;
        }
    }
    race_deadline = deadline;
    for (k = 1; k < race_ncallers; k++) {
        i = race_caller_cpu[k];
        slots[i].cpu_on_rc = cpu_on(i, 0);
        expected_on[i] = slots[i].cpu_on_rc == PSCI_SUCCESS;
    }
    for (r = 1; r <= race_ntargets; r++) {
        while (!race_all_ready(r)) {
            if (now() > race_deadline) {
                race_abort = 1;
                break;
            }
        }
        if (race_abort) {
            break;
        }
        race_round = r;
        dsb_ish();
        race_rc[0][r - 1] = (int32_t)cpu_on(race_target_cpu[r - 1], 1);
    }
    while (!race_abort && !race_all_ready(race_ntargets + 1)) {
        if (now() > race_deadline) {
            race_abort = 1;
        }
    }
    dmb_ish();

    puts("census-race: callers: ");
    for (k = 0; k < race_ncallers; k++) {
        putu(race_caller_cpu[k]);
        puts(k + 1 < race_ncallers ? "," : "\n");
    }
    for (r = 0; r < race_ntargets; r++) {
        int ns = 0;

        for (k = 0; k < race_ncallers; k++) {
            int32_t rc = race_rc[k][r];

            switch (rc) {
            case PSCI_SUCCESS:
                ns++;
                success++;
                break;
            case PSCI_ALREADY_ON:
                already++;
                break;
            case PSCI_ON_PENDING:
                pending++;
                break;
            default:
                if (bad < 8) {
                    puts("census-race: target ");
                    putu(race_target_cpu[r]);
                    puts(" caller ");
                    putu(race_caller_cpu[k]);
                    if (rc == RACE_NOT_ISSUED) {
                        puts(" did not get to call CPU_ON\n");
                    } else {
                        puts(" got ");
                        puti(rc);
                        puts("\n");
                    }
                }
                bad++;
            }
        }
        race_successes[race_target_cpu[r]] = ns;
        if (ns) {
            expected_on[race_target_cpu[r]] = 1;
        }
        multi += ns > 1;
        most = ns > most ? ns : most;
    }
    print_set_prefix("census-race", "targets with more than one SUCCESS",
                     p_race_multi);
    print_set_prefix("census-race", "targets without a SUCCESS",
                     p_race_none);
    if (multi) {
        puts("census-race: ");
        putu(multi);
        puts(" of ");
        putu(race_ntargets);
        puts(" targets got SUCCESS from more than one caller (up to ");
        putu(most);
        puts(")\n");
    }
    if (race_abort) {
        puts("census-race: timed out waiting for the callers; "
             "calls not issued count as bad\n");
    }
    puts("census-race: targets=");
    putu(race_ntargets);
    puts(" success=");
    putu(success);
    puts(" already_on=");
    putu(already);
    puts(" on_pending=");
    putu(pending);
    puts(" bad=");
    putu(bad);
    puts("\n");
    if (pending) {
        puts("census-race: ON_PENDING returned; Linux KVM answers "
             "ALREADY_ON to every caller after the first\n");
    }
    return multi || count(p_race_none) || bad || pending || race_abort ? -1 : 0;
}

/* ---- the census ---- */

static void print_errors(void)
{
    int i, shown;

    print_set("CPU_ON failed for", p_cpu_on_failed);
    for (i = 0, shown = 0; i < cfg.ncpus && shown < 8; i++) {
        if (slots[i].cpu_on_rc) {
            puts("census: CPU_ON ");
            putu(i);
            puts(" returned ");
            puti(slots[i].cpu_on_rc);
            puts("\n");
            shown++;
        }
    }
    print_set("MPIDR_EL1 differs from the device tree", p_err_mpidr);
    print_set("no redistributor found", p_err_redist);
    print_set("GIC setup failed", p_err_gic);
    print_set("entered more than once", p_reentered);
    print_set("unexpected INTID", p_bad_irq);
    print_set("more than one SGI", p_extra_sgi);
    print_set("exception", p_err_exc);
    for (i = 0, shown = 0; i < cfg.ncpus && shown < 8; i++) {
        if (slots[i].errors & ERR_EXCEPTION) {
            puts("census: CPU ");
            putu(i);
            puts(" exception ");
            putu(slots[i].exc_kind);
            puts(" esr=");
            putx(slots[i].exc_esr);
            puts(" elr=");
            putx(slots[i].exc_elr);
            puts(" far=");
            putx(slots[i].exc_far);
            puts("\n");
            shown++;
        }
    }
    for (i = 0, shown = 0; i < cfg.ncpus && shown < 8; i++) {
        if (slots[i].bad_irqs) {
            puts("census: CPU ");
            putu(i);
            puts(" took INTID ");
            putu(slots[i].bad_intid);
            puts("\n");
            shown++;
        }
    }
    print_set("offline", p_offline);
    print_set("no ppi", p_no_ppi);
    print_set("no sgi", p_no_sgi);
}

/* ---- run phase: the boot CPU ---- */

/* What each CPU showed at the last check */
static uint32_t run_prev_ppi[CENSUS_MAX_CPUS];
static uint32_t run_prev_rx[CENSUS_MAX_CPUS];   /* the next CPU's rsgi */
static uint32_t run_prev_tx[CENSUS_MAX_CPUS];
/* This check's findings, per CPU (lost, dup: of SGIs this CPU sent) */
static uint8_t run_stalled[CENSUS_MAX_CPUS];
static uint8_t run_lost[CENSUS_MAX_CPUS];
static uint8_t run_dup[CENSUS_MAX_CPUS];

static int p_run_stalled(int i)
{
    return run_stalled[i];
}

static int p_run_lost(int i)
{
    return run_lost[i];
}

static int p_run_dup(int i)
{
    return run_dup[i];
}

/* One check; prints its line; returns 0 if all is well. */
static int run_check(uint64_t k, int first)
{
    uint32_t lo = 0xffffffffu, hi = 0, ppi, rx, tx;
    uint64_t sgis = 0;
    int i, nb, bad;

    for (i = 0; i < cfg.ncpus; i++) {
        ppi = slots[i].ppi;
        run_stalled[i] = !first && ppi == run_prev_ppi[i];
        run_prev_ppi[i] = ppi;
        lo = ppi < lo ? ppi : lo;
        hi = ppi > hi ? ppi : hi;
    }
    for (i = 0; i < cfg.ncpus; i++) {
        nb = ring_next(i);
        /* rx, then tx: rx <= tx holds at every moment, so rx > tx is real */
        rx = slots[nb].rsgi;
        dmb_ish();
        tx = slots[i].tx;
        run_dup[i] = rx > tx;
        /* in flight since the last check, and the receiver ran meanwhile */
        run_lost[i] = !first && rx < tx && rx == run_prev_rx[i] &&
                      tx == run_prev_tx[i] && !run_stalled[nb];
        run_prev_rx[i] = rx;
        run_prev_tx[i] = tx;
        sgis += rx;
    }
    bad = count(p_run_stalled) || count(p_run_lost) || count(p_run_dup) ||
          count(p_bad_irq) || count(p_err_exc);
    if (bad) {
        print_set_prefix("run", "stalled (timer count did not advance)",
                         p_run_stalled);
        print_set_prefix("run", "lost SGI (sent, never taken) from",
                         p_run_lost);
        print_set_prefix("run", "duplicated SGI (taken more than sent) from",
                         p_run_dup);
        print_set_prefix("run", "unexpected INTID", p_bad_irq);
        print_set_prefix("run", "exception", p_err_exc);
    }
    puts("run: check=");
    putu(k);
    if (bad) {
        puts(" FAILED\n");
        return -1;
    }
    puts(" ok ticks=");
    putu(lo);
    puts("..");
    putu(hi);
    puts(" sgis=");
    putu(sgis);
    puts("\n");
    return 0;
}

static __attribute__((noreturn)) void run_boot(const void *fdt)
{
    uint64_t ms = counter_freq() / 1000;
    uint64_t ticks = cfg.tick_ms * ms, next, k = 0, failed = 0, n = 0;
    uint64_t min_ticks = cfg.check_ms / cfg.tick_ms;

    puts("run: tick-ms=");
    putu(cfg.tick_ms);
    puts(" check-ms=");
    putu(cfg.check_ms);
    puts(" cpus=");
    putu(cfg.ncpus);
    puts("\n");
    run_check(0, 1);            /* the baseline, not counted */
    dsb_ish();
    run_go = 1;
    dsb_ish();
    next = now() + cfg.check_ms * ms;
    for (;;) {
        run_tick(&slots[boot_idx], ticks);
        run_step(boot_idx);
        if (++n >= min_ticks && now() >= next) {
            failed += run_check(++k, 0) < 0;
            next = now() + cfg.check_ms * ms;
            n = 0;
        }
        if ((cfg.run_checks && k >= cfg.run_checks) ||
            getc_nonblock() == 'v') {
            break;
        }
    }
    puts("run: verdict ");
    puts(failed ? "FAILED" : "ok");
    puts(" checks=");
    putu(k);
    if (failed) {
        puts(" failed=");
        putu(failed);
    }
    puts("\n");
    if (failed) {
        psci_system_reset(fdt);
    }
    psci_system_off(fdt);
}

void main(const void *fdt)
{
    uint64_t freq = counter_freq();
    uint64_t phase = cfg.timeout_s * freq;
    uint64_t deadline;
    const char *err;
    int i, ok, race_failed = 0, online, ppi, sgi;

    tick = freq / 1000;
    for (i = 0; i < cfg.ncpus; i++) {
        if (cfg.cpu_aff[i] == my_affinity()) {
            boot_idx = i;
        }
    }
    if (boot_idx < 0) {
        fail_early("the boot CPU's MPIDR_EL1 is not in the device tree");
    }
    write_sysreg("tpidr_el1", boot_idx);
    isb();
    expected_on[boot_idx] = 1;
    err = gic_dist_init();
    if (err) {
        fail_early(err);
    }

    /*
     * Bring-up: the boot CPU's own timer interrupt, powering the others
     * on and their timer interrupts, all within one timeout.
     */
    deadline = now() + phase;
    if (cpu_setup(boot_idx) == 0) {
        while (!slots[boot_idx].ppi && now() < deadline) {
            boot_wait();
        }
    }
    if (cfg.race) {
        race_failed = race_run(deadline) < 0;
    } else {
        for (i = 0; i < cfg.ncpus; i++) {
            if (i != boot_idx) {
                slots[i].cpu_on_rc = cpu_on(i, 0);
                expected_on[i] = slots[i].cpu_on_rc == PSCI_SUCCESS;
            }
        }
    }
    wait_all(p_ppi, expected_on, deadline);

    /* then one SGI to each CPU that took its timer interrupt */
    for (i = 0; i < cfg.ncpus; i++) {
        if (slots[i].ppi && i != cfg.skip_sgi) {
            send_sgi(cfg.cpu_aff[i], CENSUS_SGI);
            sgi_sent[i] = 1;
        }
    }
    wait_all(p_sgi, sgi_sent, now() + phase);
    /* a moment for stray second SGIs or interrupts to show up */
    deadline = now() + 10 * tick;
    while (now() < deadline) {
        boot_wait();
    }
    dmb_ish();

    online = count(p_online);
    ppi = count(p_ppi);
    sgi = count(p_sgi);
    ok = online == cfg.ncpus && ppi == cfg.ncpus && sgi == cfg.ncpus &&
         !count(any_error) && !race_failed;
    if (!ok) {
        print_errors();
    }
    puts("census: cpus=");
    putu(online);
    puts("/");
    putu(cfg.ncpus);
    puts(" ppi=");
    putu(ppi);
    puts("/");
    putu(cfg.ncpus);
    puts(" sgi=");
    putu(sgi);
    puts("/");
    putu(cfg.ncpus);
    puts("\n");
    if (!ok) {
        puts("census: FAILED\n");
    }
    if (cfg.linger_ms) {
        deadline = now() + cfg.linger_ms * (freq / 1000);
        while (now() < deadline) {
        }
    }
    if (!ok) {
        psci_system_reset(fdt);
    }
    if (cfg.run) {
        run_boot(fdt);
    }
    psci_system_off(fdt);
}
