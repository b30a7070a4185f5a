/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcsample: a minimal sampling profiler for the lab (no perf there).
 *
 *   pcsample OUT [SYMS] -- PROGRAM ARGS...
 *
 * Runs PROGRAM with a software cpu-clock event (perf_event_open, 1 kHz per
 * thread, inherited by every thread it creates) and writes to OUT:
 *   MAP <start> <end> <offset> <path>      executable mappings of PROGRAM
 *   K <count> <symbol>                     kernel samples by function
 *   U <count> <address>                    user samples by address
 *   C <count> <f0> < <f1> < ...            with SYMS: user call chains (by
 *                                          frame pointer), PROGRAM's frames
 *                                          only, innermost first
 *   I <count> <function>                   with SYMS: samples with the
 *                                          function anywhere in the chain
 * SYMS is "nm -n" output of the unstripped PROGRAM.  Kernel addresses are
 * symbolised from /proc/kallsyms.
 * PROGRAM's exit status is pcsample's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXCPU 64
#define PAGES 64                        /* ring buffer data pages per CPU */
#define MAXPC (1 << 20)

struct pc { uint64_t ip; unsigned long n; };
struct sym { uint64_t a; char *name; };
struct str { char *k; unsigned long n; };
#define MAXSTR (1 << 16)
static struct sym *syms;
static size_t nsyms;
static struct str *chains, *incl;
static uint64_t qstart, qend, qoff;     /* PROGRAM's text mapping */
static const char *progname;
static struct pc *pcs;
static size_t npcs;
static char maps[1 << 20], tmpmaps[1 << 20];

static void add(uint64_t ip)
{
    /* open addressing on the ip */
    size_t h = (ip * 0x9e3779b97f4a7c15ULL) >> 44, i;

    for (i = 0; i < MAXPC; i++) {
        struct pc *p = &pcs[(h + i) & (MAXPC - 1)];

        if (p->n && p->ip == ip) {
            p->n++;
            return;
        }
        if (!p->n) {
            p->ip = ip;
            p->n = 1;
            npcs++;
            return;
        }
    }
}

static int cmp_sym(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;

    return x->a < y->a ? -1 : x->a > y->a;
}

/* Text symbols of an "nm -n" or /proc/kallsyms file, sorted by address */
static struct sym *load_syms(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    struct sym *v = NULL;
    size_t cap = 0;
    char ln[512];

    *n = 0;
    while (f && fgets(ln, sizeof(ln), f)) {
        unsigned long long a;
        char t, name[400];

        if (sscanf(ln, "%llx %c %399s", &a, &t, name) == 3 &&
            (t == 't' || t == 'T')) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 65536;
                v = realloc(v, cap * sizeof(*v));
            }
            v[*n].a = a;
            v[*n].name = strdup(name);
            (*n)++;
        }
    }
    if (f) {
        fclose(f);
    }
    if (*n) {
        qsort(v, *n, sizeof(*v), cmp_sym);
    }
    return v;
}

/* The symbol at or below @a, or NULL */
static const char *find_sym(const struct sym *v, size_t n, uint64_t a)
{
    size_t lo = 0, hi = n;

    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;

        if (v[mid].a <= a) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return n && v[lo].a <= a ? v[lo].name : NULL;
}

static void count_str(struct str *t, const char *k)
{
    size_t h = 5381, i;
    const char *c;

    for (c = k; *c; c++) {
        h = h * 33 + (unsigned char)*c;
    }
    for (i = 0; i < MAXSTR; i++) {
        struct str *e = &t[(h + i) & (MAXSTR - 1)];

        if (e->k && !strcmp(e->k, k)) {
            e->n++;
            return;
        }
        if (!e->k) {
            e->k = strdup(k);
            e->n = 1;
            return;
        }
    }
}

static const char *symbolise(uint64_t ip)
{
    if (ip < qstart || ip >= qend) {
        return NULL;
    }
    return find_sym(syms, nsyms, ip - qstart + qoff);
}

static void chain(const uint64_t *ips, uint64_t nr)
{
    char key[1024], seen[4096];
    size_t len = 0, slen = 0, depth = 0;
    uint64_t i;

    key[0] = 0;
    seen[0] = 0;
    for (i = 0; i < nr; i++) {
        const char *f;

        if (ips[i] >= (uint64_t)PERF_CONTEXT_MAX) {
            continue;
        }
        f = symbolise(ips[i]);
        if (!f) {
            continue;
        }
        if (depth < 8 && len + strlen(f) + 4 < sizeof(key)) {
            len += snprintf(key + len, sizeof(key) - len, "%s%s",
                            depth ? " < " : "", f);
            depth++;
        }
        /* inclusive: each function once per sample */
        if (slen + strlen(f) + 3 < sizeof(seen)) {
            char pat[256];

            snprintf(pat, sizeof(pat), "|%s|", f);
            if (!strstr(seen, pat)) {
                slen += snprintf(seen + slen, sizeof(seen) - slen, "|%s|", f);
                count_str(incl, f);
            }
        }
    }
    if (depth) {
        count_str(chains, key);
    }
}

static void parse_maps(const char *text)
{
    const char *line = text;

    while (line && *line) {
        unsigned long st, e, off;
        char perms[8], path[512];
        const char *b;

        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %511s", &st, &e, perms,
                   &off, path) == 5 && perms[2] == 'x') {
            b = strrchr(path, '/');
            if (!strcmp(b ? b + 1 : path, progname)) {
                qstart = st;
                qend = e;
                qoff = off;
            }
        }
        line = strchr(line, '\n');
        if (line) {
            line++;
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    const struct str *x = a, *y = b;

    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static void dump_str(FILE *out, const char *tag, struct str *t)
{
    struct str *v = malloc(MAXSTR * sizeof(*v));
    size_t i, k = 0;

    for (i = 0; i < MAXSTR; i++) {
        if (t[i].k) {
            v[k++] = t[i];
        }
    }
    qsort(v, k, sizeof(*v), cmp_str);
    for (i = 0; i < k && i < 150; i++) {
        fprintf(out, "%s %lu %s\n", tag, v[i].n, v[i].k);
    }
    free(v);
}

static void drain(struct perf_event_mmap_page *m, size_t pgsz)
{
    unsigned char *data = (unsigned char *)m + pgsz;
    size_t size = PAGES * pgsz;
    uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = m->data_tail;

    while (tail < head) {
        struct perf_event_header hdr;
        static unsigned char rec[65536];
        size_t i;

        for (i = 0; i < sizeof(hdr); i++) {
            ((unsigned char *)&hdr)[i] = data[(tail + i) % size];
        }
        if (hdr.size < sizeof(hdr)) {
            break;
        }
        for (i = 0; i < hdr.size; i++) {
            rec[i] = data[(tail + i) % size];
        }
        if (hdr.type == PERF_RECORD_SAMPLE) {
            uint64_t ip, nr;

            memcpy(&ip, rec + sizeof(hdr), 8);
            add(ip);
            if (nsyms && hdr.size >= sizeof(hdr) + 16) {
                memcpy(&nr, rec + sizeof(hdr) + 8, 8);
                if (sizeof(hdr) + 16 + nr * 8 <= hdr.size) {
                    uint64_t ips[512];

                    if (nr > 512) {
                        nr = 512;
                    }
                    memcpy(ips, rec + sizeof(hdr) + 16, nr * 8);
                    chain(ips, nr);
                }
            }
        }
        tail += hdr.size;
    }
    __atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_n(const void *a, const void *b)
{
    const struct pc *x = a, *y = b;

    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct perf_event_attr attr;
    struct perf_event_mmap_page *mm[MAXCPU];
    struct pollfd pfd[MAXCPU];
    int fds[MAXCPU], ncpu, i, go[2], status = 0, done = 0;
    unsigned long polls = 0;
    size_t pgsz = sysconf(_SC_PAGESIZE), j;
    FILE *out;
    pid_t pid;

    int argi = 2;

    if (argc > 3 && strcmp(argv[2], "--")) {
        syms = load_syms(argv[2], &nsyms);
        if (!nsyms) {
            fprintf(stderr, "pcsample: no text symbols in %s\n", argv[2]);
            return 2;
        }
        argi = 3;
    }
    if (argc < argi + 2 || strcmp(argv[argi], "--")) {
        fprintf(stderr, "usage: pcsample OUT [SYMS] -- PROGRAM ARGS...\n");
        return 2;
    }
    chains = calloc(MAXSTR, sizeof(*chains));
    incl = calloc(MAXSTR, sizeof(*incl));
    progname = strrchr(argv[argi + 1], '/');
    progname = progname ? progname + 1 : argv[argi + 1];
    pcs = calloc(MAXPC, sizeof(*pcs));
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (!pcs || ncpu > MAXCPU || pipe(go)) {
        return 2;
    }
    pid = fork();
    if (pid == 0) {
        char c;

        close(go[1]);
        if (read(go[0], &c, 1) != 1) {
            _exit(127);
        }
        execvp(argv[argi + 1], argv + argi + 1);
        perror("pcsample: exec");
        _exit(127);
    }
    close(go[0]);

    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.sample_freq = 1000;
    attr.freq = 1;
    attr.sample_type = PERF_SAMPLE_IP | (nsyms ? PERF_SAMPLE_CALLCHAIN : 0);
    attr.exclude_callchain_kernel = 1;
    attr.inherit = 1;
    attr.disabled = 1;
    attr.enable_on_exec = 1;
    attr.exclude_hv = 1;
    for (i = 0; i < ncpu; i++) {
        fds[i] = syscall(SYS_perf_event_open, &attr, pid, i, -1, 0);
        if (fds[i] < 0) {
            perror("pcsample: perf_event_open");
            kill(pid, SIGKILL);
            return 2;
        }
        mm[i] = mmap(NULL, (PAGES + 1) * pgsz, PROT_READ | PROT_WRITE,
                     MAP_SHARED, fds[i], 0);
        if (mm[i] == MAP_FAILED) {
            perror("pcsample: mmap");
            kill(pid, SIGKILL);
            return 2;
        }
        pfd[i].fd = fds[i];
        pfd[i].events = POLLIN;
    }
    if (write(go[1], "g", 1) != 1) {
        return 2;
    }
    close(go[1]);

    maps[0] = 0;
    while (!done) {
        int w;

        poll(pfd, ncpu, 50);
        for (i = 0; i < ncpu; i++) {
            drain(mm[i], pgsz);
        }
        w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            done = 1;
        } else if (++polls % 20 == 1) {
            /* keep the latest view of the mappings */
            char path[64];
            FILE *f;
            size_t got;

            snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
            f = fopen(path, "r");
            if (f) {
                got = fread(tmpmaps, 1, sizeof(tmpmaps) - 1, f);
                tmpmaps[got] = 0;
                fclose(f);
                if (got) {
                    memcpy(maps, tmpmaps, got + 1);
                    parse_maps(maps);
                }
            }
        }
    }
    for (i = 0; i < ncpu; i++) {
        drain(mm[i], pgsz);
    }

    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    {
        char *line = strtok(maps, "\n");

        while (line) {
            unsigned long s, e, off;
            char perms[8], path[512];

            if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %511s", &s, &e, perms,
                       &off, path) == 5 && perms[2] == 'x') {
                fprintf(out, "MAP %lx %lx %lx %s\n", s, e, off, path);
            }
            line = strtok(NULL, "\n");
        }
    }
    {
        /* compact, sort by count */
        struct pc *v = malloc(npcs * sizeof(*v));
        size_t nks, k = 0;
        struct sym *ks = load_syms("/proc/kallsyms", &nks);

        for (j = 0; j < MAXPC; j++) {
            if (pcs[j].n) {
                v[k++] = pcs[j];
            }
        }
        qsort(v, k, sizeof(*v), cmp_n);
        for (j = 0; j < k; j++) {
            if (v[j].ip >> 63) {
                const char *name = find_sym(ks, nks, v[j].ip);

                name = name ? name : "?";
                fprintf(out, "K %lu %s\n", v[j].n, name);
            } else {
                fprintf(out, "U %lu %llx\n", v[j].n,
                        (unsigned long long)v[j].ip);
            }
        }
    }
    dump_str(out, "I", incl);
    dump_str(out, "C", chains);
    fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
