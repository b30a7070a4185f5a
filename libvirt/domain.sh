#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Print a domain XML from libvirt/large-aarch64.xml.
#
# usage: libvirt/domain.sh [options] > domain.xml
#   --name NAME         domain name (default census)
#   --type qemu|kvm     TCG or KVM (default qemu)
#   --vcpus N           vCPUs (default 8)
#   --topology S,C,T    sockets, cores, threads (default N,1,1)
#   --gic 2|3|default   GIC version; "default" leaves the choice to libvirt
#                       (default 3)
#   --memory MIB        guest RAM (default 1024)
#   --emulator PATH     qemu-system-aarch64 (default build/bin's)
#   --kernel PATH       the payload (default build/guest/census.bin)
#   --cmdline TEXT      its command line (default "timeout=120")
#   --initrd PATH       an initramfs for a Linux --kernel (default none)
#   --serial PATH       the serial console's log file (required)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${QL_BUILD:-$(dirname "$here")/build}
name=census type=qemu vcpus=8 topo= gic=3 mem=1024
emulator=$build/bin/qemu-system-aarch64 kernel=$build/guest/census.bin
cmdline=timeout=120 serial= initrd=
die() { echo "domain.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1 needs a value"
    case $1 in
    --name) name=$2 ;;
    --type) type=$2 ;;
    --vcpus) vcpus=$2 ;;
    --topology) topo=$2 ;;
    --gic) gic=$2 ;;
    --memory) mem=$2 ;;
    --emulator) emulator=$2 ;;
    --kernel) kernel=$2 ;;
    --cmdline) cmdline=$2 ;;
    --initrd) initrd=$2 ;;
    --serial) serial=$2 ;;
    *) die "unknown option $1" ;;
    esac
    shift 2
done
[ -n "$serial" ] || die "--serial PATH is required"
num() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive whole number, not '$2'"; }
num --vcpus "$vcpus"
num --memory "$mem"
case $type in
qemu) mode=maximum ;;
kvm) mode=host-passthrough ;;
*) die "--type is qemu or kvm" ;;
esac
IFS=, read -r s c t <<<"${topo:-$vcpus,1,1}"
[ -n "$s" ] && [ -n "$c" ] && [ -n "$t" ] || die "--topology is S,C,T"
num --topology "$s"; num --topology "$c"; num --topology "$t"
case $gic in
2|3) gicsed="s|<gic version='3'/>|<gic version='$gic'/>|" ;;
default) gicsed="/<features>/,/<\/features>/d" ;;
*) die "--gic is 2, 3 or default" ;;
esac
# esc TEXT: XML-escaped (text and attribute values), then for sed's s|||
esc() {
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' \
        -e "s/'/\&apos;/g" -e 's/"/\&quot;/g' -e 's/[&|\\]/\\&/g' <<<"$1"
}
if [ -n "$initrd" ]; then initrdsed="s|@INITRD@|$(esc "$initrd")|"; else initrdsed="/@INITRD@/d"; fi
sed -e '/^<!--/,/^-->/d' -e "$gicsed" -e "$initrdsed" \
    -e "s|@TYPE@|$type|" -e "s|@NAME@|$(esc "$name")|" \
    -e "s|@MEMORY_MIB@|$mem|" -e "s|@VCPUS@|$vcpus|" \
    -e "s|@KERNEL@|$(esc "$kernel")|" -e "s|@CMDLINE@|$(esc "$cmdline")|" \
    -e "s|@CPU_MODE@|$mode|" -e "s|@SOCKETS@|$s|" -e "s|@CORES@|$c|" \
    -e "s|@THREADS@|$t|" -e "s|@EMULATOR@|$(esc "$emulator")|" \
    -e "s|@SERIAL_LOG@|$(esc "$serial")|" "$here/large-aarch64.xml"
