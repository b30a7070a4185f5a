#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the unpatched base's qemu-system-x86_64, the A side of the nested
# x86 lab's A/B (QL_LAB_QEMU=build/base-x86/qemu-system-x86_64).
#
# usage: lab/x86/build-base.sh [SRC [OUT]]
#   SRC  the base source (default build/lab/base-src; fetched with
#        scripts/fetch-base.sh when missing)
#   OUT  the build directory (default build/base-x86)
#
# scripts/build.sh with QL_TREE=SRC QL_BDIR=OUT, x86_64-softmmu only, under
# nice -n 19 with ${QL_JOBS:-2} jobs: the fork's configure options, its
# firmware path linked into OUT/qemu-bundle.  ~20 min cold on 2 shared cores.
set -euo pipefail
# shellcheck source=lab/x86/common.sh
. "$(dirname "$0")/common.sh"
case ${1:-} in -h|--help) usage; exit 0 ;; esac
build=${QL_BUILD:-$top/build}
src=${1:-$build/lab/base-src}
bdir=${2:-$build/base-x86}

if [ ! -x "$src/configure" ]; then
    "$top/scripts/fetch-base.sh" "$src"
fi
QL_TREE=$src QL_BDIR=$bdir QL_TARGETS=x86_64-softmmu QL_JOBS=${QL_JOBS:-2} \
    nice -n 19 "$top/scripts/build.sh"
note "base: $bdir/qemu-system-x86_64"
