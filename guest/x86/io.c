// SPDX-License-Identifier: GPL-2.0-or-later
/* svmtest console: polled 16550 on COM1, a small printf, string helpers. */
#include "svmtest.h"

#define COM1 0x3f8

void con_init(void)
{
    outb(COM1 + 1, 0x00);       /* no interrupts */
    outb(COM1 + 3, 0x80);       /* DLAB */
    outb(COM1 + 0, 0x01);       /* 115200 */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);       /* 8N1 */
    outb(COM1 + 2, 0xc7);       /* FIFO */
    outb(COM1 + 4, 0x03);
}

void con_putc(char c)
{
    if (c == '\n') {
        con_putc('\r');
    }
    for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & 0x20); i++) {
    }
    outb(COM1, c);
}

void *memset(void *s, int c, size_t n)
{
    u8 *p = s;

    while (n--) {
        *p++ = c;
    }
    return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
    u8 *dp = d;
    const u8 *sp = s;

    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

const char *strstr(const char *h, const char *n)
{
    size_t ln = strlen(n);

    for (; *h; h++) {
        size_t i = 0;

        while (i < ln && h[i] == n[i]) {
            i++;
        }
        if (i == ln) {
            return h;
        }
    }
    return NULL;
}

struct sink {
    char *buf;
    size_t size, len;
};

static void put(struct sink *s, char c)
{
    if (s->len + 1 < s->size) {
        s->buf[s->len] = c;
    }
    s->len++;
}

/* %d %u %x %s %c %%, with an optional 'l' or 'll' */
int vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { buf, size, 0 };

    for (; *fmt; fmt++) {
        int lng = 0;
        char tmp[24];
        int n = 0;
        u64 v;

        if (*fmt != '%') {
            put(&s, *fmt);
            continue;
        }
        fmt++;
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
            if (lng) {
                long long x = va_arg(ap, long long);
                if (x < 0) {
                    put(&s, '-');
                    x = -x;
                }
                v = x;
            } else {
                int x = va_arg(ap, int);
                if (x < 0) {
                    put(&s, '-');
                    x = -x;
                }
                v = (unsigned)x;
            }
            do {
                tmp[n++] = '0' + v % 10;
                v /= 10;
            } while (v);
            break;
        case 'u':
            v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            do {
                tmp[n++] = '0' + v % 10;
                v /= 10;
            } while (v);
            break;
        case 'x':
            v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            do {
                tmp[n++] = "0123456789abcdef"[v & 15];
                v >>= 4;
            } while (v);
            break;
        case 's': {
            const char *p = va_arg(ap, const char *);
            while (*p) {
                put(&s, *p++);
            }
            break;
        }
        case 'c':
            put(&s, (char)va_arg(ap, int));
            break;
        default:
            put(&s, '%');
            if (*fmt) {
                put(&s, *fmt);
            } else {
                fmt--;
            }
            break;
        }
        while (n) {
            put(&s, tmp[--n]);
        }
    }
    if (size) {
        buf[s.len < size ? s.len : size - 1] = 0;
    }
    return s.len;
}

int format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (char *p = buf; *p; p++) {
        con_putc(*p);
    }
}
