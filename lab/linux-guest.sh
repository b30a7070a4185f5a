#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The initramfs of the Linux guest that tests/lab-arm64/test-linux-kvm.sh
# boots under KVM inside the lab: the pinned busybox-static (pin role
# initrd) and guest/linux/init.sh as /init, nothing else.  The guest
# kernels are the lab's own pinned host kernels (build/lab/Image, and
# build/lab/Image-next when kernel-next is pinned), made by lab/initramfs.sh.
#
# usage: lab/linux-guest.sh [-o FILE]
#   -o FILE   output (default build/lab/linux-guest.cpio.gz); rebuilt only
#             when guest/linux/init.sh, this script or the pin changed
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"
img=$out/linux-guest.cpio.gz
while [ $# -gt 0 ]; do
    case $1 in
        -o) [ $# -ge 2 ] || die "-o needs a path"; img=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see lab/linux-guest.sh --help)" ;;
    esac
done
need_tools cpio gzip dpkg-deb
init=$top/guest/linux/init.sh
stamp=$( { cat "$init" "$0"; pin_entries initrd; } | sha256sum | cut -d' ' -f1)
if [ -f "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ]; then
    note "linux-guest: $img is up to date"
    exit 0
fi
mkdir -p "$out"
root=$out/linux-guest.d
rm -rf "$root" "$out/linux-guest-debs"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
"$lab/fetch.sh" --extract initrd "$out/linux-guest-debs"
bb=
for p in usr/bin/busybox bin/busybox; do
    [ -f "$out/linux-guest-debs/$p" ] && { bb=$out/linux-guest-debs/$p; break; }
done
[ -n "$bb" ] || die "no busybox in the pinned initrd packages"
cp "$bb" "$root/bin/busybox"
rm -rf "$out/linux-guest-debs"
ln -s busybox "$root/bin/sh"
install -m 755 "$init" "$root/init"
lab_cpio "$root" "$img" gzip
echo "$stamp" >"$img.stamp"
note "linux-guest: $img ($(du -k "$img" | cut -f1) KiB)"
