/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * census: exception vectors, the entry point of the secondary CPUs, the
 * boot CPU's early hook and turning the MMU on.
 *
 * Data written while the MMU (and so the data cache) is off goes straight
 * to memory; stale lines of the same addresses may still sit in a cache
 * and would hide it once the MMU is on.  So the boot CPU invalidates all of
 * .bss to the point of coherency after writing it with the MMU off, and the
 * secondary CPUs do not touch memory at all before their MMU is on.
 */
#include "census-defs.h"

/* MAIR_EL1: attr0 Device-nGnRnE, attr1 Normal inner/outer WB RW-allocate */
#define MAIR_VALUE      0xff00
/*
 * TCR_EL1: T0SZ = 25 (39-bit VA, walks start at level 1), IRGN0 = ORGN0 =
 * WB RW-allocate, SH0 = inner shareable, TG0 = 4 KiB, EPD1 (no TTBR1
 * walks), TG1 = 4 KiB.  IPS is filled in from ID_AA64MMFR0_EL1.PARange.
 */
#define TCR_VALUE       ((25 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | \
                         (1 << 23) | (2 << 30))
#define SCTLR_M         (1 << 0)
#define SCTLR_A         (1 << 1)
#define SCTLR_C         (1 << 2)
#define SCTLR_SA        (1 << 3)
#define SCTLR_I         (1 << 12)
#define SCTLR_WXN       (1 << 19)
#define SCTLR_E0E       (1 << 24)
#define SCTLR_EE        (1 << 25)

    .macro  adr_l reg, sym
    adrp    \reg, \sym
    add     \reg, \reg, :lo12:\sym
    .endm

    .text

/*
 * early_init(fdt): start.S calls it on the boot CPU with the MMU off,
 * after clearing .bss.  census_early() parses the device tree and builds
 * the page table; then .bss is invalidated and the MMU turned on.
 */
    .global early_init
    .type   early_init, %function
early_init:
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    adr_l   x1, census_vectors
    msr     vbar_el1, x1
    mov     x1, #CENSUS_NO_INDEX
    msr     tpidr_el1, x1
    isb
    bl      census_early
    adr_l   x0, __bss_start
    adr_l   x1, __bss_end
    bl      dcache_clean_inval_poc
    bl      mmu_on
    ldp     x29, x30, [sp], #16
    ret
    .size   early_init, . - early_init

/*
 * dcache_clean_inval_poc(start, end): clean and invalidate [start, end) to
 * the point of coherency.  Leaf; uses x0-x3 only.
 */
    .type   dcache_clean_inval_poc, %function
dcache_clean_inval_poc:
    mrs     x3, ctr_el0
    ubfx    x3, x3, #16, #4         /* DminLine: log2(words) */
    mov     x2, #4
    lsl     x2, x2, x3              /* line size in bytes */
    sub     x3, x2, #1
    bic     x0, x0, x3
1:  dc      civac, x0
    add     x0, x0, x2
    cmp     x0, x1
    b.lo    1b
    dsb     sy
    ret
    .size   dcache_clean_inval_poc, . - dcache_clean_inval_poc

/*
 * mmu_on: identity map through census_l1, caches on.  Leaf; uses x0-x2
 * only and no memory, so it can run before the CPU has a usable stack.
 */
    .type   mmu_on, %function
mmu_on:
    mov     x0, #MAIR_VALUE
    msr     mair_el1, x0
    mrs     x1, id_aa64mmfr0_el1
    and     x1, x1, #0xf            /* PARange */
    mov     x2, #5                  /* at most 48 bits: 52 needs TCR.DS */
    cmp     x1, x2
    csel    x1, x1, x2, ls
    ldr     x0, =TCR_VALUE
    orr     x0, x0, x1, lsl #32     /* IPS */
    msr     tcr_el1, x0
    adr_l   x0, census_l1
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    ic      iallu
    dsb     nsh
    isb
    mrs     x0, sctlr_el1
    ldr     x1, =(SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I)
    orr     x0, x0, x1
    ldr     x1, =(SCTLR_A | SCTLR_WXN | SCTLR_E0E | SCTLR_EE)
    bic     x0, x0, x1
    msr     sctlr_el1, x0
    isb
    ic      iallu
    dsb     nsh
    isb
    ret
    .size   mmu_on, . - mmu_on

/*
 * census_secondary_entry: PSCI CPU_ON entry point (a physical address;
 * the map is the identity).  x0 = context id: bits [15:0] the CPU's index
 * in the device tree, the rest tells who started it (see census.c).
 * The CPU is at EL1 with the MMU off and all of DAIF masked.
 */
    .global census_secondary_entry
    .type   census_secondary_entry, %function
    .balign 8
census_secondary_entry:
    msr     daifset, #0xf
    adr_l   x1, census_vectors
    msr     vbar_el1, x1
    mov     x20, x0
    and     x19, x0, #0xffff
    msr     tpidr_el1, x19
    isb
    cmp     x19, #CENSUS_MAX_CPUS
    b.hs    2f
    adr_l   x1, census_stacks
    add     x2, x19, #1
    add     x1, x1, x2, lsl #CENSUS_STACK_SHIFT
    mov     sp, x1
    bl      mmu_on
    mov     x0, x20
    bl      census_secondary
2:  wfi
    b       2b
    .size   census_secondary_entry, . - census_secondary_entry

/*
 * Exception vectors.  Only IRQs taken from EL1 with SP_EL1 are expected;
 * anything else goes to census_exception(kind), which does not return.
 */
    .macro  unexpected kind
    .balign 0x80
    mov     x0, #\kind
    b       census_exception
    .endm

    .balign 2048
census_vectors:
    /* current EL with SP_EL0 */
    unexpected CENSUS_EXC_SYNC
    unexpected CENSUS_EXC_IRQ
    unexpected CENSUS_EXC_FIQ
    unexpected CENSUS_EXC_SERROR
    /* current EL with SP_ELx */
    unexpected CENSUS_EXC_SYNC
    .balign 0x80
    b       el1_irq
    unexpected CENSUS_EXC_FIQ
    unexpected CENSUS_EXC_SERROR
    /* lower EL, AArch64 */
    unexpected CENSUS_EXC_SYNC
    unexpected CENSUS_EXC_IRQ
    unexpected CENSUS_EXC_FIQ
    unexpected CENSUS_EXC_SERROR
    /* lower EL, AArch32 */
    unexpected CENSUS_EXC_SYNC
    unexpected CENSUS_EXC_IRQ
    unexpected CENSUS_EXC_FIQ
    unexpected CENSUS_EXC_SERROR

/*
 * IRQ from EL1: save the caller-saved registers, run census_irq().  IRQs
 * stay masked in the handler, so ELR_EL1 and SPSR_EL1 need no saving.
 */
el1_irq:
    sub     sp, sp, #176
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    str     x30, [sp, #160]
    bl      census_irq
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    ldr     x30, [sp, #160]
    add     sp, sp, #176
    eret
