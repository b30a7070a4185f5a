#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the L2 Linux guest of lab/x86/l2-linux.sh (busybox ash): prints
#   l2-linux: up <uptime>
# and a few facts (kernel, processors, what the kernel saw of the
# hypervisor), then powers off (ACPI S5 on -M pc: the inner QEMU exits).
export PATH=/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "l2-linux: up $(cut -d' ' -f1 /proc/uptime)"
echo "l2-linux: kernel $(uname -r), processors $(grep -c processor /proc/cpuinfo)," \
     "cpu '$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)'"
echo "l2-linux: cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
     grep -xE 'hypervisor|x2apic|tsc_deadline_timer|svm|vmx|nrip_save|npt|constant_tsc|nonstop_tsc' | tr '\n' ' ')"
dmesg | grep -iE 'hypervisor detected|kvm-clock|clocksource:.*(kvm|tsc)|x2apic|tsc: (detected|refined)|apic:.*(mode|switch)|warn|bug:' |
    head -25 | sed 's/^/l2-linux: dmesg: /'
echo "l2-linux: dmesg lines $(dmesg | wc -l), last: $(dmesg | tail -1)"
echo "l2-linux: poweroff at $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
sleep 10
