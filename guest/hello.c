/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hello: the smallest payload (tests/tcg/test-hello-tcg.sh).  CPU 0
 * counts the CPUs the device tree describes, prints one line on the virt
 * board's PL011 and powers the machine off with PSCI SYSTEM_OFF (QEMU then
 * exits 0).
 */
#include "lib.h"

void main(const void *fdt)
{
    int n = fdt_count_cpus(fdt);

    if (n < 0) {
        puts("hello: no valid device tree in x0\n");
        psci_system_reset(fdt);
    }
    puts("hello: qemu-large virt guest up on CPU 0 at EL");
    putu(current_el());
    puts("; the device tree lists ");
    putu(n);
    puts(" CPUs\n");
    psci_system_off(fdt);
}
