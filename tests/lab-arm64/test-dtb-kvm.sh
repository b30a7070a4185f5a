#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The virt board's device tree under KVM, for real: the cases of dtb.cases
# in one boot of the nested arm64 lab, or on this host
# (QL_LAB_BACKEND=host).  At -smp 1, 64 and 512, and at 512 with sockets,
# clusters, cores and threads, the fork's blob (-machine dumpdtb=) is the
# unpatched base's byte for byte; the negative control shows the
# comparison sees one missing node.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
if [ "${QL_LAB_BACKEND:-lab}" = lab ]; then
    base=$build/lab/cross-base/qemu-system-aarch64
    [ -x "$base" ] || fail "no base build $base (lab/cross-build.sh build/lab/base-src build/lab/cross-base)"
    "$top/lab/initramfs.sh" --base "$base" >/dev/null || fail "lab/initramfs.sh --base failed"
fi
lab_cases arm64 1800 "$here/dtb.cases" 600
exit $failed
