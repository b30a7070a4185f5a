// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svmtest: a tiny L1 hypervisor checking nested SVM against the AMD APM
 * (vol. 2, ch. 15).  Each case builds a fresh VMCB, runs a small L2
 * snippet (l2.S) and compares the #VMEXIT with the architectural result.
 * One line per case: "ok <name>", "FAIL <name>: ..." or "skip <name>: ...",
 * then "svmtest: P passed, F failed, S skipped, T total"; the exit code
 * goes to isa-debug-exit (port 0xf4): 0 when nothing failed, else 1.
 */
#include "svmtest.h"
#include "svm.h"

#define POISON ((u64)0xdeadbeef)
#define PAGE __attribute__((aligned(4096)))

#define LAPIC 0xFEE00000ull
#define APIC_TPR 0x080
#define APIC_EOI 0x0B0
#define APIC_SVR 0x0F0
#define APIC_IRR 0x200
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define IRQ_VECTOR 0x40

/* start.S / l2.S symbols */
extern char gdt[], gdt_end[], l1_stubs[], l1_stub_irq[], l1_stub_spurious[];
extern char l2_stubs[], l2_trap_vmmcall[], l1_stack_top[];
extern u64 mb_info, pd_low[];

#define L2SYM(n) extern char n[], n##_i[], n##_n[]
L2SYM(l2_rdtsc); L2SYM(l2_rdtscp); L2SYM(l2_cpuid); L2SYM(l2_hlt);
L2SYM(l2_pause); L2SYM(l2_invlpg); L2SYM(l2_out80); L2SYM(l2_in71);
L2SYM(l2_rdmsr_star); L2SYM(l2_wrmsr_star); L2SYM(l2_wrmsr808);
L2SYM(l2_rdmsr802); L2SYM(l2_int3); L2SYM(l2_vmmcall); L2SYM(l2_rdcr0);
L2SYM(l2_rdcr3); L2SYM(l2_wrcr0); L2SYM(l2_wrcr3); L2SYM(l2_lmsw_mp);
L2SYM(l2_lmsw_same); L2SYM(l2_cr0_cd); L2SYM(l2_clts); L2SYM(l2_vmsave);
L2SYM(l2_vmload); L2SYM(l2_npt_read); L2SYM(l2_npt_write); L2SYM(l2_skinit);
L2SYM(l2_pae32); L2SYM(l2_pae32_reload);
extern char l2_msr_rt[], l2_msr_rt_n[], l2_cr0_mpts[], l2_cr0_mpts_n[];
extern char l2_spin[], l2_spin_n[];

/* Shared with L2 (identity mapped, so VA == PA) */
volatile u64 l2_evt_vec, l2_evt_err, l2_evt_rip, l2_evt_count;
volatile u32 l2_out0, l2_out1;
volatile u64 l2_out64;
u8 vmls_page[4096] PAGE;

static u8 vmcb[4096] PAGE;
static u8 hsave[4096] PAGE;
static u8 l1_state[4096] PAGE;
static u8 iopm[3 * 4096] PAGE;
static u8 msrpm[2 * 4096] PAGE;
static u8 l2_stack[16384] PAGE;
static u64 l1_idt[2 * 256] PAGE;
static u64 l2_idt[2 * 32] PAGE;
static u64 npt_pml4[512] PAGE, npt_pdpt[512] PAGE, npt_pd[512] PAGE;
static u64 npt_pt[512] PAGE;
static volatile u64 npt_data[512] PAGE;
static u64 pae_pdpt[512] PAGE;

static volatile u64 l1_irq_count;

/* CPU features and options */
static int f_npt, f_nrips, f_lbrv, f_vgif, f_decode, phys_bits;
static int expect_nrips = 1;

/* Results */
static int n_pass, n_fail, n_skip;
static const char *cur_name;
static char msg[768];
static size_t msg_len;

#define W8(off) (*(volatile u8 *)(vmcb + (off)))
#define W16(off) (*(volatile u16 *)(vmcb + (off)))
#define W32(off) (*(volatile u32 *)(vmcb + (off)))
#define W64(off) (*(volatile u64 *)(vmcb + (off)))

#define A(sym) ((u64)(uintptr_t)(sym))

static void summary_and_exit(void)
{
    printf("svmtest: %d passed, %d failed, %d skipped, %d total\n",
           n_pass, n_fail, n_skip, n_pass + n_fail + n_skip);
    outl(0xf4, n_fail ? 1 : 0);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

/* ---- case bookkeeping ---- */

static void begin(const char *name)
{
    cur_name = name;
    msg_len = 0;
    msg[0] = 0;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;

    if (msg_len + 2 >= sizeof(msg)) {
        return;
    }
    if (msg_len) {
        msg[msg_len++] = ',';
        msg[msg_len++] = ' ';
    }
    va_start(ap, fmt);
    vformat(msg + msg_len, sizeof(msg) - msg_len, fmt, ap);
    va_end(ap);
    msg_len += strlen(msg + msg_len);
}

static void expect(const char *field, u64 got, u64 want)
{
    if (got != want) {
        note("%s=0x%lx want=0x%lx", field, got, want);
    }
}

/*
 * nRIP: with NRIPS the CPU writes the next sequential RIP (or 0).  Without
 * it the field is never written, so it keeps the poison; with
 * expect-nrips=1 a missing NRIPS still fails every nRIP check.
 */
static void expect_nrip(u64 want)
{
    u64 got = W64(C_NRIP);

    if (f_nrips || expect_nrips) {
        if (got != want) {
            note("nrip=0x%lx want=0x%lx%s", got, want,
                 f_nrips ? "" : " (nrips absent)");
        }
    } else if (got != POISON) {
        note("nrip=0x%lx want=0x%lx (untouched: no nrips)", got, POISON);
    }
}

static void end(void)
{
    if (msg_len) {
        if (l2_evt_count) {
            note("[L2 took vector %lu err=0x%lx at rip=0x%lx]", l2_evt_vec,
                 l2_evt_err, l2_evt_rip);
        }
        printf("FAIL %s: %s\n", cur_name, msg);
        n_fail++;
    } else {
        printf("ok %s\n", cur_name);
        n_pass++;
    }
}

static void skip(const char *name, const char *why)
{
    printf("skip %s: %s\n", name, why);
    n_skip++;
}

/* ---- L1 environment ---- */

struct l1_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rdx, rcx, rbx,
        rax;
    u64 vec, err, rip, cs, rflags, rsp, ss;
};

static u32 lapic_read(u32 reg)
{
    return *(volatile u32 *)(uintptr_t)(LAPIC + reg);
}

static void lapic_write(u32 reg, u32 v)
{
    *(volatile u32 *)(uintptr_t)(LAPIC + reg) = v;
}

void l1_trap(struct l1_frame *f);
void l1_trap(struct l1_frame *f)
{
    if (f->vec == IRQ_VECTOR) {
        l1_irq_count++;
        lapic_write(APIC_EOI, 0);
        return;
    }
    if (f->vec == 0xff) {
        return;
    }
    printf("FAIL l1-exception: vector=%lu err=0x%lx rip=0x%lx (during %s)\n",
           f->vec, f->err, f->rip, cur_name ? cur_name : "setup");
    n_fail++;
    summary_and_exit();
}

static void set_gate(u64 *idt, int vec, u64 handler)
{
    idt[2 * vec] = (handler & 0xffff) | ((u64)SEL_CODE64 << 16) |
                   (0x8eull << 40) | ((handler >> 16 & 0xffff) << 48);
    idt[2 * vec + 1] = handler >> 32;
}

static void setup_idts(void)
{
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } d;

    for (int v = 0; v < 32; v++) {
        set_gate(l1_idt, v, A(l1_stubs) + 16 * v);
        set_gate(l2_idt, v, A(l2_stubs) + 16 * v);
    }
    set_gate(l1_idt, IRQ_VECTOR, A(l1_stub_irq));
    set_gate(l1_idt, 0xff, A(l1_stub_spurious));
    d.limit = sizeof(l1_idt) - 1;
    d.base = A(l1_idt);
    __asm__ volatile("lidt %0" : : "m"(d));
}

static void parse_cmdline(void)
{
    const char *cl, *p;

    /* multiboot info: flags bit 2 = cmdline at offset 16 */
    if (!mb_info || !(*(u32 *)(uintptr_t)mb_info & 4)) {
        return;
    }
    cl = (const char *)(uintptr_t)*(u32 *)(uintptr_t)(mb_info + 16);
    p = strstr(cl, "expect-nrips=");
    if (p) {
        expect_nrips = p[13] == '1';
    }
}

/* ---- VMCB ---- */

static void seg(u32 off, u16 sel, u16 attr, u32 limit, u64 base)
{
    W16(off) = sel;
    W16(off + 2) = attr;
    W32(off + 4) = limit;
    W64(off + 8) = base;
}

/* A fresh VMCB: 64-bit CPL0 L2 on L1's page tables, IF=0, ASID 1. */
static void vmcb_init(void *rip, u64 rax)
{
    memset(vmcb, 0, sizeof(vmcb));
    memset(iopm, 0, sizeof(iopm));
    memset(msrpm, 0, sizeof(msrpm));
    l2_evt_vec = l2_evt_err = l2_evt_rip = l2_evt_count = 0;
    l2_out0 = l2_out1 = 0;
    l2_out64 = 0;

    W32(C_I3) = I3_SHUTDOWN;
    W32(C_I4) = I4_VMRUN | I4_VMMCALL;
    W64(C_IOPM) = A(iopm);
    W64(C_MSRPM) = A(msrpm);
    W32(C_ASID) = 1;
    W8(C_TLB_CTL) = 1;

    seg(S_ES, SEL_DATA, 0xc93, 0xffffffff, 0);
    seg(S_SS, SEL_DATA, 0xc93, 0xffffffff, 0);
    seg(S_DS, SEL_DATA, 0xc93, 0xffffffff, 0);
    seg(S_CS, SEL_CODE64, 0xa9b, 0xffffffff, 0);
    seg(S_GDTR, 0, 0, gdt_end - gdt - 1, A(gdt));
    seg(S_IDTR, 0, 0, sizeof(l2_idt) - 1, A(l2_idt));
    W8(S_CPL) = 0;
    W64(S_EFER) = rdmsr(MSR_EFER);
    W64(S_CR0) = READ_CR(0);
    W64(S_CR3) = READ_CR(3);
    W64(S_CR4) = READ_CR(4);
    W64(S_DR7) = 0x400;
    W64(S_DR6) = 0xffff0ff0;
    W64(S_RFLAGS) = 2;
    W64(S_RIP) = A(rip);
    W64(S_RSP) = A(l2_stack) + sizeof(l2_stack);
    W64(S_RAX) = rax;
    W64(S_GPAT) = 0x0007040600070406ull;
}

static void run(int sti)
{
    W64(C_NRIP) = POISON;
    W64(C_EXITCODE) = 0x5a5a;
    W64(C_EXITINFO1) = POISON;
    W64(C_EXITINFO2) = POISON;
    svm_run(A(vmcb), sti);
}

/* Expect exit `code` with save.rip == rip (0: don't check) and nRIP. */
static void expect_exit(u64 code, void *rip, u64 nrip)
{
    expect("exitcode", W64(C_EXITCODE), code);
    if (rip) {
        expect("rip", W64(S_RIP), A(rip));
    }
    expect_nrip(nrip);
}

/* An instruction intercept: exit at insn, nRIP = next. */
static void insn_case(const char *name, void *entry, void *insn, void *next,
                      u32 i3, u32 i4, u64 code)
{
    begin(name);
    vmcb_init(entry, 0);
    W32(C_I3) |= i3;
    W32(C_I4) |= i4;
    run(0);
    expect_exit(code, insn, A(next));
    end();
}

/* ---- cases ---- */

static void case_simple_insns(void)
{
    insn_case("rdtsc", l2_rdtsc, l2_rdtsc_i, l2_rdtsc_n, I3_RDTSC, 0,
              EXIT_RDTSC);
    insn_case("rdtscp", l2_rdtscp, l2_rdtscp_i, l2_rdtscp_n, 0, I4_RDTSCP,
              EXIT_RDTSCP);
    insn_case("cpuid", l2_cpuid, l2_cpuid_i, l2_cpuid_n, I3_CPUID, 0,
              EXIT_CPUID);
    insn_case("hlt", l2_hlt, l2_hlt_i, l2_hlt_n, I3_HLT, 0, EXIT_HLT);
    /* pause filter count (0x03E) is left 0: the first PAUSE exits */
    insn_case("pause", l2_pause, l2_pause_i, l2_pause_n, I3_PAUSE, 0,
              EXIT_PAUSE);

    begin("invlpg");
    vmcb_init(l2_invlpg, A(npt_data));
    W32(C_I3) |= I3_INVLPG;
    run(0);
    expect_exit(EXIT_INVLPG, l2_invlpg_i, A(l2_invlpg_n));
    end();

    begin("vmmcall");
    vmcb_init(l2_vmmcall, 0);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_vmmcall_i, A(l2_vmmcall_n));
    end();
}

/*
 * IOIO EXITINFO1: port, type, size, str, rep must match exactly.  The
 * address-size field (bits 9:7) may be 0 or A64 (bit 9), as the APM does
 * not say whether it is reported for non-string IN/OUT; the segment field
 * (12:10) is only defined for string instructions and is ignored.
 */
static void expect_ioio(u64 got, u64 want)
{
    u64 asz = got & 0x380;

    if ((got & ~0x1f80ull) != want || (asz != 0 && asz != 0x200)) {
        note("exitinfo1=0x%lx want=0x%lx (address-size bits 0 or A64)", got,
             want);
    }
}

static void case_ioio(void)
{
    begin("ioio-out");
    vmcb_init(l2_out80, 0);
    W32(C_I3) |= I3_IOIO;
    iopm[0x80 / 8] |= 1 << (0x80 % 8);
    run(0);
    expect_exit(EXIT_IOIO, l2_out80_i, A(l2_out80_n));
    expect_ioio(W64(C_EXITINFO1), (0x80ull << 16) | (1 << 4));
    expect("exitinfo2", W64(C_EXITINFO2), A(l2_out80_n));
    end();

    begin("ioio-in");
    vmcb_init(l2_in71, 0);
    W32(C_I3) |= I3_IOIO;
    iopm[0x71 / 8] |= 1 << (0x71 % 8);
    run(0);
    expect_exit(EXIT_IOIO, l2_in71_i, A(l2_in71_n));
    expect_ioio(W64(C_EXITINFO1), (0x71ull << 16) | (1 << 4) | 1);
    expect("exitinfo2", W64(C_EXITINFO2), A(l2_in71_n));
    end();
}

/* MSRPM: 2 bits per MSR, read then write; C000_0000h range at 0x800 */
static void msrpm_set(u32 msr, int write)
{
    u32 bit;

    if (msr < 0x2000) {
        bit = msr * 2;
    } else if (msr - 0xc0000000u < 0x2000) {
        bit = 0x800 * 8 + (msr - 0xc0000000u) * 2;
    } else {
        bit = 0x1000 * 8 + (msr - 0xc0010000u) * 2;
    }
    bit += write;
    msrpm[bit / 8] |= 1 << (bit % 8);
}

static void case_msr(void)
{
    u64 star;

    begin("rdmsr-intercepted");
    vmcb_init(l2_rdmsr_star, 0);
    W32(C_I3) |= I3_MSR;
    msrpm_set(MSR_STAR, 0);
    run(0);
    expect_exit(EXIT_MSR, l2_rdmsr_star_i, A(l2_rdmsr_star_n));
    expect("exitinfo1", W64(C_EXITINFO1), 0);
    end();

    begin("wrmsr-intercepted");
    star = rdmsr(MSR_STAR);
    vmcb_init(l2_wrmsr_star, 0);
    W32(C_I3) |= I3_MSR;
    msrpm_set(MSR_STAR, 1);
    run(0);
    expect_exit(EXIT_MSR, l2_wrmsr_star_i, A(l2_wrmsr_star_n));
    expect("exitinfo1", W64(C_EXITINFO1), 1);
    expect("star-unchanged", rdmsr(MSR_STAR), star);
    svm_vmload(A(l1_state));
    end();

    /* MSR_PROT on, STAR's bits clear: both accesses go through */
    begin("msr-passthrough");
    vmcb_init(l2_msr_rt, 0);
    W32(C_I3) |= I3_MSR;
    msrpm_set(MSR_STAR + 1, 0);     /* a neighbour, to exercise the map */
    run(0);
    expect_exit(EXIT_VMMCALL, l2_msr_rt_n, A(l2_msr_rt_n) + 3);
    expect("star-read-back", ((u64)l2_out1 << 32) | l2_out0,
           0x001b00085eed1234ull);
    svm_vmload(A(l1_state));
    end();

    /* x2APIC MSRs #GP in xAPIC mode; MSRPM clear, #GP intercepted */
    begin("wrmsr-gp-intercepted");
    vmcb_init(l2_wrmsr808, 0);
    W32(C_I3) |= I3_MSR;
    W32(C_EXC) = 1u << 13;
    run(0);
    expect_exit(EXIT_EXCP(13), l2_wrmsr808_i, 0);
    expect("exitinfo1", W64(C_EXITINFO1), 0);
    end();

    begin("rdmsr-gp-intercepted");
    vmcb_init(l2_rdmsr802, 0);
    W32(C_I3) |= I3_MSR;
    W32(C_EXC) = 1u << 13;
    run(0);
    expect_exit(EXIT_EXCP(13), l2_rdmsr802_i, 0);
    expect("exitinfo1", W64(C_EXITINFO1), 0);
    end();

    /* #GP not intercepted: L2's handler sees it at the faulting insn */
    begin("wrmsr-gp-to-l2");
    vmcb_init(l2_wrmsr808, 0);
    W32(C_I3) |= I3_MSR;
    run(0);
    expect_exit(EXIT_VMMCALL, l2_trap_vmmcall, A(l2_trap_vmmcall) + 3);
    expect("l2-vector", l2_evt_count ? l2_evt_vec : ~0ull, 13);
    expect("l2-error-code", l2_evt_err, 0);
    expect("l2-frame-rip", l2_evt_rip, A(l2_wrmsr808_i));
    end();

    begin("rdmsr-gp-to-l2");
    vmcb_init(l2_rdmsr802, 0);
    W32(C_I3) |= I3_MSR;
    run(0);
    expect_exit(EXIT_VMMCALL, l2_trap_vmmcall, A(l2_trap_vmmcall) + 3);
    expect("l2-vector", l2_evt_count ? l2_evt_vec : ~0ull, 13);
    expect("l2-error-code", l2_evt_err, 0);
    expect("l2-frame-rip", l2_evt_rip, A(l2_rdmsr802_i));
    end();
}

static void case_int3(void)
{
    /* #BP intercepted: exit at the INT3 itself, nRIP after it */
    begin("int3-bp-intercepted");
    vmcb_init(l2_int3, 0);
    W32(C_EXC) = 1u << 3;
    run(0);
    expect_exit(EXIT_EXCP(3), l2_int3_i, A(l2_int3_n));
    end();

    /* INTn intercept only: INT3 is not INTn, #BP goes to L2 */
    begin("int3-intn-intercept");
    vmcb_init(l2_int3, 0);
    W32(C_I3) |= I3_INTN;
    run(0);
    expect_exit(EXIT_VMMCALL, l2_trap_vmmcall, A(l2_trap_vmmcall) + 3);
    expect("l2-vector", l2_evt_count ? l2_evt_vec : ~0ull, 3);
    expect("l2-frame-rip", l2_evt_rip, A(l2_int3_n));
    end();
    /*
     * Re-injection of an INT3 whose delivery was intercepted, as Linux KVM
     * does it: save-area RIP still at the INT3, EVENTINJ #BP as an
     * exception (type 3) or as a software interrupt (type 4), next_rip
     * after it.  With NRIP save the CPU pushes next_rip as the return
     * address; without it, the save-area RIP (and the field is ignored).
     */
    for (u32 type = 3; type <= 4; type++) {
        begin(type == 3 ? "inject-int3-exception" : "inject-int3-soft");
        vmcb_init(l2_int3, 0);
        W64(S_RIP) = A(l2_int3_i);
        W32(C_EVENTINJ) = 0x80000000u | type << 8 | 3;
        W64(C_EXITCODE) = 0x5a5a;
        W64(C_NRIP) = A(l2_int3_n);
        svm_run(A(vmcb), 0);
        expect("exitcode", W64(C_EXITCODE), EXIT_VMMCALL);
        expect("l2-vector", l2_evt_count ? l2_evt_vec : ~0ull, 3);
        expect("l2-frame-rip", l2_evt_rip,
               f_nrips ? A(l2_int3_n) : A(l2_int3_i));
        expect("nrip", W64(C_NRIP),
               f_nrips ? A(l2_trap_vmmcall) + 3 : A(l2_int3_n));
        end();
    }
}

static void case_cr(void)
{
    begin("cr0-read");
    vmcb_init(l2_rdcr0, 0);
    W16(C_CR_RD) = 1 << 0;
    run(0);
    expect_exit(EXIT_CR0_READ, l2_rdcr0_i, A(l2_rdcr0_n));
    end();

    begin("cr3-read");
    vmcb_init(l2_rdcr3, 0);
    W16(C_CR_RD) = 1 << 3;
    run(0);
    expect_exit(EXIT_CR3_READ, l2_rdcr3_i, A(l2_rdcr3_n));
    end();

    begin("cr3-read-cr0-intercept-only");
    vmcb_init(l2_rdcr3, 0);
    W16(C_CR_RD) = 1 << 0;
    run(0);
    expect_exit(EXIT_VMMCALL, l2_rdcr3_n, A(l2_rdcr3_n) + 3);
    end();

    begin("cr0-write");
    vmcb_init(l2_wrcr0, 0);
    W16(C_CR_WR) = 1 << 0;
    run(0);
    expect_exit(EXIT_CR0_WRITE, l2_wrcr0_i, A(l2_wrcr0_n));
    end();

    begin("cr3-write");
    vmcb_init(l2_wrcr3, 0);
    W16(C_CR_WR) = 1 << 3;
    run(0);
    expect_exit(EXIT_CR3_WRITE, l2_wrcr3_i, A(l2_wrcr3_n));
    end();
}

/* Selective CR0-write intercept (APM Table 15-7) */
static void case_sel_cr0(void)
{
    /* LMSW treats the selective intercept as non-selective */
    begin("lmsw-sel-flip-mp");
    vmcb_init(l2_lmsw_mp, 0);
    W32(C_I3) |= I3_SEL_CR0;
    run(0);
    expect_exit(EXIT_CR0_SEL, l2_lmsw_mp_i, A(l2_lmsw_mp_n));
    end();

    begin("lmsw-sel-same-value");
    vmcb_init(l2_lmsw_same, 0);
    W32(C_I3) |= I3_SEL_CR0;
    run(0);
    expect_exit(EXIT_CR0_SEL, l2_lmsw_same_i, A(l2_lmsw_same_n));
    end();

    /* MOV to CR0 changing only MP or TS: no intercept */
    begin("cr0-sel-mov-mp-ts");
    vmcb_init(l2_cr0_mpts, 0);
    W32(C_I3) |= I3_SEL_CR0;
    run(0);
    expect_exit(EXIT_VMMCALL, l2_cr0_mpts_n, A(l2_cr0_mpts_n) + 3);
    expect("cr0-mp-ts", W64(S_CR0) & (CR0_MP | CR0_TS), CR0_MP | CR0_TS);
    end();

    begin("cr0-sel-mov-cd");
    vmcb_init(l2_cr0_cd, 0);
    W32(C_I3) |= I3_SEL_CR0;
    run(0);
    expect_exit(EXIT_CR0_SEL, l2_cr0_cd_i, A(l2_cr0_cd_n));
    expect("cr0-cd", W64(S_CR0) & CR0_CD, 0);
    end();

    /* CLTS only changes TS: never the selective intercept */
    begin("clts-sel");
    vmcb_init(l2_clts, 0);
    W64(S_CR0) |= CR0_TS;
    W32(C_I3) |= I3_SEL_CR0;
    run(0);
    expect_exit(EXIT_VMMCALL, l2_clts_n, A(l2_clts_n) + 3);
    expect("cr0-ts", W64(S_CR0) & CR0_TS, 0);
    end();

    /* both intercepts: the plain one has priority */
    begin("cr0-sel-and-plain-cd");
    vmcb_init(l2_cr0_cd, 0);
    W32(C_I3) |= I3_SEL_CR0;
    W16(C_CR_WR) = 1 << 0;
    run(0);
    expect_exit(EXIT_CR0_WRITE, l2_cr0_cd_i, A(l2_cr0_cd_n));
    end();
}

/* L2 in 32-bit PAE paging, NPT off; PDPT[0] = pd_low (0-1 GiB, 2M pages) */
static void pae_guest(u64 pdpte0)
{
    vmcb_init(l2_pae32, 0);
    memset(pae_pdpt, 0, sizeof(pae_pdpt));
    pae_pdpt[0] = pdpte0;
    seg(S_CS, SEL_CODE32, 0xc9b, 0xffffffff, 0);
    W64(S_EFER) = EFER_SVME;
    W64(S_CR0) = CR0_PG | CR0_NE | CR0_ET | CR0_PE;
    W64(S_CR4) = 0x20;
    W64(S_CR3) = A(pae_pdpt);
    W64(S_RSP) = A(l2_stack) + sizeof(l2_stack);
    W32(C_EXC) = 0xffffffff;        /* a wrong VMRUN must still come back */
}

static void case_vmrun_checks(void)
{
    static const struct {
        const char *name;
        int efer;
    } fails[] = {
        { "vmrun-fail-efer-svme", 1 },
        { "vmrun-fail-cr0-nw", 0 },
    };

    begin("vmrun-pae-ok");
    pae_guest(A(pd_low) | 1);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_pae32_i, A(l2_pae32_n));
    end();

    /*
     * The same PDPT again, as the first run left it (a walk may have set
     * bit 5, the accessed bit of the other levels), and a guest that
     * reloads CR3 and walks again: neither may fault.
     */
    begin("vmrun-pae-again");
    pae_guest(pae_pdpt[0]);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_pae32_i, A(l2_pae32_n));
    end();

    begin("pae-cr3-reload");
    pae_guest(pae_pdpt[0]);
    W64(S_RIP) = A(l2_pae32_reload);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_pae32_reload_i, A(l2_pae32_reload_n));
    end();

    begin("vmrun-bad-pae-pdpte");
    pae_guest(A(pd_low) | 1 | (1 << 1));    /* bit 1 is reserved in a PDPTE */
    run(0);
    expect("exitcode", W64(C_EXITCODE), EXIT_INVALID);
    end();

    /*
     * A failed VMRUN leaves the guest state as written; L1 has IF=1 at
     * the VMRUN (clgi; sti; vmrun) so a leak of host state shows.
     */
    for (unsigned i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
        u64 efer, cr0;

        begin(fails[i].name);
        vmcb_init(l2_vmmcall, 0x1122334455667788ull);
        W64(S_RSP) = 0x5a5a5a50;
        if (fails[i].efer) {
            W64(S_EFER) &= ~EFER_SVME;
        } else {
            W64(S_CR0) = (W64(S_CR0) & ~CR0_CD) | CR0_NW;
        }
        efer = W64(S_EFER);
        cr0 = W64(S_CR0);
        run(1);
        expect("exitcode", W64(C_EXITCODE), EXIT_INVALID);
        expect("rflags", W64(S_RFLAGS), 2);
        expect("rip", W64(S_RIP), A(l2_vmmcall));
        expect("rsp", W64(S_RSP), 0x5a5a5a50);
        expect("rax", W64(S_RAX), 0x1122334455667788ull);
        expect("efer", W64(S_EFER), efer);
        expect("cr0", W64(S_CR0), cr0);
        end();
    }
}

/* VMSAVE/VMLOAD in L2 with their intercepts clear and NPT off */
static void case_vmload_vmsave(void)
{
    u64 star;

    begin("vmsave-no-intercept");
    memset(vmls_page, 0xcc, sizeof(vmls_page));
    vmcb_init(l2_vmsave, 0);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_vmsave_n, A(l2_vmsave_n) + 3);
    star = *(u64 *)(vmls_page + S_STAR);
    expect("saved-star", star, 0x003300200badcafeull);
    svm_vmload(A(l1_state));
    end();

    begin("vmload-no-intercept");
    memcpy(vmls_page, l1_state, sizeof(vmls_page));
    *(u64 *)(vmls_page + S_STAR) = 0x0043003812345678ull;
    vmcb_init(l2_vmload, 0);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_vmload_n, A(l2_vmload_n) + 3);
    expect("loaded-star", ((u64)l2_out1 << 32) | l2_out0,
           0x0043003812345678ull);
    svm_vmload(A(l1_state));
    end();
}

/* Nested page tables: identity 0-1 GiB, 4K pages around npt_data */
static void npt_build(u64 data_pte)
{
    u64 data = A(npt_data);
    u64 base2m = data & ~0x1fffffull;

    memset(npt_pml4, 0, sizeof(npt_pml4));
    memset(npt_pdpt, 0, sizeof(npt_pdpt));
    npt_pml4[0] = A(npt_pdpt) | 7;
    npt_pdpt[0] = A(npt_pd) | 7;
    for (int i = 0; i < 512; i++) {
        npt_pd[i] = ((u64)i << 21) | 0x87;
        npt_pt[i] = (base2m + ((u64)i << 12)) | 7;
    }
    npt_pd[data >> 21] = A(npt_pt) | 7;
    npt_pt[(data >> 12) & 511] = data_pte;
}

static void npt_case(const char *name, u64 pte, int write, u64 info1)
{
    begin(name);
    npt_build(pte);
    vmcb_init(write ? l2_npt_write : l2_npt_read, A(npt_data));
    W64(C_NP_ENABLE) = 1;
    W64(C_N_CR3) = A(npt_pml4);
    run(0);
    expect_exit(EXIT_NPF, write ? l2_npt_write_i : l2_npt_read_i, 0);
    expect("exitinfo1", W64(C_EXITINFO1), info1);
    expect("exitinfo2", W64(C_EXITINFO2), A(npt_data));
    end();
}

static void case_npt(void)
{
    u64 data = A(npt_data);

    if (!f_npt) {
        skip("npt-ok", "no npt");
        skip("npt-reserved", "no npt");
        skip("npt-protection", "no npt");
        skip("npt-not-present", "no npt");
        return;
    }

    begin("npt-ok");
    npt_build(data | 7);
    npt_data[0] = 0x1234567890abcdefull;
    vmcb_init(l2_npt_read, data);
    W64(C_NP_ENABLE) = 1;
    W64(C_N_CR3) = A(npt_pml4);
    run(0);
    expect_exit(EXIT_VMMCALL, l2_npt_read_n, A(l2_npt_read_n) + 3);
    expect("l2-read", l2_out64, 0x1234567890abcdefull);
    end();

    /* P|US|RSV, final translation (bit 32) */
    if (phys_bits < 52) {
        npt_case("npt-reserved", data | 7 | (1ull << 51), 0, 0x10000000Dull);
    } else {
        skip("npt-reserved", "phys-bits=52: bit 51 is not reserved");
    }
    /* P|RW|US on a read-only page */
    npt_case("npt-protection", data | 5, 1, 0x100000007ull);
    npt_case("npt-not-present", data | 6, 0, 0x100000004ull);
}

static void case_ext_interrupt(void)
{
    int pending = 0;

    begin("ext-interrupt");
    l1_irq_count = 0;
    lapic_write(APIC_ICR_HI, 0);
    lapic_write(APIC_ICR_LO, IRQ_VECTOR | (1 << 18));  /* fixed, self */
    for (int i = 0; i < 1000000 && !pending; i++) {
        pending = lapic_read(APIC_IRR + 0x10 * (IRQ_VECTOR / 32)) &
                  (1u << (IRQ_VECTOR % 32));
    }
    if (!pending) {
        note("self-IPI not pending in IRR");
    }
    vmcb_init(l2_spin, 0);
    W32(C_I3) |= I3_INTR;
    W32(C_INT_CTL) = V_INTR_MASKING;
    run(1);                         /* clgi; sti; vmrun; cli; stgi */
    expect_exit(EXIT_INTR, 0, 0);
    expect("l1-irqs-before-sti", l1_irq_count, 0);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    expect("l1-irqs-after-sti", l1_irq_count, 1);
    end();
}

static void case_features(void)
{
    u32 a, b, c, d;

    /*
     * No LBR virtualization under TCG, and no branch records either:
     * DEBUGCTL.LBR (bit 0) does not stick, so a guest sees LBR is absent.
     */
    begin("lbrv");
    expect("cpuid-lbrv", f_lbrv, 0);
    wrmsr(0x1d9, 1);
    expect("debugctl-lbr", rdmsr(0x1d9) & 1, 0);
    wrmsr(0x1d9, 0);
    end();

    /*
     * SKINIT is only #UD when EFER.SVME=0 and the CPU has neither SKINIT
     * (CPUID Fn8000_0001 ECX[12]) nor SVM-Lock (Fn8000_000A EDX[2]); a
     * guest always runs with EFER.SVME=1, so its SKINIT is subject to
     * the intercept whatever CPUID says (AMD APM vol. 3, SKINIT).
     */
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    printf("skinit-cpuid: %u\n", (c >> 12) & 1);
    begin("skinit-intercepted");
    vmcb_init(l2_skinit, 0);
    W32(C_I4) |= I4_SKINIT;
    W32(C_EXC) = 1u << 6;
    run(0);
    expect_exit(EXIT_SKINIT, l2_skinit_i, A(l2_skinit_n));
    end();
}

void l1_main(void);
void l1_main(void)
{
    u32 a, b, c, d;

    con_init();
    parse_cmdline();
    setup_idts();
    /* mask the 8259s; enable the LAPIC with spurious vector 0xff */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    lapic_write(APIC_SVR, 0x1ff);
    lapic_write(APIC_TPR, 0);

    printf("svmtest: nested SVM checks, expect-nrips=%d\n", expect_nrips);
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    if (!(c & (1u << 2))) {
        printf("FAIL svm-cpuid: no SVM in CPUID 0x80000001 ECX\n");
        n_fail++;
        summary_and_exit();
    }
    cpuid(0x8000000a, 0, &a, &b, &c, &d);
    f_npt = d & 1;
    f_lbrv = d >> 1 & 1;
    f_nrips = d >> 3 & 1;
    f_decode = d >> 7 & 1;
    f_vgif = d >> 16 & 1;
    cpuid(0x80000008, 0, &a, &b, &c, &d);
    phys_bits = a & 0xff;
    printf("svm-features: npt=%d nrips=%d lbrv=%d vgif=%d decodeassists=%d "
           "phys-bits=%d\n", f_npt, f_nrips, f_lbrv, f_vgif, f_decode,
           phys_bits);

    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, A(hsave));
    svm_vmsave(A(l1_state));

    begin("nrips-cpuid");
    if (f_nrips != expect_nrips) {
        note("nrips %s (nrips=%d want=%d)",
             f_nrips ? "advertised" : "not advertised", f_nrips,
             expect_nrips);
    }
    end();

    case_simple_insns();
    case_ioio();
    case_msr();
    case_int3();
    case_cr();
    case_sel_cr0();
    case_vmrun_checks();
    case_vmload_vmsave();
    case_npt();
    case_ext_interrupt();
    case_features();
    summary_and_exit();
}
