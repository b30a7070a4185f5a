/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SVM architectural constants used by svmtest: VMCB offsets (AMD APM
 * vol. 2, appendix B), intercept bits and exit codes.  Offsets only, so
 * the same numbers can be used from C and from assembly.
 */
#ifndef SVMTEST_SVM_H
#define SVMTEST_SVM_H

/* VMCB control area */
#define C_CR_RD         0x000   /* u16: CR0..15 read intercepts */
#define C_CR_WR         0x002   /* u16: CR0..15 write intercepts */
#define C_DR_RD         0x004
#define C_DR_WR         0x006
#define C_EXC           0x008   /* u32: exception intercepts, bit = vector */
#define C_I3            0x00C   /* u32: vector-3 intercept word */
#define C_I4            0x010   /* u32: vector-4 intercept word */
#define C_PAUSE_CNT     0x03E   /* u16: pause filter count */
#define C_IOPM          0x040
#define C_MSRPM         0x048
#define C_TSC_OFFSET    0x050
#define C_ASID          0x058   /* u32 */
#define C_TLB_CTL       0x05C   /* u8 */
#define C_INT_CTL       0x060   /* u32: V_TPR, V_IRQ, ..., V_INTR_MASKING */
#define C_INT_VECTOR    0x064
#define C_INT_STATE     0x068
#define C_EXITCODE      0x070
#define C_EXITINFO1     0x078
#define C_EXITINFO2     0x080
#define C_EXITINTINFO   0x088
#define C_NP_ENABLE     0x090
#define C_EVENTINJ      0x0A8
#define C_N_CR3         0x0B0
#define C_LBR_VIRT      0x0B8
#define C_CLEAN         0x0C0
#define C_NRIP          0x0C8

/* VMCB state-save area; a segment is selector u16, attrib u16, limit u32, base u64 */
#define S_ES            0x400
#define S_CS            0x410
#define S_SS            0x420
#define S_DS            0x430
#define S_FS            0x440
#define S_GS            0x450
#define S_GDTR          0x460
#define S_LDTR          0x470
#define S_IDTR          0x480
#define S_TR            0x490
#define S_CPL           0x4CB
#define S_EFER          0x4D0
#define S_CR4           0x548
#define S_CR3           0x550
#define S_CR0           0x558
#define S_DR7           0x560
#define S_DR6           0x568
#define S_RFLAGS        0x570
#define S_RIP           0x578
#define S_RSP           0x5D8
#define S_RAX           0x5F8
#define S_STAR          0x600
#define S_LSTAR         0x608
#define S_CSTAR         0x610
#define S_SFMASK        0x618
#define S_KGSBASE       0x620
#define S_SYSENTER_CS   0x628
#define S_SYSENTER_ESP  0x630
#define S_SYSENTER_EIP  0x638
#define S_CR2           0x640
#define S_GPAT          0x668
#define S_DBGCTL        0x670

/* Vector-3 intercept word (offset 0x00C) */
#define I3_INTR         (1u << 0)
#define I3_NMI          (1u << 1)
#define I3_SEL_CR0      (1u << 5)
#define I3_RDTSC        (1u << 14)
#define I3_CPUID        (1u << 18)
#define I3_INTN         (1u << 21)
#define I3_PAUSE        (1u << 23)
#define I3_HLT          (1u << 24)
#define I3_INVLPG       (1u << 25)
#define I3_IOIO         (1u << 27)
#define I3_MSR          (1u << 28)
#define I3_SHUTDOWN     (1u << 31)

/* Vector-4 intercept word (offset 0x010) */
#define I4_VMRUN        (1u << 0)
#define I4_VMMCALL      (1u << 1)
#define I4_VMLOAD       (1u << 2)
#define I4_VMSAVE       (1u << 3)
#define I4_STGI         (1u << 4)
#define I4_CLGI         (1u << 5)
#define I4_SKINIT       (1u << 6)
#define I4_RDTSCP       (1u << 7)

/* int_ctl */
#define V_INTR_MASKING  (1u << 24)

/* Exit codes */
#define EXIT_CR0_READ   0x000
#define EXIT_CR3_READ   0x003
#define EXIT_CR0_WRITE  0x010
#define EXIT_CR3_WRITE  0x013
#define EXIT_EXCP(v)    (0x040 + (v))
#define EXIT_INTR       0x060
#define EXIT_CR0_SEL    0x065
#define EXIT_RDTSC      0x06E
#define EXIT_CPUID      0x072
#define EXIT_SWINT      0x075
#define EXIT_PAUSE      0x077
#define EXIT_HLT        0x078
#define EXIT_INVLPG     0x079
#define EXIT_IOIO       0x07B
#define EXIT_MSR        0x07C
#define EXIT_SHUTDOWN   0x07F
#define EXIT_VMRUN      0x080
#define EXIT_VMMCALL    0x081
#define EXIT_VMLOAD     0x082
#define EXIT_VMSAVE     0x083
#define EXIT_SKINIT     0x086
#define EXIT_RDTSCP     0x087
#define EXIT_NPF        0x400
#define EXIT_INVALID    0xFFFFFFFFFFFFFFFFull

/* MSRs */
#define MSR_EFER        0xC0000080
#define MSR_STAR        0xC0000081
#define MSR_VM_HSAVE_PA 0xC0010117
#define EFER_LME        (1ull << 8)
#define EFER_LMA        (1ull << 10)
#define EFER_SVME       (1ull << 12)

/* CR0 bits */
#define CR0_PE          (1ull << 0)
#define CR0_MP          (1ull << 1)
#define CR0_TS          (1ull << 3)
#define CR0_ET          (1ull << 4)
#define CR0_NE          (1ull << 5)
#define CR0_NW          (1ull << 29)
#define CR0_CD          (1ull << 30)
#define CR0_PG          (1ull << 31)

/* Selectors of the GDT in start.S */
#define SEL_CODE64      0x08
#define SEL_DATA        0x10
#define SEL_CODE32      0x18

#endif
