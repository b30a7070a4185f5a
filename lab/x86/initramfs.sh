#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the nested x86 (SVM) lab's initramfs, build/lab-x86/initramfs.cpio:
# busybox-static (/bin/busybox, /bin/sh), the kvm-amd modules and their load
# order (lab/x86/fetch.sh), /init (lab/x86/init.sh), the inner
# qemu-system-x86_64 (a host build: stripped copy plus its ldd closure, the
# glibc loader included), the L2 guest /tiny.bin (lab/x86/tiny.S, also
# written to build/lab-x86/tiny.bin) and /usr/lib/kvmfault.so, the
# test-only LD_PRELOAD fault injector (lab/kvmfault.c, as in the arm64 lab).  No firmware: the inner QEMU runs
# with -bios /tiny.bin -nodefaults -vga none, which needs no option ROM.
#
# usage: lab/x86/initramfs.sh [--qemu PATH] [-o FILE] [--force]
#   --qemu PATH  the qemu-system-x86_64 to pack as /usr/bin/qemu-system-x86_64
#                (default: $QL_LAB_INNER, else the fork's build/bin one)
#   -o FILE      output (default: build/lab-x86/initramfs.cpio)
#   --force      rebuild even when the inputs did not change
#
# The archive is not compressed: the lab kernel runs under TCG, where
# copying is much cheaper than inflating.  lab/run.sh --lab x86 appends a second
# cpio with the run's command list, if any.
set -euo pipefail
# shellcheck source=lab/x86/common.sh
. "$(dirname "$0")/common.sh"

qemu=${QL_LAB_INNER:-${QL_BUILD:-$top/build}/bin/qemu-system-x86_64}
img=$out/initramfs.cpio
force=0
while [ $# -gt 0 ]; do
    case $1 in
        --qemu) [ $# -ge 2 ] || die "--qemu needs a path"; qemu=$2; shift 2 ;;
        -o) [ $# -ge 2 ] || die "-o needs a path"; img=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see lab/x86/initramfs.sh --help)" ;;
    esac
done
need_tools gcc ld objcopy strip ldd cpio dpkg-deb
[ -x "$qemu" ] || die "$qemu not found (make build, or --qemu PATH)"
t0=$(date +%s.%N)

# Up to date when none of the inputs changed (names, sizes, times, the pin).
inputs() {
    stat -L -c '%n %s %Y' "$qemu" "$xlab"/initramfs.sh "$xlab"/init.sh "$xlab"/tiny.S \
        "$xlab"/common.sh "$lab"/common.sh "$lab"/kvmfault.c "$lab"/case.sh "$lab"/init-tail.sh
    cat "$pin"
}
stamp=$(inputs | sha256sum | cut -d' ' -f1)
if [ $force = 0 ] && [ -f "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ]; then
    note "initramfs: $img is up to date ($(du -k "$img" | cut -f1) KiB)"
    exit 0
fi

"$xlab/fetch.sh"        # verify the pin; vmlinuz and modules/ (when changed)

# The L2 guest: 16-bit code at offset 0, the reset vector at 0xfff0.
gcc -m32 -c -o "$out/tiny.o" "$xlab/tiny.S" || die "tiny.S did not assemble"
ld -m elf_i386 -Ttext=0 -e _start -o "$out/tiny.elf" "$out/tiny.o"
objcopy -O binary -j .text "$out/tiny.elf" "$out/tiny.bin"
[ "$(stat -c %s "$out/tiny.bin")" = 65536 ] || die "tiny.bin is not 64 KiB"
rm -f "$out/tiny.o" "$out/tiny.elf"
# kvmfault.so: test-only LD_PRELOAD fault injector (see lab/kvmfault.c); it
# needs only libc, which the inner QEMU's closure packs.
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$out/kvmfault.so" "$lab/kvmfault.c" -ldl ||
    die "kvmfault.so did not compile"

root=$out/initramfs.d
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,etc,proc,sys,dev,tmp,root,lab/modules,lab/files}

rm -rf "$out/initrd-debs"
"$xlab/fetch.sh" --extract initrd "$out/initrd-debs" 2>/dev/null
bb=
for p in usr/bin/busybox bin/busybox; do
    [ -f "$out/initrd-debs/$p" ] && { bb=$out/initrd-debs/$p; break; }
done
[ -n "$bb" ] || die "no busybox in the pinned initrd packages"
cp "$bb" "$root/bin/busybox"
rm -rf "$out/initrd-debs"
ln -s busybox "$root/bin/sh"
install -m 755 "$xlab/init.sh" "$root/init"
# the case helper of the in-lab tests (lab/case.sh)
install -D -m 644 "$lab/case.sh" "$root/usr/share/qemu-large/case.sh"
install -D -m 644 "$lab/init-tail.sh" "$root/lab/init-tail.sh"
cp "$out"/modules/*.ko "$out/modules/order" "$root/lab/modules/"
cp "$out/tiny.bin" "$root/tiny.bin"

# The inner QEMU and its libraries (as the host's ldd resolves them).
x86_pack_qemu "$qemu" "$root"
ln -s ../lib "$root/usr/lib"
cp "$out/kvmfault.so" "$root/lib/kvmfault.so"     # also /usr/lib/kvmfault.so
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
kdeb=$(pin_entries kernel | awk '{ print $4 "=" $5 }')
{
    echo "qemu-system-x86_64 $(realpath "$qemu")"
    echo "kernel $kdeb"
    echo "modules $(tr '\n' ' ' <"$out/modules/order")"
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$root/etc/lab-release"

lab_cpio "$root" "$img"
echo "$stamp" >"$img.stamp"
t1=$(date +%s.%N)
note "initramfs: $img, $(du -k "$img" | cut -f1) KiB ($packed_libs libraries; inner QEMU $(realpath "$qemu")) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
