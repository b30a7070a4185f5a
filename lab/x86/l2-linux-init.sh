#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of lab/x86/l2-linux.sh's L1 initramfs (busybox ash), the L1 Linux
# of the nested x86 lab: loads the KVM modules as lab/x86/init.sh does,
# then boots a real Linux as L2:
#   qemu-system-x86_64 -accel kvm -cpu host -M pc -m 512 -nodefaults
#     -nographic -serial stdio -kernel /l2/vmlinuz -initrd /l2/initrd
#     -append "console=ttyS0 quiet panic=-1" -no-reboot -L /l2/fw
# Every line of L2's console (and "l2-start", "l2-exit=N") is printed live
# as "L2 [<L1 uptime>] <line>"; the inner QEMU's stderr is shown afterwards
# ("l2-qemu-stderr: "), then the L1 KVM's debugfs counters (sampled while
# L2 ran), the suspicious L1 dmesg lines, the whole L1 dmesg
# ("l1-dmesg: "), one line
#   L2LX-RESULT key=value ...
# and "LAB-EXIT=<0 when L2 printed 'l2-linux: up' and its QEMU exited 0>".
#
# Kernel arguments: l2lx.timeout=S (default 600), l2lx.cpu=MODEL (default
# host), l2lx.mem=MB (default 512), l2lx.append='...' is not supported
# (spaces); l2lx.extra=OPT,OPT (extra inner QEMU options, comma = space).
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root TERM=dumb
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

up() { cut -d' ' -f1 /proc/uptime; }
lab_exit() {
    echo "LAB-EXIT=$1"
    sync
    poweroff -f
    sleep 10
}
arg() {
    v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^l2lx\.$1=//p" | tail -1)
    echo "${v:-$2}"
}

echo "l2lx: /init up at $(up) s, $(uname -r), $(nproc) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
res="L2LX-RESULT init_uptime=$(up)"
while read -r m; do
    insmod "/lab/modules/$m" || { echo "l2lx: error: insmod $m failed"; res="$res insmod_failed=$m"; }
done </lab/modules/order
echo "l2lx: modules loaded at $(up) s"
nrips=$(cat /sys/module/kvm_amd/parameters/nrips 2>/dev/null || echo missing)
params="nrips=$nrips"
for p in nested npt avic vls vgif lbrv pause_filter_count; do
    params="$params $p=$(cat /sys/module/kvm_amd/parameters/$p 2>/dev/null || echo -)"
done
echo "l2lx: kvm_amd $params"
if dmesg | grep -q 'kvm_amd: Nested Virtualization enabled'; then nested=1; else nested=0; fi
res="$res nested=$nested nrips=$nrips"
if [ -c /dev/kvm ] && exec 3<>/dev/kvm; then exec 3>&-; kvm=ok; else kvm=missing; fi
res="$res kvm=$kvm"
[ $kvm = ok ] || { echo "$res"; dmesg | sed 's/^/l1-dmesg: /'; lab_exit 1; }
dmesg >/tmp/dmesg.before

to=$(arg timeout 600)
cpu=$(arg cpu host)
mem=$(arg mem 512)
extra=$(arg extra "" | tr ',' ' ')
# shellcheck disable=SC2086
set -- qemu-system-x86_64 -accel kvm -cpu "$cpu" -M pc -m "$mem" -nodefaults -nographic \
    -serial stdio -kernel /l2/vmlinuz -initrd /l2/initrd \
    -append "console=ttyS0 quiet panic=-1" -no-reboot -L /l2/fw $extra
echo "l2lx: L2: timeout $to $*"

# The L1 KVM's exit counters (debugfs, summed over live VMs: they vanish
# with the VM, so sampled every 1 s while L2 runs; the last sample stays).
(
    cd /sys/kernel/debug/kvm 2>/dev/null || exit 0
    while :; do
        set -- ./*-*
        if [ -d "$1" ]; then
            grep -H . exits io_exits mmio_exits halt_exits irq_exits irq_window_exits nmi_window_exits \
                request_irq_exits signal_exits insn_emulation insn_emulation_fail hypercalls \
                irq_injections pf_taken pf_emulate fpu_reload nested_run host_state_reload 2>/dev/null |
                sed 's/:/=/' | tr '\n' ' ' >/tmp/kvmstat.new
            echo "t=$(up)" >>/tmp/kvmstat.new
            mv /tmp/kvmstat.new /tmp/kvmstat
        fi
        sleep 1
    done
) &
sampler=$!

{
    echo "l2-start"
    timeout "$to" "$@" </dev/null 2>/tmp/l2-qemu.err
    echo "l2-exit=$?"
} | tr -d '\r' | awk '{ getline u < "/proc/uptime"; close("/proc/uptime"); split(u, a, " ")
                        printf "L2 [%s] %s\n", a[1], $0; fflush() }' | tee /tmp/l2.log
kill $sampler 2>/dev/null

sed 's/^/l2-qemu-stderr: /' /tmp/l2-qemu.err
echo "l2lx: l1-kvm-stats: $(cat /tmp/kvmstat 2>/dev/null || echo none)"
dmesg >/tmp/dmesg.after
echo "l2lx: new L1 dmesg lines while L2 ran: $(($(wc -l </tmp/dmesg.after) - $(wc -l </tmp/dmesg.before)))"
# new lines (while L2 ran) broadly, the whole log for the obvious ones
tail -n +$(($(wc -l </tmp/dmesg.before) + 1)) /tmp/dmesg.after | sed 's/^/l2lx: new-l1-dmesg: /'
grep -E 'WARNING:|BUG:|Oops|Call Trace|emulation fail|nested.*fail|[Uu]nhandled|[Uu]nexpected|soft lockup|stall' \
    /tmp/dmesg.after | sed 's/^/l2lx: suspicious: /'
sed 's/^/l1-dmesg: /' /tmp/dmesg.after

l2=$(awk '
    { t = $2; gsub(/[][]/, "", t) }
    $3 == "l2-start" { s = t; next }
    $3 ~ /^l2-exit=/ { e = substr($3, 9); x = t; next }
    bios == "" && /SeaBIOS/ { bios = t }
    u == "" && (i = index($0, "l2-linux: up ")) { u = t; split(substr($0, i + 13), g, " "); gu = g[1] }
    /l2-linux: poweroff/ { p = t }
    END {
        printf "l2_up=%d l2_exit=%s", u != "", e
        if (u != "") printf " l2_uptime_at_init=%s l2_start_to_up_s=%.2f", gu, u - s
        if (bios != "") printf " l2_start_to_seabios_s=%.2f", bios - s
        if (p != "") printf " l2_start_to_poweroff_s=%.2f", p - s
        if (x != "") printf " l2_start_to_exit_s=%.2f", x - s
    }' /tmp/l2.log)
res="$res $l2"
echo "$res"
case $l2 in "l2_up=1 l2_exit=0"*) lab_exit 0 ;; esac
lab_exit 1
