# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034,SC2154
#
# Shared by lab/libvirt/fetch.sh and lab/libvirt/pack.sh (sourced after
# lab/common.sh).  Real libvirt for the nested arm64 KVM lab: Debian's
# libvirt 11.3 arm64 packages from bookworm-backports (same version as
# trixie's, but built against bookworm's glibc 2.36, which is the lab's),
# with the libraries they need from bookworm arm64 that the lab lacks.
#   lv_dir    this directory (lab/libvirt)
#   lv_roots  the libvirt packages (all from bookworm-backports)
#   lv_files  what is packed from them (paths relative to /; globs)
# Defines lv_lab_sonames and lv_needed.
lv_dir=$lab/libvirt
lv_suite=bookworm-backports
lv_roots="libvirt0 libvirt-common libvirt-clients libvirt-daemon libvirt-daemon-common libvirt-daemon-driver-qemu libvirt-daemon-log"
# libvirtd (the monolithic daemon; Debian's 11.3 ships no virtqemud in these
# packages), virtlogd (QEMU's stdout/stderr go through it by default), virsh,
# the QEMU connection driver (a dlopen()ed module, so not in any DT_NEEDED),
# the client libraries, and /usr/share/libvirt (cpu_map, schemas).
lv_files="usr/sbin/libvirtd usr/sbin/virtlogd usr/bin/virsh
usr/lib/aarch64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so
usr/lib/aarch64-linux-gnu/libvirt/lock-driver
usr/lib/aarch64-linux-gnu/libvirt.so.0*
usr/lib/aarch64-linux-gnu/libvirt-qemu.so.0*
usr/lib/aarch64-linux-gnu/libvirt-admin.so.0*
usr/share/libvirt"

# lv_lab_sonames: the library file names in the lab's initramfs (its
# /lib/aarch64-linux-gnu), one a line: those need not be packed again.
lv_lab_sonames() {
    local img=${QL_LAB_INITRAMFS:-$out/initramfs.cpio.gz}
    [ -f "$img" ] || die "$img not found (lab/initramfs.sh): the libvirt tarball is packed against it"
    gzip -dc "$img" | cpio -t --quiet 2>/dev/null |
        sed -n 's|^\(\./\)\{0,1\}lib/aarch64-linux-gnu/\([^/]*\)$|\2|p' | sort -u
}

# lv_needed ELF: its DT_NEEDED entries, one a line.
lv_needed() {
    aarch64-linux-gnu-readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# lv_is_elf FILE
lv_is_elf() {
    [ -f "$1" ] && [ ! -L "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}
