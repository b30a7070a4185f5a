#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download and verify every .deb of the nested arm64 KVM lab (lab/packages.pin).
#
# usage: lab/fetch.sh                    fetch what the cache lacks, verify all
#        lab/fetch.sh --update-pin       resolve current versions, rewrite the pin
#        lab/fetch.sh --extract ROLE DIR fetch, then dpkg -x the ROLE's debs in DIR
#        lab/fetch.sh --list [ROLE]      print the cached paths of the ROLE's debs
#
# The pin holds one line per .deb: "ROLE SUITE ARCH PACKAGE VERSION SHA256 FILE".
# Roles: kernel (the lab host's Linux, trixie 6.12: the default), kernel-next
# (a second lab host kernel, the newest trixie-backports 7.x: its Image
# package linux-binary-V and linux-base-V, which holds the config; booted with
# QL_LAB_HOST_KERNEL=next lab/run.sh), initrd (static busybox and the like,
# copied whole into the initramfs), sysroot (bookworm arm64 -dev packages and
# libraries to cross-build QEMU against, and the runtime libraries packed from
# them, glibc included), runtime (bookworm arm64 programs for the initramfs,
# bash and strace, and libraries of theirs that the sysroot lacks), data
# (architecture-independent files: ipxe-qemu's efi-virtio.rom, the option ROM
# of virt's default virtio-net-pci NIC, which QEMU refuses to start without).
# Downloads go through private apt configurations (scripts/apt-private.sh, URI
# from the machine's own sources) and are kept in
# ${QL_CACHE:-$HOME/.cache/qemu-large}/lab/debs, so a rebuild fetches nothing.
# A cached or downloaded file whose SHA-256 differs from the pin is an error.
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"
fetch_cmd=lab/fetch.sh
all_arch=arm64
# shellcheck source=lab/fetch-lib.sh
. "$lab/fetch-lib.sh"

debs=$cache/debs

# Kernel: the newest trixie arm64 unsigned 6.12 image unless QL_LAB_KERNEL
# names one.  Kernel-next: the newest trixie-backports 7.x arm64 kernel
# unless QL_LAB_KERNEL_NEXT names one (linux-binary-V+deb13-arm64 or
# linux-image-V+deb13-arm64): its linux-binary-V package (the Image,
# usr/lib/modules/V/vmlinuz) and linux-base-V (usr/lib/modules/V/config and
# the dtbs), not linux-image-V (an empty package that depends on those and
# on linux-modules-V, which the lab does not need: KVM is built in).
# The sysroot (used with gcc --sysroot, so the host needs no
# libc6-dev-arm64-cross): the closure of these -dev packages over library
# dependencies (lib*, zlib1g*), less programs and what the link does not
# need.  Runtime: bash (the command lists use bash syntax such as <<<) and
# strace, with their library closure less what the sysroot already has.
# Data: ipxe-qemu for efi-virtio.rom.
kernel_re='^linux-image-6\.12\.[0-9]+\+deb13-arm64-unsigned$'
kernel_next_suite=trixie-backports
kernel_next_re='^linux-binary-7\.[0-9]+\.[0-9]+\+deb13-arm64$'
initrd_pkgs="busybox-static"
initrd_suite=trixie
sysroot_suite=bookworm
sysroot_roots="libc6-dev linux-libc-dev libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev"
runtime_pkgs="bash strace"
data_pkgs="ipxe-qemu"
sysroot_skip='^(libc-dev-bin|libcrypt.*|libnsl.*|libglib2\.0-bin|libglib2\.0-dev-bin|libglib2\.0-data)$'

# closure PACKAGE...: the packages and their library dependencies (lib*,
# zlib1g*, less $sysroot_skip), one name a line.
closure() {
    local p d
    local -A seen=()
    local -a q=("$@")
    while [ ${#q[@]} -gt 0 ]; do
        p=${q[0]}; q=("${q[@]:1}")
        [ -n "${seen[$p]:-}" ] && continue
        seen[$p]=1
        for d in $(APT_CONFIG=$conf apt-cache depends --no-recommends --no-suggests \
                       --no-conflicts --no-breaks --no-replaces --no-enhances "$p" |
                   awk '$1 == "Depends:" || $1 == "|Depends:" || $1 == "PreDepends:" { print $2 }' |
                   grep -E '^(lib|zlib1g)' | grep -vE "$sysroot_skip" || true); do
            q+=("$d")
        done
    done
    printf '%s\n' "${!seen[@]}" | sort -u
}

update_pin() {
    local kernel knext abi pkg new entries=() role suite arch e
    mkdir -p "$debs" "$out/apt"
    apt_update trixie arm64
    kernel=${QL_LAB_KERNEL:-$(APT_CONFIG=$conf apt-cache pkgnames linux-image-6.12 |
                              { grep -E "$kernel_re" || true; } | sort -V | tail -1)}
    [ -n "$kernel" ] || die "no linux-image-6.12.*+deb13-arm64-unsigned in trixie"
    entries+=("kernel trixie arm64 $kernel")
    apt_update "$kernel_next_suite" arm64
    knext=${QL_LAB_KERNEL_NEXT:-$(APT_CONFIG=$conf apt-cache pkgnames linux-binary-7. |
                                  { grep -E "$kernel_next_re" || true; } | sort -V | tail -1)}
    [ -n "$knext" ] || die "no linux-binary-7.*+deb13-arm64 in $kernel_next_suite"
    abi=${knext#linux-binary-}
    abi=${abi#linux-image-}
    [[ $abi =~ ^[0-9]+\.[0-9]+\.[0-9]+\+deb13-arm64$ ]] ||
        die "QL_LAB_KERNEL_NEXT=$knext: want linux-binary-V+deb13-arm64 or linux-image-V+deb13-arm64"
    entries+=("kernel-next $kernel_next_suite arm64 linux-binary-$abi"
              "kernel-next $kernel_next_suite arm64 linux-base-$abi")
    for pkg in $initrd_pkgs; do entries+=("initrd $initrd_suite arm64 $pkg"); done
    apt_update "$sysroot_suite" arm64
    local sysroot_set
    # shellcheck disable=SC2086
    sysroot_set=$(closure $sysroot_roots)
    for pkg in $sysroot_set; do entries+=("sysroot $sysroot_suite arm64 $pkg"); done
    # shellcheck disable=SC2086
    for pkg in $(closure $runtime_pkgs | grep -vxF "$sysroot_set"); do
        entries+=("runtime $sysroot_suite arm64 $pkg")
    done
    for pkg in $data_pkgs; do entries+=("data $sysroot_suite all $pkg"); done
    new=$(mktemp)
    {
        echo "# SPDX-License-Identifier: GPL-2.0-or-later"
        echo "#"
        echo "# Every .deb the nested arm64 KVM lab downloads, pinned by SHA-256."
        echo "# Written by lab/fetch.sh --update-pin on $(date -u +%Y-%m-%d); read by lab/fetch.sh."
        echo "# kernel: the lab host's Linux (trixie, CONFIG_KVM=y, VHE); the default."
        echo "# kernel-next: a second lab host Linux, the newest trixie-backports 7.x"
        echo "#   (linux-binary-V: the Image; linux-base-V: its config), booted with"
        echo "#   QL_LAB_HOST_KERNEL=next lab/run.sh."
        echo "# initrd: static tools copied into the initramfs."
        echo "# sysroot: bookworm arm64 headers and libraries (glibc 2.36, as the cross"
        echo "#   gcc's), used with gcc --sysroot to cross-build QEMU; its libraries"
        echo "#   (glibc included) are packed into the initramfs."
        echo "# runtime: bookworm arm64 programs for the initramfs (bash, strace) and"
        echo "#   the libraries they need beyond the sysroot's."
        echo "# data: architecture-independent files (efi-virtio.rom from ipxe-qemu)."
        echo "#"
        echo "# ROLE SUITE ARCH PACKAGE VERSION SHA256 FILE"
    } >"$new"
    for e in "${entries[@]}"; do
        read -r role suite arch pkg <<<"$e"
        pin_line "$role" "$suite" "$arch" "$pkg" >>"$new"
    done
    mv "$new" "$pin"
    chmod 644 "$pin"
    note "wrote $pin ($(pin_entries | wc -l) packages)"
}

need_tools apt-get dpkg-deb sha256sum
case "${1:-}" in
    "") fetch_all ;;
    --update-pin) update_pin; fetch_all ;;
    --extract) [ $# = 3 ] || die "usage: lab/fetch.sh --extract ROLE DIR"; extract "$2" "$3" ;;
    --list) fetch_all >/dev/null 2>&1 || fetch_all
            pin_entries "${2:-}" | while read -r _ _ _ _ _ _ file; do echo "$debs/$file"; done ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1' (see lab/fetch.sh --help)" ;;
esac
