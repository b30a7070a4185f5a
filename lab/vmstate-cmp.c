/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmstate-cmp A B: compare two migration streams of the same arm64 KVM
 * guest, saved by two QEMU binaries (or one binary twice) in the same state,
 * and say whether they carry the same vCPU registers.
 *
 * Each arm CPU's vmstate carries its system registers as two arrays of
 * big-endian 64-bit words, the KVM register indexes (ascending, all with
 * KVM_REG_ARM64 in the top byte) and then their values, preceded by the
 * length as a big-endian 32-bit word.  The tool finds those arrays in A
 * and in B, pairs them CPU by CPU, and counts the differences:
 *   timer   values of generic-timer registers (KVM_REG_ARM_TIMER_* or
 *           KVM_REG_ARM_PTIMER_*): counters move with time, so these may
 *           differ between two saves
 *   reg     values of any other register: a real difference, printed with
 *           the register index and both values
 *   cpu     bytes between two register arrays, compared in step: the rest
 *           of one CPU's state and the start of the next one's (core and
 *           FP/SVE registers, PSCI power state, ...)
 *   other   bytes before the first array or after the last one, or
 *           stretches of different lengths: reported, but not a failure,
 *           since two saves of the same guest differ there (RAM is sent in
 *           a different order and amount from run to run)
 * Exit status 0 if the register lists are the same and every difference is
 * in a timer register or "other"; 1 otherwise; 2 on usage or I/O errors.
 * Output: "vmstate-cmp: bytes=LA/LB cpus=C regs=R timer=T reg=X cpu=Y
 * other=Z".
 *
 * vmstate-cmp --section NAME A B: compare one device's section, whole and
 * byte for byte: the QEMU_VM_SECTION_FULL section whose id string is NAME
 * (for instance arm_gicv3, the vGIC state QEMU read back from KVM), from
 * its header to its QEMU_VM_SECTION_FOOTER.  Exit status 0 if there is
 * exactly one such section in each stream and they are the same, 1
 * otherwise.  Output: "vmstate-cmp: section=NAME bytes=LA/LB differ=D",
 * and the first differing offsets (from the section's start).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>

#define MIN_REGS 32             /* shortest run taken for a cpreg array */
#define MAX_ARRAYS 4096

struct cpreg_array {
    size_t idx;                 /* offset of the first index */
    size_t n;
};

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, got;

    if (!f) {
        fprintf(stderr, "vmstate-cmp: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    *len = 0;
    do {
        if (*len + 65536 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = realloc(buf, cap);
            if (!buf) {
                fprintf(stderr, "vmstate-cmp: out of memory\n");
                exit(2);
            }
        }
        got = fread(buf + *len, 1, 65536, f);
        *len += got;
    } while (got);
    if (ferror(f)) {
        fprintf(stderr, "vmstate-cmp: %s: read error\n", path);
        exit(2);
    }
    fclose(f);
    return buf;
}

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static int is_regidx(uint64_t v)
{
    return (v >> 56) == (KVM_REG_ARM64 >> 56);
}

static int is_timer(uint64_t id)
{
    return id == KVM_REG_ARM_TIMER_CTL || id == KVM_REG_ARM_TIMER_CNT ||
           id == KVM_REG_ARM_TIMER_CVAL || id == KVM_REG_ARM_PTIMER_CTL ||
           id == KVM_REG_ARM_PTIMER_CNT || id == KVM_REG_ARM_PTIMER_CVAL;
}

static size_t find_arrays(const unsigned char *a, size_t la,
                          struct cpreg_array *arr, size_t *nregs)
{
    size_t off, narr = 0;

    *nregs = 0;
    for (off = 4; off + 8 * MIN_REGS <= la; off++) {
        size_t n = 0;

        while (off + 8 * (n + 1) <= la && is_regidx(be64(a + off + 8 * n)) &&
               (n == 0 || be64(a + off + 8 * n) > be64(a + off + 8 * (n - 1)))) {
            n++;
        }
        if (n >= MIN_REGS && be32(a + off - 4) == n && off + 16 * n <= la) {
            if (narr == MAX_ARRAYS) {
                fprintf(stderr, "vmstate-cmp: more than %d CPUs\n", MAX_ARRAYS);
                exit(2);
            }
            arr[narr].idx = off;
            arr[narr].n = n;
            narr++;
            *nregs += n;
            off += 16 * n - 1;
        }
    }
    return narr;
}

/* Find the one full section named @name: its start and length, or 0 */
static size_t find_section(const unsigned char *a, size_t la, const char *name,
                           size_t *start, int *count)
{
    size_t nl = strlen(name), off, end, found = 0;

    *count = 0;
    for (off = 0; off + 14 + nl <= la; off++) {
        if (a[off] != 0x04 || a[off + 5] != nl ||
            memcmp(a + off + 6, name, nl)) {
            continue;
        }
        /* The footer: 0x7e and the same section id, then the next marker */
        for (end = off + 14 + nl; end + 6 <= la; end++) {
            if (a[end] == 0x7e && !memcmp(a + end + 1, a + off + 1, 4) &&
                a[end + 5] <= 0x08) {
                break;
            }
        }
        if (end + 6 > la) {
            continue;
        }
        if ((*count)++ == 0) {
            *start = off;
            found = end + 5 - off;
        }
    }
    return found;
}

static int cmp_section(const char *name, const char *pa, const char *pb)
{
    unsigned char *a, *b;
    size_t la, lb, sa = 0, sb = 0, na, nb, i, differ = 0;
    int ca, cb;

    a = slurp(pa, &la);
    b = slurp(pb, &lb);
    na = find_section(a, la, name, &sa, &ca);
    nb = find_section(b, lb, name, &sb, &cb);
    if (ca != 1 || cb != 1) {
        printf("vmstate-cmp: %d sections %s in A, %d in B\n", ca, name, cb);
        return 1;
    }
    for (i = 0; i < na && i < nb; i++) {
        if (a[sa + i] != b[sb + i] && differ++ < 20) {
            printf("vmstate-cmp: section %s offset %zu: 0x%02x != 0x%02x\n",
                   name, i, a[sa + i], b[sb + i]);
        }
    }
    printf("vmstate-cmp: section=%s bytes=%zu/%zu differ=%zu\n", name, na, nb,
           differ);
    return na == nb && differ == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct cpreg_array arra[MAX_ARRAYS], arrb[MAX_ARRAYS];
    unsigned char *a, *b;
    size_t la, lb, na, nb, nregs, nregsb, i, j, pa, pb;
    unsigned long ntimer = 0, nreg = 0, ncpu = 0, nother = 0, shown = 0;
    int lists_differ = 0;

    if (argc == 5 && !strcmp(argv[1], "--section")) {
        return cmp_section(argv[2], argv[3], argv[4]);
    }
    if (argc != 3) {
        fprintf(stderr, "usage: vmstate-cmp A B | --section NAME A B\n");
        return 2;
    }
    a = slurp(argv[1], &la);
    b = slurp(argv[2], &lb);
    na = find_arrays(a, la, arra, &nregs);
    nb = find_arrays(b, lb, arrb, &nregsb);
    if (na != nb) {
        printf("vmstate-cmp: %zu CPUs in A, %zu in B\n", na, nb);
        lists_differ = 1;
    }

    /* The registers, CPU by CPU */
    for (i = 0; i < na && i < nb; i++) {
        const unsigned char *ia = a + arra[i].idx, *ib = b + arrb[i].idx;
        size_t n = arra[i].n;

        if (arrb[i].n != n || memcmp(ia, ib, 8 * n)) {
            printf("vmstate-cmp: cpu-array %zu: the register lists differ\n", i);
            lists_differ = 1;
            continue;
        }
        for (j = 0; j < n; j++) {
            uint64_t id = be64(ia + 8 * j);
            uint64_t va = be64(ia + 8 * n + 8 * j), vb = be64(ib + 8 * n + 8 * j);

            if (va == vb) {
                continue;
            }
            if (is_timer(id)) {
                ntimer++;
                continue;
            }
            nreg++;
            if (shown++ < 20) {
                printf("vmstate-cmp: cpu-array %zu reg 0x%016llx: "
                       "0x%016llx != 0x%016llx\n", i, (unsigned long long)id,
                       (unsigned long long)va, (unsigned long long)vb);
            }
        }
    }

    /* Everything else, in step between and after the register arrays */
    pa = pb = 0;
    for (i = 0; i <= na && i <= nb; i++) {
        size_t ea = i < na ? arra[i].idx : la, eb = i < nb ? arrb[i].idx : lb;

        int between = i > 0 && i < na && i < nb;

        if (ea - pa != eb - pb) {
            printf("vmstate-cmp: the %zu bytes before cpu-array %zu in A are "
                   "%zu in B\n", ea - pa, i, eb - pb);
            *(between ? &ncpu : &nother) += 1;
        } else {
            for (j = 0; j < ea - pa; j++) {
                if (a[pa + j] != b[pb + j]) {
                    *(between ? &ncpu : &nother) += 1;
                    if (between && shown++ < 20) {
                        printf("vmstate-cmp: offset %zu, before cpu-array "
                               "%zu: 0x%02x != 0x%02x\n",
                               pa + j, i, a[pa + j], b[pb + j]);
                    }
                }
            }
        }
        if (i < na && i < nb) {
            pa = ea + 16 * arra[i].n;
            pb = eb + 16 * arrb[i].n;
        }
    }
    printf("vmstate-cmp: bytes=%zu/%zu cpus=%zu regs=%zu timer=%lu reg=%lu "
           "cpu=%lu other=%lu\n", la, lb, na, nregs, ntimer, nreg, ncpu,
           nother);
    return (!lists_differ && nreg == 0 && ncpu == 0 && na > 0) ? 0 : 1;
}
