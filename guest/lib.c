/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal console, device tree and PSCI helpers for the aarch64 payloads. */
#include "lib.h"

#define UART_BASE   0x09000000UL    /* PL011 of QEMU's virt board */
#define UART_DR     0x00
#define UART_FR     0x18
#define UART_FR_TXFF (1u << 5)
#define UART_FR_RXFE (1u << 4)

#define PSCI_SYSTEM_OFF     0x84000008u
#define PSCI_SYSTEM_RESET   0x84000009u

static void putc(char c)
{
    while (mmio_read32(UART_BASE + UART_FR) & UART_FR_TXFF) {
        /* wait */
    }
    mmio_write32(UART_BASE + UART_DR, (uint8_t)c);
}

int getc_nonblock(void)
{
    if (mmio_read32(UART_BASE + UART_FR) & UART_FR_RXFE) {
        return -1;
    }
    return mmio_read32(UART_BASE + UART_DR) & 0xff;
}

void puts(const char *s)
{
    while (*s) {
        putc(*s++);
    }
}

void putu(uint64_t v)
{
    char buf[21];
    int i = sizeof(buf) - 1;

    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    puts(&buf[i]);
}

void puti(int64_t v)
{
    if (v < 0) {
        putc('-');
        putu(-(uint64_t)v);
    } else {
        putu(v);
    }
}

void putx(uint64_t v)
{
    char buf[19];
    int i = sizeof(buf) - 1;

    buf[i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    puts(&buf[i]);
}

unsigned current_el(void)
{
    uint64_t el;

    asm volatile("mrs %0, CurrentEL" : "=r"(el));
    return (el >> 2) & 3;
}

/* Flattened device tree (big endian). */
#define FDT_MAGIC       0xd00dfeedu
#define FDT_BEGIN_NODE  1
#define FDT_END_NODE    2
#define FDT_PROP        3
#define FDT_NOP         4
#define FDT_END         9

uint32_t be32(const void *p)
{
    const uint8_t *b = p;

    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
           (uint32_t)b[2] << 8 | b[3];
}

int streq_prefix(const char *s, const char *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

int streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static uint32_t strlen32(const char *s)
{
    uint32_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

int fdt_strlist_has(const void *val, uint32_t len, const char *s)
{
    const char *p = val;
    const char *end = p + len;

    while (p < end) {
        uint32_t n = strlen32(p);

        if (streq(p, s)) {
            return 1;
        }
        p += n + 1;
    }
    return 0;
}

/* Walk the structure block; see lib.h. */
int fdt_walk(const void *fdt, fdt_visit *visit, void *ctx)
{
    const uint8_t *base = fdt;
    const uint8_t *p, *strings;
    const char *node = "";
    int depth = 0;

    if (!fdt || be32(base) != FDT_MAGIC) {
        return -1;
    }
    p = base + be32(base + 8);
    strings = base + be32(base + 12);
    for (;;) {
        uint32_t tok = be32(p);

        p += 4;
        switch (tok) {
        case FDT_BEGIN_NODE:
            node = (const char *)p;
            depth++;
            visit(depth, node, 0, 0, 0, ctx);
            p += (strlen32(node) + 4) & ~3u;
            break;
        case FDT_END_NODE:
            visit(depth, 0, 0, 0, 0, ctx);
            depth--;
            break;
        case FDT_PROP: {
            uint32_t len = be32(p);
            uint32_t off = be32(p + 4);

            visit(depth, node, (const char *)strings + off, p + 8, len, ctx);
            p += 8 + ((len + 3) & ~3u);
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            return 0;
        default:
            return -1;
        }
    }
}

struct cpu_count {
    int in_cpus_depth;
    int n;
};

static void count_visit(int depth, const char *node, const char *prop,
                        const void *val, uint32_t len, void *ctx)
{
    struct cpu_count *c = ctx;

    if (prop || !node) {
        return;
    }
    if (c->in_cpus_depth && depth <= c->in_cpus_depth) {
        c->in_cpus_depth = 0;
    }
    if (depth == 2 && streq(node, "cpus")) {
        c->in_cpus_depth = depth;
    } else if (c->in_cpus_depth && depth == c->in_cpus_depth + 1 &&
               (streq(node, "cpu") || streq_prefix(node, "cpu@"))) {
        c->n++;
    }
}

int fdt_count_cpus(const void *fdt)
{
    struct cpu_count c = { 0, 0 };

    if (fdt_walk(fdt, count_visit, &c) < 0) {
        return -1;
    }
    return c.n;
}

struct psci_method {
    int in_psci;
    int smc;
};

static void method_visit(int depth, const char *node, const char *prop,
                         const void *val, uint32_t len, void *ctx)
{
    struct psci_method *m = ctx;

    if (!node) {
        m->in_psci = 0;
    } else if (!prop) {
        m->in_psci = depth == 2 && streq_prefix(node, "psci");
    } else if (m->in_psci && streq(prop, "method")) {
        m->smc = streq(val, "smc");
    }
}

int psci_method_is_smc(const void *fdt)
{
    struct psci_method m = { 0, 0 };

    fdt_walk(fdt, method_visit, &m);
    return m.smc;
}

/* SMCCC: x0-x3 carry arguments and results, x4-x17 may be clobbered. */
int64_t psci_invoke(int smc, uint64_t fn, uint64_t a1, uint64_t a2,
                    uint64_t a3)
{
    register uint64_t x0 asm("x0") = fn;
    register uint64_t x1 asm("x1") = a1;
    register uint64_t x2 asm("x2") = a2;
    register uint64_t x3 asm("x3") = a3;

    if (smc) {
        asm volatile("smc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                       "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    } else {
        asm volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                       "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    }
    return (int64_t)x0;
}

static void psci_call(const void *fdt, uint32_t fn)
{
    psci_invoke(psci_method_is_smc(fdt), fn, 0, 0, 0);
}

void psci_system_off(const void *fdt)
{
    psci_call(fdt, PSCI_SYSTEM_OFF);
    for (;;) {
        asm volatile("wfi");
    }
}

void psci_system_reset(const void *fdt)
{
    psci_call(fdt, PSCI_SYSTEM_RESET);
    for (;;) {
        asm volatile("wfi");
    }
}
