#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The lab's helpers built for this machine, for make check-host on a real
# KVM host: the shims kvmfault.so, irqlog.so, ioctlcount.so (LD_PRELOAD;
# test-only: they inject faults at, or only observe, the ioctl boundary)
# (ioctlcount on arm64 only) in build/host-tools/lib, and on arm64 vmstate-cmp and kvm-probe in
# build/host-tools/bin; the same sources the labs' initramfs pack.
#
# usage: lab/host-tools.sh
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"
case ${1:-} in -h|--help) usage; exit 0 ;; esac
need_tools gcc
dest=${QL_BUILD:-$top/build}/host-tools
mkdir -p "$dest/lib" "$dest/bin"
sos="kvmfault irqlog"
[ "$(uname -m)" != aarch64 ] || sos="$sos ioctlcount"    # arm64's ioctls
for so in $sos; do
    gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$dest/lib/$so.so" "$lab/$so.c" -ldl ||
        die "$so.so did not compile"
done
if [ "$(uname -m)" = aarch64 ]; then
    for b in vmstate-cmp kvm-probe; do
        gcc -O2 -Wall -Wextra -Werror -o "$dest/bin/$b" "$lab/$b.c" || die "$b did not compile"
    done
fi
note "host tools in $dest: $(cd "$dest" && echo lib/* bin/*)"
