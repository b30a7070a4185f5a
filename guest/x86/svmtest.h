/* SPDX-License-Identifier: GPL-2.0-or-later */
/* svmtest: shared declarations (hardware access, console). */
#ifndef SVMTEST_H
#define SVMTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

static inline void outb(u16 port, u8 v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outl(u16 port, u32 v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
                     : "memory");
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                     : "a"(leaf), "c"(sub));
}

#define READ_CR(n) ({ u64 _v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(_v)); _v; })

/* io.c */
void con_init(void);
void con_putc(char c);
int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
const char *strstr(const char *h, const char *n);
size_t strlen(const char *s);

/* start.S */
u64 svm_run(u64 vmcb_pa, int sti);
void svm_vmsave(u64 pa);
void svm_vmload(u64 pa);

#endif
