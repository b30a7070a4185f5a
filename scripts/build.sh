#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure (once, or when the options change) and build the applied tree
# build/qemu in build/host, then link the binaries to build/bin.
#
# QL_TREE and QL_BDIR build another source tree in another directory with
# the same options (lab/x86/build-base.sh: the unpatched base for A/B
# tests); such a build keeps its logs beside QL_BDIR and is not linked
# into build/bin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${QL_BUILD:-$top/build}
tree=${QL_TREE:-$build/qemu}
bdir=${QL_BDIR:-$build/host}
if [ -n "${QL_BDIR:-}" ]; then
    conflog=$bdir.configure.log buildlog=$bdir.build.log
else
    conflog=$build/configure.log buildlog=$build/build.log
fi
targets=${QL_TARGETS:-aarch64-softmmu,x86_64-softmmu,ppc64-softmmu}
jobs=${QL_JOBS:-$(nproc)}

die() { echo "build: error: $*" >&2; exit 1; }
[ -x "$tree/configure" ] || die "$tree is not prepared (make tree)"

cc=gcc
if command -v ccache >/dev/null && [ "${QL_CCACHE:-1}" != 0 ]; then
    cc="ccache gcc"
    # Hits across clones at other paths (CI clones afresh): paths under the
    # repository are hashed relative to it, and the working directory that
    # -g records is left out of the hash.
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
# Firmware comes from Debian packages: seabios (/usr/share/seabios),
# ipxe-qemu (/usr/lib/ipxe/qemu) and qemu-system-data (/usr/share/qemu: SLOF,
# skiboot, vgabios, ...).  The same search path as Debian's own build.
fwpath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
opts=(--target-list="$targets" --enable-kvm --disable-docs
      --disable-install-blobs --disable-werror --disable-download
      --python=/usr/bin/python3
      --firmwarepath="$fwpath" --cc="$cc" --host-cc=gcc
      ${QL_CONFIGURE_EXTRA:-})
want=$(printf '%s\n' "${opts[@]}")
if [ ! -f "$bdir/build.ninja" ] || [ "$(cat "$bdir/.ql-configure" 2>/dev/null)" != "$want" ]; then
    rm -rf "$bdir"
    mkdir -p "$bdir"
    echo "build: configuring in $bdir"
    (cd "$bdir" && "$tree/configure" "${opts[@]}") >"$conflog" 2>&1 || {
        tail -20 "$conflog" >&2
        die "configure failed (full log: $conflog)"
    }
    echo "$want" >"$bdir/.ql-configure"
fi
# Only the system emulators and qemu-img: QEMU's "all" would also build
# some 200 test and contrib programs; make check builds the tests it runs.
bins=()
for t in ${targets//,/ }; do
    bins+=("qemu-system-${t%-softmmu}")
done
echo "build: ninja -j$jobs ${bins[*]} qemu-img ${QL_NINJA_EXTRA:-} in $bdir"
# shellcheck disable=SC2086
ninja -C "$bdir" -j"$jobs" "${bins[@]}" qemu-img ${QL_NINJA_EXTRA:-} >"$buildlog" 2>&1 || {
    grep -E 'error|FAILED' "$buildlog" | head -20 >&2
    die "build failed (full log: $buildlog)"
}
# A binary run from the build directory looks up every data and firmware
# directory inside $bdir/qemu-bundle (QEMU's mirror of the install tree):
# link the firmware path there, so no -L is needed.
IFS=: read -ra fwdirs <<<"$fwpath"
for d in "${fwdirs[@]}"; do
    mkdir -p "$bdir/qemu-bundle$(dirname "$d")"
    ln -sfn "$d" "$bdir/qemu-bundle$d"
done
# The few firmware images Debian's source keeps (pc-bios/*.bin: npcm7xx/8xx
# boot ROMs, the PowerNV PNOR, VOF's NVRAM) are part of the verified base:
# --disable-install-blobs leaves them out of the bundle, so link them into
# its data directory.
datadir=$bdir/qemu-bundle$(sed -n "s/^#define CONFIG_QEMU_DATADIR \"\(.*\)\"$/\1/p" "$bdir/config-host.h")
mkdir -p "$datadir"
for f in "$tree"/pc-bios/*.bin; do
    [ -f "$f" ] && ln -sfn "$f" "$datadir/$(basename "$f")"
done
# The +ds orig tarball drops the boot ROM blobs of the Nuvoton and ASPEED
# boards (pc-bios/npcm7xx_bootrom.bin, npcm8xx_bootrom.bin,
# ast27x0_bootrom.bin) but keeps their source, roms/vbootrom: build the
# missing ones with the cross compilers, as Debian's package does, so that
# those machines (and qom-test, which starts every machine) find them.
# Only the aarch64 target has these boards.
vbootrom() {  # DIR BLOB CROSS_COMPILE
    [ ! -f "$tree/pc-bios/$2" ] && [ -d "$tree/roms/vbootrom/$1" ] || return 0
    if [ ! -f "$bdir/vbootrom/$1/$2" ]; then
        rm -rf "$bdir/vbootrom/$1" "$bdir/vbootrom/lib"
        mkdir -p "$bdir/vbootrom"
        cp -a "$tree/roms/vbootrom/$1" "$tree/roms/vbootrom/lib" "$bdir/vbootrom/"
        make -C "$bdir/vbootrom/$1" CROSS_COMPILE="$3" GIT_VERSION="qemu-$(cat "$tree/VERSION")" \
            "$2" >"$bdir/vbootrom-$1.log" 2>&1 ||
            die "building roms/vbootrom/$1 failed (log: $bdir/vbootrom-$1.log; it needs ${3}gcc and its libc headers: make setup)"
    fi
    ln -sfn "$bdir/vbootrom/$1/$2" "$datadir/$2"
}
if [[ ,$targets, == *,aarch64-softmmu,* ]]; then
    vbootrom npcm7xx npcm7xx_bootrom.bin arm-linux-gnueabi-
    vbootrom npcm8xx npcm8xx_bootrom.bin aarch64-linux-gnu-
    vbootrom ast27x0 ast27x0_bootrom.bin aarch64-linux-gnu-
fi
if [ -n "${QL_BDIR:-}" ]; then
    echo "build: binaries in $bdir: ${bins[*]} qemu-img"
    exit 0
fi
mkdir -p "$build/bin"
for b in "${bins[@]}" qemu-img; do
    [ -x "$bdir/$b" ] || die "$b was not built"
    ln -sfn "../host/$b" "$build/bin/$b"
done
echo "build: binaries in $build/bin: $(ls "$build/bin" | tr '\n' ' ')"
