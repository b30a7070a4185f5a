/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Functions the census payload's C and assembly parts call in each other. */
#ifndef CENSUS_H
#define CENSUS_H

#include <stdint.h>
#include "census-defs.h"

/* census-asm.S */
void census_secondary_entry(void);
/* census.c, called from census-asm.S and start.S */
void census_early(const void *fdt);
void census_secondary(uint64_t ctx);
void census_irq(void);
void census_exception(uint64_t kind);
void main(const void *fdt);

#endif
