/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PAYLOAD_LIB_H
#define PAYLOAD_LIB_H

#include <stdint.h>

void puts(const char *s);
/* A byte the PL011 received, or -1 when its receive FIFO is empty. */
int getc_nonblock(void);
void putu(uint64_t v);
void puti(int64_t v);
void putx(uint64_t v);
unsigned current_el(void);
/* Number of "cpu" nodes under /cpus, or -1 without a valid blob. */
int fdt_count_cpus(const void *fdt);
/* PSCI through the conduit the device tree names ("hvc" or "smc"). */
void psci_system_off(const void *fdt) __attribute__((noreturn));
void psci_system_reset(const void *fdt) __attribute__((noreturn));
/* 1 if the device tree's /psci "method" is "smc", 0 for "hvc". */
int psci_method_is_smc(const void *fdt);
/* One SMCCC call: function id and up to three arguments; returns x0. */
int64_t psci_invoke(int smc, uint64_t fn, uint64_t a1, uint64_t a2,
                    uint64_t a3);

/*
 * Device tree walk.  visit() is called for every node when it begins
 * (node = its name, prop = NULL), for each of its properties (prop = the
 * property's name) and when it ends (node = NULL, prop = NULL).  depth is 1
 * for the root node.  Returns 0, or -1 without a valid blob.
 */
typedef void fdt_visit(int depth, const char *node, const char *prop,
                       const void *val, uint32_t len, void *ctx);
int fdt_walk(const void *fdt, fdt_visit *visit, void *ctx);
uint32_t be32(const void *p);
int streq(const char *a, const char *b);
int streq_prefix(const char *s, const char *prefix);
/* Does the string list (as in "compatible") val/len contain s? */
int fdt_strlist_has(const void *val, uint32_t len, const char *s);

/*
 * Device register accesses.  Plain single-register loads and stores
 * without writeback, so that a hypervisor can emulate them from the
 * syndrome (KVM cannot decode load/store pair or writeback forms).
 */
static inline uint32_t mmio_read32(uintptr_t a)
{
    uint32_t v;

    asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static inline void mmio_write32(uintptr_t a, uint32_t v)
{
    asm volatile("str %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline uint64_t mmio_read64(uintptr_t a)
{
    uint64_t v;

    asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}

#endif
