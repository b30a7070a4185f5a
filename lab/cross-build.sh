#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-build qemu-system-aarch64 for arm64 hosts (KVM only, no TCG) from a
# QEMU source tree, against the bookworm arm64 sysroot of lab/packages.pin
# (gcc --sysroot: headers, glibc and libraries all from the pinned .debs).
#
# usage: lab/cross-build.sh SRC_TREE [OUT_DIR]
#   SRC_TREE  a configured-or-not QEMU source tree, e.g. build/qemu (the fork);
#             it is only read: the build is out of tree
#   OUT_DIR   the build directory (default: build/lab/cross-<name of SRC_TREE>);
#             the result is OUT_DIR/qemu-system-aarch64
#
# Re-running only re-runs ninja (configure again only when the options
# change).  Uses ccache when present (QL_CCACHE=0: not), QL_JOBS jobs
# (default: nproc), nice -n 19.  Extra configure options: QL_LAB_CONFIGURE.
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: lab/cross-build.sh SRC_TREE [OUT_DIR]"
src=$(realpath "$1")
[ -x "$src/configure" ] || die "$src is not a QEMU source tree (no configure)"
bdir=$(realpath -m "${2:-$out/cross-$(basename "$src")}")
jobs=${QL_JOBS:-$(nproc)}
need_tools aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf pkg-config ninja dpkg-deb python3

ensure_sysroot

# pkg-config that sees only the sysroot (the path is stored in meson's
# cross file, so it must work without this script's environment).
pc=$out/aarch64-lab-pkg-config
cat >"$pc.tmp" <<PC
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Written by lab/cross-build.sh: pkg-config for the lab's arm64 sysroot.
PKG_CONFIG_SYSROOT_DIR='$sysroot'
PKG_CONFIG_LIBDIR='$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/lib/pkgconfig:$sysroot/usr/share/pkgconfig'
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
unset PKG_CONFIG_PATH
exec pkg-config "\$@"
PC
chmod 755 "$pc.tmp"
mv "$pc.tmp" "$pc"

cc=aarch64-linux-gnu-gcc
if command -v ccache >/dev/null && [ "${QL_CCACHE:-1}" != 0 ]; then
    cc="ccache aarch64-linux-gnu-gcc"
    # Hits across clones at other paths (CI clones afresh): paths under the
    # repository are hashed relative to it, and the working directory that
    # -g records is left out of the hash.
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
rpl=
for d in $(sysroot_libdirs); do rpl+="${rpl:+:}$d"; done
# shellcheck disable=SC2206  # QL_LAB_CONFIGURE: options split at spaces
opts=(--cross-prefix=aarch64-linux-gnu- --cc="$cc" --host-cc=gcc
      --target-list=aarch64-softmmu --disable-tcg --enable-kvm --enable-fdt=system
      --disable-slirp --disable-capstone --disable-docs --disable-werror
      --disable-install-blobs --disable-tools --disable-guest-agent
      --disable-download --python=/usr/bin/python3
      --extra-cflags="--sysroot=$sysroot"
      --extra-ldflags="--sysroot=$sysroot -Wl,-rpath-link=$rpl"
      ${QL_LAB_CONFIGURE:-})
want=$(printf '%s\n' "${opts[@]}" "src=$src" "sysroot=$(cat "$sysroot/.lab-stamp")")
t0=$(date +%s.%N)
if [ ! -f "$bdir/build.ninja" ] || [ "$(cat "$bdir/.lab-configure" 2>/dev/null)" != "$want" ]; then
    rm -rf "$bdir"
    mkdir -p "$bdir"
    note "configuring $src for arm64 in $bdir"
    (cd "$bdir" && PKG_CONFIG=$pc nice -n 19 "$src/configure" "${opts[@]}") >"$bdir/lab-configure.log" 2>&1 || {
        tail -15 "$bdir/lab-configure.log" >&2
        die "configure failed (full log: $bdir/lab-configure.log)"
    }
    echo "$want" >"$bdir/.lab-configure"
fi
note "ninja -j$jobs qemu-system-aarch64 in $bdir"
PKG_CONFIG=$pc nice -n 19 ninja -C "$bdir" -j"$jobs" qemu-system-aarch64 >"$bdir/lab-build.log" 2>&1 || {
    grep -E 'error|FAILED' "$bdir/lab-build.log" | head -20 >&2
    die "cross-build failed (full log: $bdir/lab-build.log)"
}
bin=$bdir/qemu-system-aarch64
[ -x "$bin" ] || die "$bin was not built"
aarch64-linux-gnu-readelf -h "$bin" | grep -q 'AArch64' || die "$bin is not an AArch64 binary"
t1=$(date +%s.%N)
note "built $bin in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s"
echo "$bin"
