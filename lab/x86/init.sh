#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the nested x86 (SVM) lab's initramfs (copied there by
# lab/x86/initramfs.sh; runs under busybox ash).  Loads the KVM modules in
# /lab/modules/order, prints the kernel's kvm lines, "nrips=<value>", checks
# /dev/kvm, runs the L2 guest /tiny.bin under the packed
# qemu-system-x86_64 -accel kvm, times it, prints one result line
#   LAB-X86-RESULT key=value ...
# then the command list /lab/cmd.sh if lab/x86/run.sh appended one, then
# "LAB-EXIT=<status>" (0 when tiny.bin printed "tiny: done" and exited
# through isa-debug-exit, or the command list's status) and powers off.
#
# Kernel arguments: lab.cpu=MODEL (the L2 -cpu, default host),
# lab.timeout=S (L2 time-out, default 120), lab.l2=0 (skip the L2 run).
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root TERM=dumb
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp

lab_exit() {
    echo "LAB-EXIT=$1"
    sync
    poweroff -f
    sleep 10     # not reached
}
arg() {  # NAME DEFAULT: the value of lab.NAME= on the kernel command line
    v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^lab\.$1=//p" | tail -1)
    echo "${v:-$2}"
}

echo "lab-x86: /init up at $(cut -d' ' -f1 /proc/uptime) s, $(uname -r), $(nproc) CPUs"
res="LAB-X86-RESULT init_uptime=$(cut -d' ' -f1 /proc/uptime)"
while read -r m; do
    if ! insmod "/lab/modules/$m"; then
        echo "lab-x86: error: insmod $m failed"
        res="$res insmod_failed=$m"
    fi
done </lab/modules/order
echo "lab-x86: modules loaded at $(cut -d' ' -f1 /proc/uptime) s: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
dmesg | grep -iE 'kvm|svm|ccp' | sed 's/^/lab-x86: dmesg: /'
if dmesg | grep -q 'kvm_amd: Nested Virtualization enabled'; then nested=1; else nested=0; fi
nrips=$(cat /sys/module/kvm_amd/parameters/nrips 2>/dev/null || echo missing)
echo "nrips=$nrips"
for p in nested npt avic vls vgif lbrv; do
    printf '%s=%s ' "$p" "$(cat /sys/module/kvm_amd/parameters/$p 2>/dev/null || echo -)"
done
echo
res="$res nested=$nested nrips=$nrips"
if [ -c /dev/kvm ] && exec 3<>/dev/kvm; then
    exec 3>&-
    kvm=ok
else
    kvm=missing
    echo "lab-x86: error: no usable /dev/kvm"
fi
res="$res kvm=$kvm"

status=1
if [ "$(arg l2 1)" != 0 ] && [ $kvm = ok ]; then
    cpu=$(arg cpu host)
    to=$(arg timeout 120)
    echo "lab-x86: L2: qemu-system-x86_64 -accel kvm -cpu $cpu -bios /tiny.bin (time-out $to s)"
    # Every line gets a wall-clock time stamp with microseconds (busybox
    # ts): start, the guest's serial lines, QEMU's exit status.
    {
        echo "l2-start"
        timeout "$to" qemu-system-x86_64 -accel kvm -M pc -cpu "$cpu" -m 16 -nodefaults \
            -display none -vga none -no-reboot -global kvm-apic.vapic=off \
            -bios /tiny.bin -serial stdio \
            -device isa-debug-exit </dev/null 2>&1
        echo "l2-exit=$?"
    } | ts '%.s' | tr -d '\r' >/tmp/l2.log
    # shown afterwards (ts buffers), each line with its time since the start
    awk 'NR == 1 { s = $1 } { t = $1; sub(/^[^ ]* /, ""); printf "lab-x86: L2: +%.3f %s\n", t - s, $0 }' /tmp/l2.log
    # start -> hello: QEMU start-up; hello -> done: the N CPUIDs (plus the
    # serial output between them, a few dozen exits to QEMU).
    l2=$(awk '
        $2 == "l2-start" { s = $1 }
        $2 == "tiny:" && $3 == "hello" { h = $1 }
        $2 == "tiny:" && $3 ~ /^n=/ { n = substr($3, 3); nt = $1 }
        $2 == "tiny:" && $3 == "done" { d = $1 }
        $2 ~ /^l2-exit=/ { e = substr($2, 9) }
        END {
            printf "l2_hello=%d l2_done=%d l2_exit=%s n=%s", h != "", d != "", e, n
            if (s != "" && h != "") printf " l2_start_to_hello_ms=%.1f", (h - s) * 1000
            if (s != "" && d != "") printf " l2_start_to_done_ms=%.1f", (d - s) * 1000
            if (nt != "" && d != "") printf " l2_loop_ms=%.1f", (d - nt) * 1000
            if (nt != "" && d != "" && n > 0) printf " us_per_exit=%.2f", (d - nt) * 1e6 / n
        }' /tmp/l2.log)
    res="$res $l2"
    case $l2 in *"l2_done=1 l2_exit=33 "*) status=0 ;; esac
fi
echo "$res"

if [ -f /lab/cmd.sh ]; then
    mkdir -p /lab/files
    cd /lab/files || lab_exit 1
    sh /lab/cmd.sh
    status=$?
fi
lab_exit $status
