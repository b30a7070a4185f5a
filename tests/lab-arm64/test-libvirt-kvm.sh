#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real libvirt driving the fork under KVM: one boot of the nested arm64 lab
# with Debian's libvirt 11.3 arm64 (bookworm-backports) unpacked into it
# (lab/libvirt/pack.sh -> build/lab/libvirt-root.tar.gz).
#
# libvirt runs as the SYSTEM daemon (qemu:///system, libvirtd + virtlogd as
# root): the lab is a throwaway VM, the lab's busybox has no setpriv,
# chpst or su to run a session daemon as another user (only
# start-stop-daemon -c, whose "already running" matching gets in the way of
# repeated virsh calls), and qemu:///system is what a real arm64 KVM host
# uses.  The lab's qemu.conf runs QEMU as root without cgroups, mount
# namespaces or a security driver (the lab has none of them set up).
#
# Checks, each one result line (libvirt.lab.sh runs every step as a case
# of lab/case.sh):
#  domcaps-fork     virsh domcapabilities --virttype kvm for the fork says
#                   <vcpu max='512'/>
#  *-kvm512         a type='kvm' domain from libvirt/large-aarch64.xml
#                   (libvirt/domain.sh, gic 3) with 512 vCPUs: define-,
#                   start-, census- (512/512 on the serial log), shut-off-
#                   (after the census powers off), undefine-
#  *-kvm8, gic-default-kvm8  8 vCPUs without <gic>: libvirt must pick
#                   gic-version=3 under KVM (QEMU command line in the domain
#                   log), census 8/8
#  *-lx512          a Linux guest in a domain of the same template (the
#                   lab's kernel, --initrd lab/linux-guest.sh's initramfs,
#                   guest/linux/init.sh) with 512 vCPUs and maxcpus=1:
#                   CPUs 1, 127, 255-257, 383, 510, 511 brought online, each
#                   with a pinned task, timer interrupts and IPIs, 256
#                   cycled (the checks of test-linux-kvm.sh), then shut off
#  define-kvm513    define with 513 vCPUs is refused with libvirt's "Maximum
#                   CPUs greater than specified machine type limit 512"
#  *-nolayout2, *-bl257, *-nl257, *-nl256
#                   KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 hidden from QEMU by
#                   lab/kvmfault.c through WRAPPER SCRIPTS used as the
#                   emulator (libvirt gives QEMU a clean environment; see
#                   below): domcapabilities 512 for the unpatched base and
#                   256 for the fork; a 257-vCPU base domain is defined
#                   and refused only at start (what the base's 512 meant),
#                   a 257-vCPU fork domain refused by libvirt's validation,
#                   a 256-vCPU one runs the census 256/256 with the fault
#                   really injected.  The fork's 256 needs its
#                   query-machines cpu-max under KVM to follow the host
#                   limits; without that patch domcaps-fork-nolayout2 and
#                   define-nl257 fail, as they should.
#
# Environment of the QEMU processes: libvirt builds it from scratch.  Of
# libvirtd's own environment it passes LD_PRELOAD and LD_LIBRARY_PATH
# through (seen in the lab: QEMU's /proc/PID/environ and the domain log),
# but not KVMFAULT_*, and its capability probe of an emulator runs with no
# domain XML at all, so neither libvirtd's environment nor <qemu:env> in a
# domain can change what domcapabilities reports.  The wrappers (/opt/lvwrap/*, exec of the
# real binary with the variables set) are separate emulator paths, so
# libvirt probes and caches them separately from /usr/bin/qemu-system-aarch64.
#
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
tarball=$build/lab/libvirt-root.tar.gz
[ -f "$payload" ] || fail "no $payload (make guest)"
# The tarball: packed (or found up to date) here, from the pinned .debs.
"$top/lab/libvirt/pack.sh" >"$tmp/pack.log" 2>&1 || {
    cat "$tmp/pack.log"
    fail "lab/libvirt/pack.sh failed: no libvirt for the lab (see above)"
}
cat "$tmp/pack.log"
[ -f "$tarball" ] || fail "no $tarball"
"$top/lab/linux-guest.sh" >"$tmp/guest.log" 2>&1 || { cat "$tmp/guest.log"; fail "lab/linux-guest.sh failed"; }
[ -f "$build/lab/Image" ] || fail "no $build/lab/Image, the Linux guest's kernel (lab/initramfs.sh)"
for f in "$top/libvirt/domain.sh" "$top/libvirt/large-aarch64.xml"; do
    [ -f "$f" ] || fail "no $f (the domain template and its renderer)"
done

[ "${QL_LAB_BACKEND:-lab}" = lab ] || fail "libvirt-kvm unpacks libvirt into / and runs its system daemon: lab only"
lab_run arm64 1800 "$here/libvirt.lab.sh" "$tarball" "$payload" "$top/libvirt/domain.sh" \
    "$top/libvirt/large-aarch64.xml" "$build/lab/Image" "$build/lab/linux-guest.cpio.gz"
[ "$(note_of setup ok)" = yes ] || fail "libvirt did not start in the lab (exit $lab_rc)"
ok "libvirt $(note_of setup libvirt), $(note_of setup packages) packages"
echo "libvirt-kvm: first domcapabilities (capability probe of the fork): $(case_field domcaps-fork ms) ms"

case_expect domcaps-fork "exit 0" "~out: <vcpu max='512'/>"
# defined, started, census N/N, shut off, undefined
domain_ok() {  # NAME N [LINE...]: the steps of a domain that runs the census
    local name=$1 n=$2
    shift 2
    case_expect "define-$name" "exit 0"
    case_expect "start-$name" "exit 0"
    case_expect "census-$name" "census $n" "$@"
    check "shut-off-$name" "state $(note_of "census-$name" state)" test "$(note_of "census-$name" state)" = shut-off
    case_expect "undefine-$name" "exit 0"
}
domain_ok kvm512 512
# 8 vCPUs without <gic>: libvirt must pick gic-version=3 under KVM
domain_ok kvm8 8 '~err: gic-version=3'
check gic-default-kvm8 "<gic> elements in the XML: $(note_of census-kvm8 xml_gic)" test "$(note_of census-kvm8 xml_gic)" = 0
# a Linux guest at 512: the guest's checks, its verdict, shut off
case_expect define-lx512 "exit 0"
case_expect start-lx512 "exit 0"
case_expect linux-lx512 "exit 0" "~out: ^linux-guest: cycle 256 .* pinned=256 ok$" \
    "~out: ^linux-guest: final online=0-1,127,255-257,383,510-511$" \
    "~out: ^linux-guest: verdict PASS failed=0$"
linux_guest_checks linux-lx512 - 1 127 255 256 257 383 510 511
check shut-off-lx512 "state $(note_of linux-lx512 state)" test "$(note_of linux-lx512 state)" = shut-off
case_expect undefine-lx512 "exit 0"
# libvirt's own validation refuses 513
case_expect define-kvm513 "exit 1" "~err: Maximum CPUs greater than specified machine type limit 512"
# LAYOUT_2 hidden: the base says 512 (what made libvirt accept a domain
# QEMU refuses: bl257 is defined and refused only at start), the fork 256
case_expect domcaps-base-nolayout2 "exit 0" "~out: <vcpu max='512'/>"
case_expect define-bl257 "exit 0"
case_expect start-bl257 "exit 1" "~err: KVM_CAP_ARM_IRQ_LINE_LAYOUT_2"
case_expect domcaps-fork-nolayout2 "exit 0" "~out: <vcpu max='256'/>"
case_expect define-nl257 "exit 1" "~err: Maximum CPUs greater than specified machine type limit 256"
domain_ok nl256 256 '~err: kvmfault: injected 0 for KVM_CAP_ARM_IRQ_LINE_LAYOUT_2'
for n in kvm8 kvm512 nl256; do
    echo "libvirt-kvm: start-to-census $n: $(case_field "census-$n" ms) ms"
done
echo "libvirt-kvm: start-to-power-off lx512 (Linux, 8 CPUs brought online): $(case_field linux-lx512 ms) ms"
exit "$failed"
