/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Constants shared by census.c and census-asm.S. */
#ifndef CENSUS_DEFS_H
#define CENSUS_DEFS_H

#define CENSUS_MAX_CPUS     512
#define CENSUS_STACK_SHIFT  12          /* 4 KiB stack per secondary CPU */
#define CENSUS_STACK_SIZE   (1 << CENSUS_STACK_SHIFT)
/* TPIDR_EL1 of the boot CPU until it has found its own index */
#define CENSUS_NO_INDEX     0xffff

/* Kinds of exception census_exception() reports (vector slot number) */
#define CENSUS_EXC_SYNC     0
#define CENSUS_EXC_IRQ      1
#define CENSUS_EXC_FIQ      2
#define CENSUS_EXC_SERROR   3

#endif
