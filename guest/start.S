/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry of the bare-metal aarch64 payloads.  An arm64 Linux "Image" header
 * makes QEMU's -kernel loader pass the device tree address in x0.
 *
 * A payload may define early_init(fdt): it runs after .bss is cleared and
 * before main(fdt), still on the boot stack (e.g. to turn the MMU on).
 */
    .section .text.head, "ax"
    .global _start
_start:
    b       entry                   /* code0 */
    .word   0                       /* code1 */
    .quad   0x80000                 /* text_offset */
    .quad   _end - _start           /* image_size */
    .quad   0x2                     /* flags: little endian, 4K pages */
    .quad   0, 0, 0                 /* res2-res4 */
    .ascii  "ARM\x64"               /* magic */
    .word   0                       /* res5 */

    .weak   early_init

entry:
    msr     daifset, #0xf
    mov     x19, x0                 /* device tree */
    ldr     x1, =stack_top
    mov     sp, x1
    /* clear .bss */
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  ldr     x1, =early_init
    cbz     x1, 3f
    mov     x0, x19
    blr     x1
3:  mov     x0, x19
    bl      main
4:  wfi
    b       4b

    .bss
    .balign 16
    .space  16384
stack_top:
