#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A real Linux guest at -smp 512 under KVM: the cases of linux.cases in one
# boot of the nested arm64 lab (or on this host, QL_LAB_BACKEND=host).  The
# guest kernel is the lab's pinned Debian arm64 kernel (build/lab/Image;
# row linux-next-512: the pinned kernel-next, build/lab/Image-next), its
# initramfs busybox and guest/linux/init.sh (lab/linux-guest.sh).  The
# guest boots with maxcpus=1, then brings CPUs 1, 127, 255, 256, 257, 383,
# 510 and 511 online through sysfs and checks on each a pinned task, timer
# interrupts and IPIs (/proc/interrupts), takes 256 offline and online
# again, and powers off.  Every guest check is one result here
# (NAME/cpu-N, NAME/cycle-N), besides the row's own; the boot and online
# times are printed ("linux-kvm: times ...").  The negative control asks
# for CPU 64 of a 64-vCPU guest: the guest must name it and fail.
# QL_LAB_HOST_KERNEL=next boots the lab on its second host kernel
# (test-linux-next-kvm.sh).  QL_CASE_GROUPS selects rows: linux (the
# default: the 6.12 guest and the negative control) or guest-next (the
# newest guest kernel, about 4.3 minutes (256 s) more: make lab-linux-next).
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
export QL_CASE_GROUPS=${QL_CASE_GROUPS:-linux}
"$top/lab/linux-guest.sh" >"$tmp/guest.log" 2>&1 || { cat "$tmp/guest.log"; fail "lab/linux-guest.sh failed"; }
files=("$build/lab/linux-guest.cpio.gz" "$build/lab/Image")
[ -f "$build/lab/Image" ] || fail "no $build/lab/Image, the guest kernel (lab/initramfs.sh)"
if [[ " $QL_CASE_GROUPS " == *" guest-next "* ]]; then
    [ -f "$build/lab/Image-next" ] || fail "no $build/lab/Image-next, the newest guest kernel (lab/initramfs.sh with kernel-next pinned)"
    files+=("$build/lab/Image-next")
fi
lab_cases arm64 3000 "$here/linux.cases" 900 "${files[@]}"

want=(1 127 255 256 257 383 510 511)
for name in linux-512 linux-next-512; do
    case_ran "$name" || continue
    linux_guest_checks "$name" - "${want[@]}"
    # times: QEMU start to the guest's /init, the guest's uptime then,
    # each CPU's online, the whole run
    init=$(case_out "$name" | sed -n 's/^+\([0-9]*\) linux-guest: init uptime=\([0-9.]*\) .*/\1 \2/p' | head -1)
    on=$(case_out "$name" | sed -n 's/^+[0-9]* linux-guest: cpu \([0-9]*\) online ms=\([0-9]*\) .*/\1:\2/p' | tr '\n' ' ')
    echo "linux-kvm: times $name host-kernel=$(lab_boot_summary host-kernel) release=$(lab_boot_summary release)" \
        "exec-to-init=$(awk -v m="${init%% *}" 'BEGIN { printf "%.1f", m / 1000 }') s" \
        "guest-uptime-at-init=${init##* } s online-ms=[ ${on}] run=$(awk -v m="$(case_field "$name" ms)" 'BEGIN { printf "%.1f", m / 1000 }') s"
done
case_ran negative-control && linux_guest_checks negative-control 64 1 63 64
exit $failed
