/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * L2 snippets.  Convention: <name> is the entry (save.rip), <name>_i the
 * instruction under test, <name>_n the next sequential instruction (the
 * expected nRIP).  Every snippet ends in VMMCALL, which L1 always
 * intercepts, so a missing intercept still comes back to L1.
 */
#include "svm.h"

#define G(x) .globl x; x:

	.section .text.l2, "ax"
	.code64

G(l2_rdtsc)
G(l2_rdtsc_i)	rdtsc
G(l2_rdtsc_n)	vmmcall

G(l2_rdtscp)
G(l2_rdtscp_i)	rdtscp
G(l2_rdtscp_n)	vmmcall

G(l2_cpuid)	xorl %eax, %eax
		xorl %ecx, %ecx
G(l2_cpuid_i)	cpuid
G(l2_cpuid_n)	vmmcall

G(l2_hlt)
G(l2_hlt_i)	hlt
G(l2_hlt_n)	vmmcall

G(l2_pause)
G(l2_pause_i)	pause
G(l2_pause_n)	vmmcall

/* rax = a mapped address, set through save.rax */
G(l2_invlpg)
G(l2_invlpg_i)	invlpg (%rax)
G(l2_invlpg_n)	vmmcall

G(l2_out80)	movb $0x5a, %al
G(l2_out80_i)	outb %al, $0x80
G(l2_out80_n)	vmmcall

G(l2_in71)	movw $0x71, %dx
G(l2_in71_i)	inb (%dx), %al
G(l2_in71_n)	vmmcall

G(l2_rdmsr_star)
		movl $MSR_STAR, %ecx
G(l2_rdmsr_star_i)
		rdmsr
G(l2_rdmsr_star_n)
		vmmcall

G(l2_wrmsr_star)
		movl $MSR_STAR, %ecx
		movl $0x11112222, %eax
		movl $0x00230010, %edx
G(l2_wrmsr_star_i)
		wrmsr
G(l2_wrmsr_star_n)
		vmmcall

/* write STAR, read it back into l2_out0/1 */
G(l2_msr_rt)	movl $MSR_STAR, %ecx
		movl $0x5eed1234, %eax
		movl $0x001b0008, %edx
		wrmsr
		xorl %eax, %eax
		xorl %edx, %edx
		rdmsr
		movl %eax, l2_out0(%rip)
		movl %edx, l2_out1(%rip)
G(l2_msr_rt_n)	vmmcall

/* x2APIC TPR / version MSRs: #GP while the APIC is in xAPIC mode */
G(l2_wrmsr808)	movl $0x808, %ecx
		xorl %eax, %eax
		xorl %edx, %edx
G(l2_wrmsr808_i)
		wrmsr
G(l2_wrmsr808_n)
		vmmcall

G(l2_rdmsr802)	movl $0x802, %ecx
G(l2_rdmsr802_i)
		rdmsr
G(l2_rdmsr802_n)
		vmmcall

G(l2_int3)
G(l2_int3_i)	int3
G(l2_int3_n)	vmmcall

G(l2_vmmcall)
G(l2_vmmcall_i)	vmmcall
G(l2_vmmcall_n)	jmp l2_vmmcall

G(l2_rdcr0)
G(l2_rdcr0_i)	movq %cr0, %rax
G(l2_rdcr0_n)	vmmcall

G(l2_rdcr3)
G(l2_rdcr3_i)	movq %cr3, %rax
G(l2_rdcr3_n)	vmmcall

G(l2_wrcr0)	movq %cr0, %rax
G(l2_wrcr0_i)	movq %rax, %cr0
G(l2_wrcr0_n)	vmmcall

G(l2_wrcr3)	movq %cr3, %rax
G(l2_wrcr3_i)	movq %rax, %cr3
G(l2_wrcr3_n)	vmmcall

/* LMSW flipping CR0.MP */
G(l2_lmsw_mp)	movq %cr0, %rax
		xorl $CR0_MP, %eax
G(l2_lmsw_mp_i)	lmsw %ax
G(l2_lmsw_mp_n)	vmmcall

/* LMSW writing the current value */
G(l2_lmsw_same)	movq %cr0, %rax
G(l2_lmsw_same_i)
		lmsw %ax
G(l2_lmsw_same_n)
		vmmcall

/* MOV to CR0 flipping only MP, then only TS */
G(l2_cr0_mpts)	movq %cr0, %rax
		xorq $CR0_MP, %rax
		movq %rax, %cr0
		xorq $CR0_TS, %rax
		movq %rax, %cr0
G(l2_cr0_mpts_n)
		vmmcall

/* MOV to CR0 setting CD */
G(l2_cr0_cd)	movq %cr0, %rax
		btsq $30, %rax
G(l2_cr0_cd_i)	movq %rax, %cr0
G(l2_cr0_cd_n)	vmmcall

G(l2_clts)
G(l2_clts_i)	clts
G(l2_clts_n)	vmmcall

/* vmsave to rax = scratch page after setting STAR */
G(l2_vmsave)	movl $MSR_STAR, %ecx
		movl $0x0badcafe, %eax
		movl $0x00330020, %edx
		wrmsr
		leaq vmls_page(%rip), %rax
G(l2_vmsave_i)	vmsave
G(l2_vmsave_n)	vmmcall

/* vmload from the scratch page, then read STAR into l2_out0/1 */
G(l2_vmload)	leaq vmls_page(%rip), %rax
G(l2_vmload_i)	vmload
		movl $MSR_STAR, %ecx
		rdmsr
		movl %eax, l2_out0(%rip)
		movl %edx, l2_out1(%rip)
G(l2_vmload_n)	vmmcall

/* rax = data page (through save.rax) */
G(l2_npt_read)
G(l2_npt_read_i)
		movq (%rax), %rbx
		movq %rbx, l2_out64(%rip)
G(l2_npt_read_n)
		vmmcall

G(l2_npt_write)
		movq $0x77, %rbx
G(l2_npt_write_i)
		movq %rbx, (%rax)
G(l2_npt_write_n)
		vmmcall

/* spin for a while, then VMMCALL */
G(l2_spin)	movl $0x1000000, %ecx
1:		decl %ecx
		jnz 1b
G(l2_spin_n)	vmmcall

G(l2_skinit)	xorl %eax, %eax
G(l2_skinit_i)	skinit
G(l2_skinit_n)	vmmcall

/* 32-bit protected-mode PAE guest */
	.code32
G(l2_pae32)
G(l2_pae32_i)	vmmcall
G(l2_pae32_n)	jmp l2_pae32
G(l2_pae32_reload)
	movl %cr3, %eax
	movl %eax, %cr3
	movl l2_pae32_reload, %eax
G(l2_pae32_reload_i)	vmmcall
G(l2_pae32_reload_n)	jmp l2_pae32_reload
	.code64

	.section .note.GNU-stack, "", @progbits
