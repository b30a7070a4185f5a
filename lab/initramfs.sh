#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the nested arm64 KVM lab's kernel and initramfs:
#   build/lab/Image                the trixie arm64 kernel (uncompressed Image)
#   build/lab/Image-next           the second host kernel (pin role kernel-next,
#                                  trixie-backports 7.x; QL_LAB_HOST_KERNEL=next
#                                  lab/run.sh boots it), config in
#                                  build/lab/kernel-next.config
#   build/lab/initramfs.cpio.gz    busybox, bash, qemu-system-aarch64 (+ qemu-base),
#                                  their libraries, efi-virtio.rom, strace,
#                                  kvm-probe, kvm-floor, vmstate-cmp, pcsample,
#                                  irqlog.so, kvmfault.so, ioctlcount.so, /init
#
# usage: lab/initramfs.sh [--qemu PATH] [--base PATH] [-o FILE] [--force]
#   --qemu PATH  the arm64 qemu-system-aarch64 to pack as
#                /usr/bin/qemu-system-aarch64 (default: the fork's cross
#                build, build/lab/cross-qemu/qemu-system-aarch64)
#   --base PATH  a second one, packed as /usr/bin/qemu-base (e.g. the
#                unpatched base); also QL_LAB_BASE
#   -o FILE      output (default: build/lab/initramfs.cpio.gz)
#   --force      rebuild even when the inputs did not change
#
# Binaries are stripped copies; their libraries are found by following
# DT_NEEDED through the sysroot and put in /lib/aarch64-linux-gnu, which is
# where Debian's ld.so looks without an ld.so.cache (/usr/lib -> /lib).
# The command list of a run is not in here: lab/run.sh appends it as a
# second (uncompressed) cpio archive, so this is rebuilt only when its
# contents change.
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"

qemu=$out/cross-qemu/qemu-system-aarch64
base=${QL_LAB_BASE:-}
img=$out/initramfs.cpio.gz
force=0
while [ $# -gt 0 ]; do
    case $1 in
        --qemu) [ $# -ge 2 ] || die "--qemu needs a path"; qemu=$2; shift 2 ;;
        --base) [ $# -ge 2 ] || die "--base needs a path"; base=$2; shift 2 ;;
        -o) [ $# -ge 2 ] || die "-o needs a path"; img=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see lab/initramfs.sh --help)" ;;
    esac
done
need_tools aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf aarch64-linux-gnu-strip cpio gzip dpkg-deb
[ -x "$qemu" ] || die "$qemu not found (cross-build it: lab/cross-build.sh build/qemu)"
[ -z "$base" ] || [ -x "$base" ] || die "base QEMU $base not found"
t0=$(date +%s.%N)

# Up to date when none of the inputs changed (names, sizes, times, the pin).
inputs() {
    stat -L -c '%n %s %Y' "$qemu" ${base:+"$base"} "$lab"/initramfs.sh "$lab"/init.sh \
        "$lab"/kvm-probe.c "$lab"/irqlog.c "$lab"/kvmfault.c "$lab"/kvm-floor.c \
        "$lab"/ioctlcount.c "$lab"/vmstate-cmp.c "$lab"/pcsample.c "$lab"/common.sh "$lab"/case.sh "$lab"/init-tail.sh
    cat "$pin"
}
stamp=$(inputs | sha256sum | cut -d' ' -f1)
if [ $force = 0 ] && [ -f "$img" ] && [ -f "$out/Image" ] &&
   { [ -z "$(pin_entries kernel-next)" ] || [ -f "$out/Image-next" ]; } &&
   [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ]; then
    note "initramfs: $img is up to date ($(du -k "$img" | cut -f1) KiB)"
    exit 0
fi

ensure_sysroot

# The kernel: boot/vmlinuz-* of the pinned linux-image .deb (arm64 Image
# magic "ARMd" at offset 56; gunzip it should a later one be compressed).
kdeb=$("$lab/fetch.sh" --list kernel | sed -n 1p) || die "lab/fetch.sh --list kernel failed"
[ -n "$kdeb" ] || die "no kernel .deb is pinned (lab/packages.pin)"
if [ ! -f "$out/Image" ] || [ "$(cat "$out/Image.src" 2>/dev/null)" != "$kdeb" ]; then
    rm -rf "$out/kernel"
    dpkg -x "$kdeb" "$out/kernel"
    vmlinuz=("$out"/kernel/boot/vmlinuz-*)
    [ -f "${vmlinuz[0]}" ] || die "$kdeb has no boot/vmlinuz-*"
    vmlinuz=${vmlinuz[0]}
    if gzip -t "$vmlinuz" 2>/dev/null; then
        gzip -dc "$vmlinuz" >"$out/Image.tmp"
    else
        cp "$vmlinuz" "$out/Image.tmp"
    fi
    [ "$(dd if="$out/Image.tmp" bs=1 skip=56 count=4 2>/dev/null)" = $'ARM\x64' ] ||
        die "$vmlinuz is not an arm64 Image"
    cp "$out"/kernel/boot/config-* "$out/kernel.config"
    mv "$out/Image.tmp" "$out/Image"
    echo "$kdeb" >"$out/Image.src"
    rm -rf "$out/kernel"
    note "kernel: $out/Image ($(basename "$vmlinuz"))"
fi
grep -q '^CONFIG_KVM=y' "$out/kernel.config" || die "the pinned kernel has no CONFIG_KVM=y"

# The second host kernel (pin role kernel-next, when pinned): the vmlinuz
# of its .debs (usr/lib/modules/V/vmlinuz in the 7.x linux-binary-V
# packages, boot/vmlinuz-* in older ones) in $out/Image-next, its config
# (usr/lib/modules/V/config, from linux-base-V, or boot/config-*) in
# $out/kernel-next.config.
# Gzip is uncompressed; an EFI zboot image ("MZ", "zimg" at offset 4: a PE
# that decompresses itself) with a gzip payload is unpacked to the plain
# Image, as QEMU's -kernel would do (it too handles gzip only); the result
# must carry the arm64 Image magic like the default kernel.
first_file() { local f; for f in "$@"; do [ -f "$f" ] && { echo "$f"; return 0; }; done; return 1; }
next_src=$("$lab/fetch.sh" --list kernel-next) || die "lab/fetch.sh --list kernel-next failed"
if [ -n "$next_src" ]; then
    if [ ! -f "$out/Image-next" ] || [ "$(cat "$out/Image-next.src" 2>/dev/null)" != "$next_src" ]; then
        kn=$out/kernel-next
        rm -rf "$kn"
        while read -r d; do dpkg -x "$d" "$kn"; done <<<"$next_src"
        nvmlinuz=$(first_file "$kn"/usr/lib/modules/*/vmlinuz "$kn"/boot/vmlinuz-*) ||
            die "the kernel-next .debs have no usr/lib/modules/*/vmlinuz or boot/vmlinuz-*"
        if [ "$(head -c 2 "$nvmlinuz")" = MZ ] &&
           [ "$(dd if="$nvmlinuz" bs=1 skip=4 count=4 2>/dev/null | tr -d '\0')" = zimg ]; then
            ztype=$(dd if="$nvmlinuz" bs=1 skip=24 count=32 2>/dev/null | tr -d '\0')
            [ "$ztype" = gzip ] ||
                die "$nvmlinuz is an EFI zboot image with a '$ztype' payload: only gzip is handled (here and by QEMU's -kernel)"
            zoff=$(od -A n -t u4 -j 8 -N 4 --endian=little "$nvmlinuz" | tr -d ' ')
            zlen=$(od -A n -t u4 -j 12 -N 4 --endian=little "$nvmlinuz" | tr -d ' ')
            # gzip -d exits 2 on a warning (trailing padding): the magic check decides
            dd if="$nvmlinuz" iflag=skip_bytes,count_bytes skip="$zoff" count="$zlen" bs=1M status=none |
                gzip -dcq >"$out/Image-next.tmp" || [ $? = 2 ] ||
                die "cannot unpack the gzip payload of the EFI zboot image $nvmlinuz"
            note "kernel-next: $(basename "$nvmlinuz") is an EFI zboot image; its gzip payload unpacked"
        elif gzip -t "$nvmlinuz" 2>/dev/null; then
            gzip -dc "$nvmlinuz" >"$out/Image-next.tmp"
        else
            cp "$nvmlinuz" "$out/Image-next.tmp"
        fi
        [ "$(dd if="$out/Image-next.tmp" bs=1 skip=56 count=4 2>/dev/null)" = $'ARM\x64' ] ||
            die "$nvmlinuz is not an arm64 Image"
        if cfg=$(first_file "$kn"/usr/lib/modules/*/config "$kn"/boot/config-*); then
            cp "$cfg" "$out/kernel-next.config"
        else
            rm -f "$out/kernel-next.config"
        fi
        mv "$out/Image-next.tmp" "$out/Image-next"
        echo "$next_src" >"$out/Image-next.src"
        rm -rf "$kn"
        note "kernel-next: $out/Image-next ($(grep -a -o -m1 'Linux version [^ ]*' "$out/Image-next" || echo "no version string"))"
    fi
    if [ -f "$out/kernel-next.config" ]; then
        grep -q '^CONFIG_KVM=y' "$out/kernel-next.config" || die "the pinned kernel-next has no CONFIG_KVM=y"
    else
        # No config shipped: built-in arm64 KVM's messages ("kvm [%i]: ...")
        # are in the Image only when KVM is not a module; /init checks /dev/kvm.
        grep -a -q 'kvm \[%i\]: ' "$out/Image-next" ||
            die "the pinned kernel-next ships no config and its Image has no built-in KVM"
        note "kernel-next: no config shipped; built-in KVM judged from the Image's strings"
    fi
else
    rm -f "$out/Image-next" "$out/Image-next.src" "$out/kernel-next.config"
fi

root=$out/initramfs.d
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/aarch64-linux-gnu,etc,proc,sys,dev,tmp,root,lab/files}
rlib=$root/lib/aarch64-linux-gnu

# busybox-static (initrd role) and strace (sysroot role).
rm -rf "$out/initrd-debs"
"$lab/fetch.sh" --extract initrd "$out/initrd-debs"
bb=
for p in usr/bin/busybox bin/busybox; do
    [ -f "$out/initrd-debs/$p" ] && { bb=$out/initrd-debs/$p; break; }
done
[ -n "$bb" ] || die "no busybox in the pinned initrd packages"
cp "$bb" "$root/bin/busybox"
rm -rf "$out/initrd-debs"
ln -s busybox "$root/bin/sh"
install -m 755 "$lab/init.sh" "$root/init"
# the case helper of the in-lab tests (lab/case.sh)
install -D -m 644 "$lab/case.sh" "$root/usr/share/qemu-large/case.sh"
install -m 644 "$lab/init-tail.sh" "$root/lab/init-tail.sh"

# kvm-probe: static, against the sysroot's glibc and uapi headers.
aarch64-linux-gnu-gcc --sysroot="$sysroot" -static -O2 -Wall -Wextra -Werror \
    -o "$out/kvm-probe" "$lab/kvm-probe.c" || die "kvm-probe did not compile"
# kvm-floor: the raw-ioctl floor of make bench (see lab/kvm-floor.c).
aarch64-linux-gnu-gcc --sysroot="$sysroot" -static -O2 -Wall -Wextra -Werror \
    -o "$out/kvm-floor" "$lab/kvm-floor.c" || die "kvm-floor did not compile"
# vmstate-cmp: compares the vCPU registers of two migration streams.
aarch64-linux-gnu-gcc --sysroot="$sysroot" -static -O2 -Wall -Wextra -Werror \
    -o "$out/vmstate-cmp" "$lab/vmstate-cmp.c" || die "vmstate-cmp did not compile"
# pcsample: sampling profiler (perf_event_open), see lab/pcsample.c.
aarch64-linux-gnu-gcc --sysroot="$sysroot" -static -O2 -Wall -Wextra -Werror \
    -o "$out/pcsample" "$lab/pcsample.c" || die "pcsample did not compile"
# irqlog.so: LD_PRELOAD observer of KVM_IRQ_LINE (see lab/irqlog.c).
aarch64-linux-gnu-gcc --sysroot="$sysroot" -shared -fPIC -O2 -Wall -Wextra -Werror \
    -o "$out/irqlog.so" "$lab/irqlog.c" -ldl || die "irqlog.so did not compile"
# kvmfault.so: test-only LD_PRELOAD fault injector (see lab/kvmfault.c).
aarch64-linux-gnu-gcc --sysroot="$sysroot" -shared -fPIC -O2 -Wall -Wextra -Werror \
    -o "$out/kvmfault.so" "$lab/kvmfault.c" -ldl || die "kvmfault.so did not compile"
# ioctlcount.so: LD_PRELOAD ioctl counter of make bench (see lab/ioctlcount.c).
aarch64-linux-gnu-gcc --sysroot="$sysroot" -shared -fPIC -O2 -Wall -Wextra -Werror \
    -o "$out/ioctlcount.so" "$lab/ioctlcount.c" -ldl || die "ioctlcount.so did not compile"

# Dynamic executables and their libraries.
declare -A packed=()
rt=$out/runtime
rm -rf "$rt"
"$lab/fetch.sh" --extract runtime "$rt"
find_lib() {  # SONAME -> path in the sysroot or the runtime packages
    local d
    for d in $(sysroot_libdirs) $rt/lib/aarch64-linux-gnu $rt/usr/lib/aarch64-linux-gnu; do
        [ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
pack_libs() {  # ELF: copy its DT_NEEDED closure into /lib/aarch64-linux-gnu
    local so p
    for so in $(aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [ -n "${packed[$so]:-}" ] && continue
        p=$(find_lib "$so") || die "library $so (needed by $(basename "$1")) not in the sysroot or runtime packages"
        packed[$so]=1
        cp -L "$p" "$rlib/$so"
        aarch64-linux-gnu-strip --strip-unneeded "$rlib/$so"
        pack_libs "$rlib/$so"
    done
}
pack_bin() {  # SRC DEST
    cp -L "$1" "$root$2"
    aarch64-linux-gnu-strip "$root$2"
    chmod 755 "$root$2"
    pack_libs "$root$2"
}
pack_bin "$qemu" /usr/bin/qemu-system-aarch64
[ -z "$base" ] || pack_bin "$base" /usr/bin/qemu-base
pack_bin "$rt/usr/bin/strace" /usr/bin/strace
pack_bin "$rt/bin/bash" /bin/bash
pack_bin "$out/kvm-probe" /usr/bin/kvm-probe
pack_bin "$out/kvm-floor" /usr/bin/kvm-floor
pack_bin "$out/vmstate-cmp" /usr/bin/vmstate-cmp
pack_bin "$out/pcsample" /usr/bin/pcsample
mkdir -p "$root/usr/lib"
cp "$out/irqlog.so" "$root/usr/lib/irqlog.so"
pack_libs "$root/usr/lib/irqlog.so"
cp "$out/kvmfault.so" "$root/usr/lib/kvmfault.so"
pack_libs "$root/usr/lib/kvmfault.so"
cp "$out/ioctlcount.so" "$root/usr/lib/ioctlcount.so"
pack_libs "$root/usr/lib/ioctlcount.so"
# The dynamic loader (PT_INTERP /lib/ld-linux-aarch64.so.1) and libgcc_s,
# which glibc loads at run time for pthread_cancel and backtraces.
for so in ld-linux-aarch64.so.1 libgcc_s.so.1; do
    p=$(find_lib "$so") || die "$so not in the sysroot"
    cp -L "$p" "$rlib/$so"
done
# efi-virtio.rom where QEMU looks (its data directory relative to the
# binary: /usr/share/qemu): virt's default NIC is virtio-net-pci.
rm -rf "$out/data-debs"
"$lab/fetch.sh" --extract data "$out/data-debs"
rom=$out/data-debs/usr/lib/ipxe/qemu/efi-virtio.rom
[ -f "$rom" ] || die "no efi-virtio.rom in the pinned data packages"
mkdir -p "$root/usr/share/qemu"
cp "$rom" "$root/usr/share/qemu/"
rm -rf "$out/data-debs"
ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"
ln -s ../lib "$root/usr/lib"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
{
    echo "qemu-system-aarch64 $(realpath "$qemu")"
    [ -z "$base" ] || echo "qemu-base $(realpath "$base")"
    echo "kernel $(basename "$kdeb")"
    [ -z "$next_src" ] || echo "kernel-next $(basename "$(sed -n 1p <<<"$next_src")")"
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$root/etc/lab-release"

lab_cpio "$root" "$img" gzip
echo "$stamp" >"$img.stamp"
t1=$(date +%s.%N)
note "initramfs: $img, $(du -k "$img" | cut -f1) KiB ($(du -sk "$root" | cut -f1) KiB unpacked, ${#packed[@]} libraries) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
