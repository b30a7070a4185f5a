/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svmtest boot code: multiboot v1 header, 32-bit entry, switch to long
 * mode with identity-mapped 2 MiB pages (0-4 GiB; 3-4 GiB uncached for the
 * LAPIC), the GDT, the L1 and L2 exception stubs and the VMRUN wrapper.
 */
#include "svm.h"

	.section .multiboot, "a"
	.balign 4
	.long 0x1BADB002		/* magic */
	.long 0				/* flags: ELF image, nothing asked */
	.long -0x1BADB002		/* checksum */

/* ---------------------------------------------------------------- */
	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	movl %ebx, mb_info
	lgdt gdt_desc
	ljmp $SEL_CODE32, $1f
1:	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $l1_stack_top, %esp
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl $(CR0_PG | CR0_NE | CR0_ET | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $long_entry

	.code64
long_entry:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	leaq l1_stack_top(%rip), %rsp
	cld
	call l1_main
2:	cli
	hlt
	jmp 2b

/* ---------------------------------------------------------------- */
/*
 * uint64_t svm_run(uint64_t vmcb_pa, int sti)
 * clgi; [sti;] vmrun; cli; stgi.  #VMEXIT restores RSP, RAX, RFLAGS and
 * the segment/control state; the other GPRs hold L2's values, so the
 * callee-saved ones are kept on the stack.
 */
	.text
	.globl svm_run
svm_run:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rdi, %rax
	clgi
	testl %esi, %esi
	jz 1f
	sti
1:	vmrun
	cli
	stgi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/* vmsave/vmload at a physical address, for L1's own state */
	.globl svm_vmsave
svm_vmsave:
	movq %rdi, %rax
	vmsave
	ret
	.globl svm_vmload
svm_vmload:
	movq %rdi, %rax
	vmload
	ret

/* ---------------------------------------------------------------- */
/*
 * Exception stubs, 16 bytes apart: push a 0 error code when the CPU does
 * not push one, then the vector.
 */
.macro STUB vec, common
	.balign 16
.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
.else
	pushq $0
.endif
	pushq $\vec
	jmp \common
.endm

	.balign 16
	.globl l1_stubs
l1_stubs:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \n, l1_common
.endr
	.globl l1_stub_irq
l1_stub_irq:
	STUB 0x40, l1_common
	.globl l1_stub_spurious
l1_stub_spurious:
	STUB 0xff, l1_common

l1_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call l1_trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * L2's exception handlers: record vector, error code and the RIP of the
 * exception frame in shared memory, then VMMCALL (always intercepted).
 */
	.balign 16
	.globl l2_stubs
l2_stubs:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \n, l2_common
.endr

l2_common:
	movq (%rsp), %rax
	movq %rax, l2_evt_vec(%rip)
	movq 8(%rsp), %rax
	movq %rax, l2_evt_err(%rip)
	movq 16(%rsp), %rax
	movq %rax, l2_evt_rip(%rip)
	incq l2_evt_count(%rip)
	.globl l2_trap_vmmcall
l2_trap_vmmcall:
	vmmcall
	jmp l2_trap_vmmcall

/* ---------------------------------------------------------------- */
	.data
	.balign 16
	.globl gdt, gdt_end
gdt:
	.quad 0
	.quad 0x00209A0000000000	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF	/* 0x10: flat data */
	.quad 0x00CF9A000000FFFF	/* 0x18: flat 32-bit code */
gdt_end:
	.balign 16
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl mb_info
	.balign 8
mb_info:
	.quad 0

/*
 * Page tables: 0-4 GiB identity mapped with 2 MiB pages; 3-4 GiB (LAPIC,
 * IOAPIC) with PCD|PWT.
 */
.macro PD base, flags
	.set pa, \base
	.rept 512
	.quad pa | \flags
	.set pa, pa + 0x200000
	.endr
.endm

	.section .data.pagetables, "aw"
	.balign 4096
	.globl pml4, pd_low
pml4:
	.quad pdpt + 0x3
	.fill 511, 8, 0
pdpt:
	.quad pd_low + 0x3
	.quad pd_1g + 0x3
	.quad pd_2g + 0x3
	.quad pd_3g + 0x3
	.fill 508, 8, 0
pd_low:
	PD 0x00000000, 0x83
pd_1g:
	PD 0x40000000, 0x83
pd_2g:
	PD 0x80000000, 0x83
pd_3g:
	PD 0xC0000000, 0x9B

	.bss
	.balign 4096
	.globl l1_stack_top
l1_stack:
	.skip 16384
l1_stack_top:

	.section .note.GNU-stack, "", @progbits
