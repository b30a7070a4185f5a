#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the unpatched base's qemu-system-x86_64, the A side of the nested
# x86 lab's A/B (OUTER_QEMU=build/base-x86/qemu-system-x86_64).
#
# usage: lab/x86/build-base.sh [SRC [OUT]]
#   SRC  the base source (default build/lab/base-src; fetched with
#        scripts/fetch-base.sh when missing)
#   OUT  the build directory (default build/base-x86)
#
# The same configure options as scripts/build.sh (ccache gcc, the Debian
# firmware path), x86_64-softmmu only; configured once (again when the
# options change), then nice -n 19 ninja -j${QL_JOBS:-2}.  As build.sh
# does, the firmware path is linked into OUT/qemu-bundle so that the
# binary finds SeaBIOS when run from OUT.  ~20 min cold on 2 shared cores.
set -euo pipefail
# shellcheck source=lab/x86/common.sh
. "$(dirname "$0")/common.sh"
build=${QL_BUILD:-$top/build}
src=${1:-$build/lab/base-src}
bdir=${2:-$build/base-x86}
jobs=${QL_JOBS:-2}
case ${1:-} in -h|--help) usage; exit 0 ;; esac

if [ ! -x "$src/configure" ]; then
    "$top/scripts/fetch-base.sh" "$src"
fi
cc=gcc
if command -v ccache >/dev/null && [ "${QL_CCACHE:-1}" != 0 ]; then
    cc="ccache gcc"
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
fwpath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
opts=(--target-list=x86_64-softmmu --enable-kvm --disable-docs
      --disable-install-blobs --disable-werror --disable-download
      --python=/usr/bin/python3
      --firmwarepath="$fwpath" --cc="$cc" --host-cc=gcc)
want=$(printf '%s\n' "${opts[@]}")
if [ ! -f "$bdir/build.ninja" ] || [ "$(cat "$bdir/.ql-configure" 2>/dev/null)" != "$want" ]; then
    rm -rf "$bdir"
    mkdir -p "$bdir"
    note "configuring $src in $bdir"
    (cd "$bdir" && nice -n 19 "$src/configure" "${opts[@]}") >"$bdir.configure.log" 2>&1 || {
        tail -20 "$bdir.configure.log" >&2
        die "configure failed (full log: $bdir.configure.log)"
    }
    echo "$want" >"$bdir/.ql-configure"
fi
note "nice -n 19 ninja -j$jobs qemu-system-x86_64 in $bdir"
nice -n 19 ninja -C "$bdir" -j"$jobs" qemu-system-x86_64 >"$bdir.build.log" 2>&1 || {
    grep -E 'error|FAILED' "$bdir.build.log" | head -20 >&2
    die "build failed (full log: $bdir.build.log)"
}
IFS=: read -ra fwdirs <<<"$fwpath"
for d in "${fwdirs[@]}"; do
    mkdir -p "$bdir/qemu-bundle$(dirname "$d")"
    ln -sfn "$d" "$bdir/qemu-bundle$d"
done
note "base: $bdir/qemu-system-x86_64"
