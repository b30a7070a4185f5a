/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tiny.bin: the nested x86 lab's L2 guest, a 64 KiB real-mode flat image
 * loaded with -bios (QEMU maps it at the top of 4 GiB and of the first
 * MiB, so the reset vector is its last 16 bytes).
 *
 * It prints "tiny: hello from L2" and "tiny: n=<N>" on COM1 (0x3f8), runs
 * CPUID (leaf 0) N times, prints "tiny: done" and writes TINY_EXIT to
 * isa-debug-exit (its default port, 0x501; QEMU exits with status
 * TINY_EXIT * 2 + 1 = 33), then halts with interrupts off should there be no such device.
 * Under KVM every CPUID is an intercept that the (L1) kernel handles
 * without going to QEMU: with hello -> done timed, N gives a cost per
 * nested exit.  Built by lab/x86/initramfs.sh (gcc -m32 -c, ld, objcopy).
 */
#ifndef TINY_N
#define TINY_N 100000
#endif
#define TINY_EXIT 0x10
#define COM1 0x3f8
#define DEBUG_EXIT 0x501
#define STR_(x) #x
#define STR(x) STR_(x)

    .code16
    .text
    .globl _start
_start:
start:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ss
    movw $0x7c00, %sp
    movw %cs, %ax
    movw %ax, %ds

    movw $msg_hello, %si
    call puts
    movw $msg_n, %si
    call puts

    movl $TINY_N, %ebp
1:  xorl %eax, %eax
    cpuid
    decl %ebp
    jnz 1b

    movw $msg_done, %si
    call puts

    movb $TINY_EXIT, %al
    movw $DEBUG_EXIT, %dx
    outb %al, %dx
2:  hlt
    jmp 2b

/* puts: print the NUL-terminated string at %ds:%si, polling LSR.THRE */
puts:
    lodsb
    testb %al, %al
    jz 9f
    movb %al, %bl
    movw $COM1 + 5, %dx
3:  inb %dx, %al
    testb $0x20, %al
    jz 3b
    movb %bl, %al
    movw $COM1, %dx
    outb %al, %dx
    jmp puts
9:  ret

msg_hello: .asciz "tiny: hello from L2\r\n"
msg_n:     .asciz "tiny: n=" STR(TINY_N) "\r\n"
msg_done:  .asciz "tiny: done\r\n"

/* The reset vector: 16 bytes from the end of the 64 KiB image. */
    .org 0xfff0
reset:
    ljmp $0xf000, $start
    .org 0x10000
