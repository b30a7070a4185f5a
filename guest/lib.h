/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PAYLOAD_LIB_H
#define PAYLOAD_LIB_H

#include <stdint.h>

void puts(const char *s);
void putu(uint64_t v);
unsigned current_el(void);
/* Number of "cpu" nodes under /cpus, or -1 without a valid blob. */
int fdt_count_cpus(const void *fdt);
/* PSCI through the conduit the device tree names ("hvc" or "smc"). */
void psci_system_off(const void *fdt) __attribute__((noreturn));
void psci_system_reset(const void *fdt) __attribute__((noreturn));

#endif
