#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Pack real libvirt for the nested arm64 KVM lab into
# build/lab/libvirt-root.tar.gz, which a lab command list unpacks into /
# (tar -xzf libvirt-root.tar.gz -C /) before starting libvirtd.
#
# usage: lab/libvirt/pack.sh [--force]
#
# From the pinned .debs (lab/libvirt/fetch.sh, lab/libvirt/packages.pin) it
# takes libvirtd, virtlogd, virsh, the QEMU connection driver module, the
# libvirt client libraries and /usr/share/libvirt (see lv_files in
# lab/libvirt/common.sh), strips the ELF files, then follows DT_NEEDED of
# every packed ELF (the dlopen()ed driver module included) and packs each
# library that the lab's initramfs (build/lab/initramfs.cpio.gz) does not
# already hold in /lib/aarch64-linux-gnu, the directory the lab's loader
# searches (there is no ld.so.cache).  A library found neither in the lab
# nor in the pinned packages is an error, and so is, at the end, any
# DT_NEEDED entry of any packed ELF that does not resolve.  Configuration
# (/etc/libvirt) is left to the user of the tarball: the lab test writes
# its own qemu.conf and libvirtd.conf.  Skipped when nothing changed.
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/../common.sh"
# shellcheck source=lab/libvirt/common.sh
. "$lab/libvirt/common.sh"
pin=$lab/libvirt/packages.pin
force=0
case "${1:-}" in
    "") ;;
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see lab/libvirt/pack.sh --help)" ;;
esac
need_tools aarch64-linux-gnu-readelf aarch64-linux-gnu-strip dpkg-deb cpio gzip tar
tarball=$out/libvirt-root.tar.gz
t0=$(date +%s.%N)

# Up to date when the pin, these scripts and the lab's library set are.
lab_sonames=$(lv_lab_sonames)
stamp=$( { cat "$pin" "$0" "$lab/libvirt/common.sh"; echo "$lab_sonames"; } | sha256sum | cut -d' ' -f1)
if [ $force = 0 ] && [ -f "$tarball" ] && [ "$(cat "$tarball.stamp" 2>/dev/null)" = "$stamp" ]; then
    note "libvirt: $tarball is up to date ($(du -k "$tarball" | cut -f1) KiB)"
    exit 0
fi

debx=$out/libvirt-debs
root=$out/libvirt-root.d
rm -rf "$debx" "$root"
"$lab/libvirt/fetch.sh" --extract "$debx"
mkdir -p "$root/lib/aarch64-linux-gnu" "$root/etc/libvirt"
rlib=$root/lib/aarch64-linux-gnu

# The files themselves (symbolic links kept), then the shared libraries of
# usr/lib/aarch64-linux-gnu moved to /lib/aarch64-linux-gnu with the rest.
n=0
for e in $lv_files; do
    # shellcheck disable=SC2086
    for f in $(cd "$debx" && { compgen -G "$e" || true; }); do
        (cd "$debx" && cp -a --parents "$f" "$root/")
        n=$((n + 1))
    done
done
for e in usr/sbin/libvirtd usr/sbin/virtlogd usr/bin/virsh \
         usr/lib/aarch64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so \
         usr/share/libvirt/cpu_map; do
    [ -e "$root/$e" ] || die "the pinned packages have no /$e"
done
find "$root/usr/lib/aarch64-linux-gnu" -maxdepth 1 \( -type f -o -type l \) -name '*.so*' \
    -exec mv -t "$rlib" {} +

declare -A lab_has=() packed=()
while read -r so; do [ -n "$so" ] && lab_has[$so]=1; done <<<"$lab_sonames"
for f in "$rlib"/*; do packed[$(basename "$f")]=1; done

# find_lib SONAME: its path in the unpacked packages
find_lib() {
    local d
    for d in "$debx/lib/aarch64-linux-gnu" "$debx/usr/lib/aarch64-linux-gnu"; do
        [ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
# pack_libs ELF: copy its DT_NEEDED closure, less the lab's, into $rlib
pack_libs() {
    local so p
    for so in $(lv_needed "$1"); do
        [ -n "${lab_has[$so]:-}" ] || [ -n "${packed[$so]:-}" ] && continue
        p=$(find_lib "$so") ||
            die "library $so (needed by $(basename "$1")) is neither in the lab nor in the pinned packages (lab/libvirt/fetch.sh --update-pin)"
        packed[$so]=1
        cp -L "$p" "$rlib/$so"
        aarch64-linux-gnu-strip --strip-unneeded "$rlib/$so"
        pack_libs "$rlib/$so"
    done
}
elves=()
while IFS= read -r -d '' f; do
    lv_is_elf "$f" && elves+=("$f")
done < <(find "$root" -type f -print0)
for f in "${elves[@]}"; do
    aarch64-linux-gnu-strip --strip-unneeded "$f"
done
for f in "${elves[@]}"; do pack_libs "$f"; done

# Check: every DT_NEEDED of every packed ELF resolves in the lab or here.
bad=0 nelf=0
while IFS= read -r -d '' f; do
    lv_is_elf "$f" || continue
    nelf=$((nelf + 1))
    for so in $(lv_needed "$f"); do
        if [ -z "${lab_has[$so]:-}" ] && [ ! -e "$rlib/$so" ]; then
            echo "lab: error: ${f#"$root"}: $so not found" >&2
            bad=1
        fi
    done
done < <(find "$root" -type f -print0)
[ $bad = 0 ] || die "unresolved libraries (above)"

# What is in it, for the record.
pin_entries libvirt | awk '{ print $4, $5 }' >"$root/etc/libvirt/lab-packages"

tar -C "$root" --owner=0 --group=0 --numeric-owner -czf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "$stamp" >"$tarball.stamp"
rm -rf "$debx"
t1=$(date +%s.%N)
note "libvirt: $tarball, $(du -k "$tarball" | cut -f1) KiB ($(du -sk "$root" | cut -f1) KiB unpacked; $(pin_entries libvirt | wc -l) packages, $nelf ELF files, ${#packed[@]} libraries beyond the lab's) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
