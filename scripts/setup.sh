#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install everything the build and the tests need, from Debian packages.
# Idempotent, and safe to re-run after a run that failed half-way.  Needs
# root (or sudo).  On Debian 12 (bookworm) the backports suite is added for
# meson >= 1.5 and libvirt >= 11; its URI is copied from the machine's own
# Debian sources (scripts/debian-uri.sh), never written in the repository.
#
# Every decision is taken from what dpkg and apt report (dpkg-query, apt-get
# indextargets), never from what an earlier run did, so that
# tests/harness/test-setup.sh can run it against stand-ins for them.
# Read from the environment, for that test: QL_OS_RELEASE (/etc/os-release)
# and QL_APT_ETC (/etc/apt, shared with debian-uri.sh).
set -eEuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# A failure anywhere says which step and which command, then exits non-zero.
step="start"
trap 'rc=$?; [ "$BASHPID" = "$$" ] && echo "setup: failed in step \"$step\": $BASH_COMMAND (exit $rc)" >&2' ERR

# Build of the three softmmu targets.
pkgs_build="build-essential git ninja-build flex bison pkg-config
    libglib2.0-dev libpixman-1-dev libfdt-dev libcapstone-dev libslirp-dev
    zlib1g-dev python3 python3-venv ccache dpkg-dev xz-utils perl
    debian-archive-keyring"
# Cross compiler for the bare-metal aarch64 guest payloads in guest/ and the
# arm64 QEMU of the nested KVM lab (lab/), plus the lab's initramfs tools.
# The libc headers and gcc-arm-linux-gnueabi: the boot ROMs of the npcm7xx,
# npcm8xx and ast27x0 boards, which the +ds orig tarball has as source only
# (roms/vbootrom, built by scripts/build.sh).
# gdb-multiarch: QEMU's check-tcg gdbstub tests for the aarch64 guests.
pkgs_cross="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
    gcc-arm-linux-gnueabi libc6-dev-armel-cross cpio gzip fakeroot gdb-multiarch"
# Firmware the binaries load (x86 PC BIOS and option ROMs, ppc64 SLOF and
# skiboot), found through --firmwarepath.
pkgs_fw="seabios ipxe-qemu qemu-system-data"
# Needed from backports on bookworm (meson >= 1.5 for QEMU's configure).
pkgs_bpo="meson python3-pycotap"
# libvirt for tests/tcg/test-libvirt-tcg.sh, run as a private session
# daemon (libvirt/session.sh).  Version 11 or later: bookworm's 9.0 passes
# -no-acpi, which QEMU 10.0 no longer has.  On bookworm these come from
# backports one by one (their libraries and systemd-container from
# bookworm itself), on trixie from the release; no daemon is enabled.
pkgs_libvirt="libvirt0 libvirt-common libvirt-clients libvirt-daemon
    libvirt-daemon-common libvirt-daemon-log libvirt-daemon-driver-qemu"

step="read the release"
codename=$(. "${QL_OS_RELEASE:-/etc/os-release}" && echo "${VERSION_CODENAME:-}")
apt_etc=${QL_APT_ETC:-/etc/apt}
bpo=
[ "$codename" = bookworm ] && bpo=bookworm-backports

# The version of an installed package, or nothing.  dpkg-query exits 1 for a
# package it has never seen: that is an answer, not a failure.
installed_version() {
    local out
    out=$(dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null) || return 0
    case $out in installed\ *) echo "${out#installed }" ;; esac
}

# The packages of "$@" that are not installed.
missing() {
    local p
    for p in "$@"; do
        [ -n "$(installed_version "$p")" ] || echo "$p"
    done
}

# version_ge PACKAGE MIN: PACKAGE is installed at MIN or later.
version_ge() {
    local v
    v=$(installed_version "$1")
    [ -n "$v" ] && dpkg --compare-versions "$v" ge "$2"
}

meson_ok() { version_ge meson 1.5; }

libvirt_ok() {
    [ -z "$(missing $pkgs_libvirt)" ] && version_ge libvirt-daemon-driver-qemu 11
}

# Installed libvirt packages older than 11 (e.g. 9.0's libvirt-daemon-system):
# they are upgraded together with ours, as their versions must match exactly.
old_libvirt() {
    local p st v
    # "no packages found" (exit 1) means there are none.
    { dpkg-query -W -f='${Package} ${db:Status-Status} ${Version}\n' 'libvirt*' 2>/dev/null || true; } |
        while read -r p st v; do
            if [ "$st" = installed ] && dpkg --compare-versions "$v" lt 11; then
                echo "$p"
            fi
        done
}

# has_suite CODENAME: apt has the package lists of that suite.  (Not
# "... | grep -q" under pipefail: grep's early exit can fail the pipeline.)
has_suite() {
    local s
    s=$(apt-get indextargets --format '$(CODENAME)' 'Created-By: Packages' 2>/dev/null || true)
    grep -qx -- "$1" <<<"$s"
}

# apt's package lists are missing or older than 12 hours (the archive has
# moved on, and installing from them would fetch files that are gone).
lists_stale() {
    local f fresh=0 any=0
    while read -r f; do
        [ -n "$f" ] || continue
        any=1
        [ -n "$(find "$f" -maxdepth 0 -mmin -720 2>/dev/null)" ] && fresh=1
    done < <(apt-get indextargets --format '$(FILENAME)' 'Created-By: Packages' 2>/dev/null || true)
    [ "$any" = 0 ] || [ "$fresh" = 0 ]
}

step="decide what to install"
todo=$(missing $pkgs_build $pkgs_cross $pkgs_fw | tr '\n' ' ')
bpo_todo=$(missing $pkgs_bpo | tr '\n' ' ')
meson_ok || bpo_todo="$bpo_todo meson"
bpo_todo=$(printf '%s\n' $bpo_todo | sort -u | tr '\n' ' ')
lv_todo=
if ! libvirt_ok; then
    lv_todo=$(printf '%s\n' $pkgs_libvirt $(old_libvirt) | sort -u | tr '\n' ' ')
fi
if [ -z "${todo// /}${bpo_todo// /}${lv_todo// /}" ]; then
    echo "setup: all packages present"
    exit 0
fi
echo "setup: to install:${todo:+ $todo}${bpo_todo:+ $bpo_todo}${lv_todo:+ $lv_todo}"

need_update=0
if [ -n "$bpo" ] && [ -n "${bpo_todo// /}${lv_todo// /}" ]; then
    step="add $bpo"
    bpo_list=$apt_etc/sources.list.d/qemu-large-backports.sources
    if [ ! -f "$bpo_list" ]; then
        uri=$(QL_APT_ETC=$apt_etc "$here/debian-uri.sh")
        $SUDO tee "$bpo_list" >/dev/null <<SRC
# Written by qemu-large's scripts/setup.sh (URI copied from this machine's sources)
Types: deb
URIs: $uri
Suites: $bpo
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    # Whether this run wrote the file or an earlier one did: what counts is
    # whether apt has the suite's lists.
    has_suite "$bpo" || need_update=1
fi
export DEBIAN_FRONTEND=noninteractive
step="apt-get update"
if [ "$need_update" = 1 ] || lists_stale; then
    $SUDO apt-get update -q
    if [ -n "$bpo" ] && [ "$need_update" = 1 ] && ! has_suite "$bpo"; then
        echo "setup: apt-get update did not fetch $bpo (see $apt_etc/sources.list.d/qemu-large-backports.sources)" >&2
        exit 1
    fi
fi
step="install the build packages"
if [ -n "${todo// /}" ]; then
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $todo
fi
step="install meson"
if [ -n "${bpo_todo// /}" ]; then
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends ${bpo:+-t $bpo} $bpo_todo
fi
step="install libvirt"
if [ -n "${lv_todo// /}" ]; then
    if [ -n "$bpo" ]; then
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends $(printf "%s/$bpo " $lv_todo)
    else
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends $lv_todo
    fi
fi
step="check"
libvirt_ok || { echo "setup: libvirt >= 11 is needed (packages: $(echo $pkgs_libvirt))" >&2; exit 1; }
meson_ok || { echo "setup: meson >= 1.5 is needed, found $(installed_version meson || true)" >&2; exit 1; }
missing_now=$(missing $pkgs_build $pkgs_cross $pkgs_fw $pkgs_bpo | tr '\n' ' ')
[ -z "${missing_now// /}" ] || { echo "setup: still not installed: $missing_now" >&2; exit 1; }
echo "setup: done"
