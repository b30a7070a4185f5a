#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install everything the build and the tests need, from Debian packages.
# Idempotent.  Needs root (or sudo).  On Debian 12 (bookworm) the backports
# suite is added for meson >= 1.5; its URI is copied from the machine's own
# Debian sources (scripts/debian-uri.sh), never written in the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# Build of the three softmmu targets.
pkgs_build="build-essential git ninja-build flex bison pkg-config
    libglib2.0-dev libpixman-1-dev libfdt-dev libcapstone-dev libslirp-dev
    zlib1g-dev python3 python3-venv ccache dpkg-dev xz-utils perl
    debian-archive-keyring"
# Cross compiler for the bare-metal aarch64 guest payloads in guest/ and the
# arm64 QEMU of the nested KVM lab (lab/), plus the lab's initramfs tools.
pkgs_cross="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu cpio gzip fakeroot"
# Firmware the binaries load (x86 PC BIOS and option ROMs, ppc64 SLOF and
# skiboot), found through --firmwarepath.
pkgs_fw="seabios ipxe-qemu qemu-system-data"
# Needed from backports on bookworm.
pkgs_bpo="meson python3-pycotap"
# libvirt for tests/system/test-libvirt-tcg.sh, run as a private session
# daemon (libvirt/session.sh).  Version 11 or later: bookworm's 9.0 passes
# -no-acpi, which QEMU 10.0 no longer has.  On bookworm these come from
# backports one by one (their libraries and systemd-container from
# bookworm itself), on trixie from the release; no daemon is enabled.
pkgs_libvirt="libvirt0 libvirt-common libvirt-clients libvirt-daemon
    libvirt-daemon-common libvirt-daemon-log libvirt-daemon-driver-qemu"

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
bpo_list=/etc/apt/sources.list.d/qemu-large-backports.sources
need_update=0
if [ "$codename" = bookworm ] && [ ! -f "$bpo_list" ]; then
    uri=$("$here/debian-uri.sh")
    $SUDO tee "$bpo_list" >/dev/null <<SRC
# Written by qemu-large's scripts/setup.sh (URI copied from this machine's sources)
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    need_update=1
fi

missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
    done
}

meson_ok() {
    command -v meson >/dev/null && /usr/bin/python3 - "$(meson --version)" <<'PY'
import sys
v = tuple(int(x) for x in sys.argv[1].split('.')[:2])
sys.exit(0 if v >= (1, 5) else 1)
PY
}

libvirt_ok() {
    local v
    v=$(dpkg-query -W -f='${Version}' libvirt-daemon-driver-qemu 2>/dev/null) || return 1
    [ -z "$(missing $pkgs_libvirt)" ] && dpkg --compare-versions "$v" ge 11
}

todo=$(missing $pkgs_build $pkgs_cross $pkgs_fw)
bpo_todo=$(missing $pkgs_bpo)
meson_ok || bpo_todo="$bpo_todo meson"
lv_todo=
if ! libvirt_ok; then
    # With them, every other libvirt package already installed (e.g. 9.0's
    # libvirt-daemon-system), as their versions must match exactly
    lv_todo="$pkgs_libvirt $(dpkg-query -W -f='${Package} ${Version} ${db:Status-Status}\n' 'libvirt*' 2>/dev/null |
        while read -r p v st; do
            [ "$st" = installed ] && dpkg --compare-versions "$v" lt 11 && echo "$p"
        done | tr '\n' ' ')"
    lv_todo=$(echo $lv_todo | tr ' ' '\n' | sort -u | tr '\n' ' ')
fi
if [ -z "$todo" ] && [ -z "$(echo $bpo_todo $lv_todo)" ]; then
    echo "setup: all packages present"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$need_update" = 1 ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -720 2>/dev/null | head -1)" ]; then
    $SUDO apt-get update -q
fi
if [ -n "$todo" ]; then
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $todo
fi
if [ -n "$(echo $bpo_todo)" ]; then
    if [ "$codename" = bookworm ]; then
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports $(echo $bpo_todo | tr ' ' '\n' | sort -u)
    else
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends $(echo $bpo_todo | tr ' ' '\n' | sort -u)
    fi
fi
if [ -n "$(echo $lv_todo)" ]; then
    if [ "$codename" = bookworm ]; then
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends $(printf '%s/bookworm-backports ' $lv_todo)
    else
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends $lv_todo
    fi
fi
libvirt_ok || { echo "setup: libvirt >= 11 is needed (packages: $(echo $pkgs_libvirt))" >&2; exit 1; }
meson_ok || { echo "setup: meson >= 1.5 is needed, found $(meson --version 2>/dev/null || echo none)" >&2; exit 1; }
echo "setup: done"
