#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Optional end-to-end check of the nested x86 (SVM) lab, not in make check:
# Linux KVM on the outer QEMU's emulated SVM runs a real Linux guest.  The
# outer qemu-system-x86_64 (-accel tcg -cpu max -smp 2 -m 2G) boots the lab
# kernel (build/lab-x86/vmlinuz) with an initramfs whose /init
# (lab/x86/l2-linux-init.sh) loads kvm-amd and runs the inner
# qemu-system-x86_64 -accel kvm -cpu host -M pc -m 512 on the same kernel
# with a busybox initramfs (/init: lab/x86/l2-linux-guest-init.sh) that
# prints "l2-linux: up <uptime>" and a few facts and powers off.
#
# usage: lab/x86/l2-linux.sh [--outer PATH] [--inner PATH] [--timeout S]
#                            [--l2-timeout S] [--name NAME] [--append ARGS]
#   --outer PATH    outer emulator (default $QL_LAB_QEMU, else build/bin's)
#   --inner PATH    the QEMU packed as the L1's qemu-system-x86_64 (default
#                   $QL_LAB_INNER, else build/bin's); copied, stripped
#   --timeout S     hard limit of the whole run (default 900)
#   --l2-timeout S  the inner QEMU's limit inside L1 (default 600)
#   --name NAME     output names (default: the outer's directory name)
#   --append ARGS   extra L1 kernel arguments (l2lx.cpu=, l2lx.mem=, ...)
#
# Outputs in build/lab-x86-linux/: l2-initrd.cpio, l1-initramfs.cpio (made
# again every run, a few seconds), NAME-console.log (the L1 console, each
# line prefixed with the host time since the outer QEMU started), and
# NAME-result.txt (the L2LX-RESULT line and the summary).  Exit status: 0
# when L2 printed "l2-linux: up" and its QEMU exited 0; 124 on time-out.
#
# Firmware packed for the inner QEMU (-L /l2/fw): SeaBIOS bios-256k.bin,
# linuxboot_dma.bin (the -kernel option ROM under fw_cfg DMA) and
# kvmvapic.bin (kvm-apic's vapic ROM on -M pc); no VGA (-nodefaults).
set -euo pipefail
# shellcheck source=lab/x86/common.sh
. "$(dirname "$0")/common.sh"
export LC_ALL=C

outer=${QL_LAB_QEMU:-${QL_BUILD:-$top/build}/bin/qemu-system-x86_64}
inner=${QL_LAB_INNER:-${QL_BUILD:-$top/build}/bin/qemu-system-x86_64}
timeout_s=900
l2_timeout=600
name=
append=
while [ $# -gt 0 ]; do
    case $1 in
        --outer) outer=$2; shift 2 ;;
        --inner) inner=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        --l2-timeout) l2_timeout=$2; shift 2 ;;
        --name) name=$2; shift 2 ;;
        --append) append=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see lab/x86/l2-linux.sh --help)" ;;
    esac
done
[ -x "$outer" ] || die "outer emulator $outer not found"
[ -x "$inner" ] || die "inner QEMU $inner not found"
kernel=$out/vmlinuz
{ [ -f "$kernel" ] && [ -f "$out/modules/order" ]; } || die "$kernel or modules missing (lab/x86/fetch.sh)"
name=${name:-$(basename "$(dirname "$(realpath "$outer")")")}
res=${QL_BUILD:-$top/build}/lab-x86-linux
mkdir -p "$res"
need_tools cpio fakeroot strip ldd timeout
fw=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin)
for f in "${fw[@]}"; do [ -f "$f" ] || die "firmware $f missing (apt-get install seabios qemu-system-data)"; done

work=$(mktemp -d "$res/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# busybox from the pinned initrd package (lab/x86/fetch.sh verifies it)
"$xlab/fetch.sh" --extract initrd "$work/debs" 2>/dev/null || die "lab/x86/fetch.sh --extract initrd failed"
bb=
for p in usr/bin/busybox bin/busybox; do
    [ -f "$work/debs/$p" ] && { bb=$work/debs/$p; break; }
done
[ -n "$bb" ] || die "no busybox in the pinned initrd packages"

# L2 initramfs: busybox and /init, uncompressed (L2 runs under TCG too)
r2=$work/l2
mkdir -p "$r2"/{bin,dev,proc,sys,tmp}
cp "$bb" "$r2/bin/busybox"
ln -s busybox "$r2/bin/sh"
install -m 755 "$xlab/l2-linux-guest-init.sh" "$r2/init"
lab_cpio "$r2" "$res/l2-initrd.cpio"

# L1 initramfs: busybox, modules, /init, the inner QEMU and its libraries,
# firmware, the L2 kernel and initramfs
r1=$work/l1
mkdir -p "$r1"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,etc,proc,sys,dev,tmp,root,lab/modules,l2/fw}
cp "$bb" "$r1/bin/busybox"
ln -s busybox "$r1/bin/sh"
install -m 755 "$xlab/l2-linux-init.sh" "$r1/init"
cp "$out"/modules/*.ko "$out/modules/order" "$r1/lab/modules/"
cp "$kernel" "$r1/l2/vmlinuz"
cp "$res/l2-initrd.cpio" "$r1/l2/initrd"
cp "${fw[@]}" "$r1/l2/fw/"
x86_pack_qemu "$inner" "$r1"
ln -s ../lib "$r1/usr/lib"
echo "root:x:0:0:root:/root:/bin/sh" >"$r1/etc/passwd"
echo "root:x:0:" >"$r1/etc/group"
lab_cpio "$r1" "$res/l1-initramfs.cpio"
note "l2-linux: L1 initramfs $(du -k "$res/l1-initramfs.cpio" | cut -f1) KiB, L2 initrd $(du -k "$res/l2-initrd.cpio" | cut -f1) KiB (inner $(realpath "$inner"))"

# One boot through the labs' runner (its own /init: lab/x86/l2-linux-init.sh
# runs L2 and reports LAB-EXIT; the runner's command list is not used)
log=$res/$name-console.log
set +e
QL_LAB_INITRAMFS=$res/l1-initramfs.cpio QL_LAB_KERNEL=$kernel \
    QL_LAB_APPEND="l2lx.timeout=$l2_timeout $append" \
    nice -n 19 "$lab/run.sh" --lab x86 --outer "$outer" --timeout "$timeout_s" --log "$log" -- true |
    tee "$res/$name-run.log"
rc=${PIPESTATUS[0]}
set -e
total=$(sed -n 's/^lab: .*total=\([^ ]*\).*/\1/p' "$res/$name-run.log" | tail -1)
{
    { grep -a 'L2LX-RESULT' "$log" || true; } | tail -1
    echo "l2-linux: name=$name total=${total:-?}s exit=$rc outer=$(realpath "$outer") inner=$(realpath "$inner")"
} | tee "$res/$name-result.txt"
exit "$rc"
