#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run shell commands inside a nested KVM lab, one runner for both labs:
#   arm64  an emulated arm64 host (qemu-system-aarch64, TCG, EL2) booting the
#          pinned trixie arm64 kernel (or, with --host-kernel next, the
#          pinned trixie-backports one) with lab/initramfs.sh's initramfs;
#          the cross-built qemu-system-aarch64 (and qemu-base, if packed)
#          runs -accel kvm inside
#   x86    an emulated x86 host (qemu-system-x86_64, TCG, -cpu max: SVM)
#          booting the pinned trixie amd64 kernel with lab/x86/initramfs.sh's
#          initramfs, whose /init loads kvm-amd; the packed
#          qemu-system-x86_64 runs -accel kvm inside
# Both /inits check /dev/kvm, run the command list in /lab/files (where the
# --file payloads are, with the case helper lab/case.sh packed as
# /usr/share/qemu-large/case.sh), print "LAB-EXIT=<status>" and power off.
#
# usage: lab/run.sh [--lab arm64|x86] [--timeout S] [--outer PATH] [--log FILE]
#                   [--host-kernel default|next] [--file HOST_PATH ...]
#                   -- 'shell commands'
#        lab/run.sh [options] --script FILE
#   --lab L       which lab (default $QL_LAB, else arm64)
#   --timeout S   hard limit for the whole run (default 600): QEMU is killed
#                 and run.sh exits 124
#   --outer PATH  the outer emulator (default $QL_LAB_QEMU, else the fork's
#                 own build/bin/qemu-system-aarch64 or -x86_64)
#   --log FILE    also keep the raw console in FILE (always in
#                 build/lab/last-run.log or build/lab-x86/last-run.log)
#   --host-kernel K  the arm64 lab's host kernel (default $QL_LAB_HOST_KERNEL,
#                 else "default"): default, the pinned trixie 6.12
#                 (build/lab/Image, pin role kernel), or next, the pinned
#                 trixie-backports 7.x (build/lab/Image-next, pin role
#                 kernel-next); QL_LAB_KERNEL (an Image path) overrides both.
#                 The x86 lab has one kernel: next is refused there
#   --file PATH   make PATH available inside as /lab/files/BASENAME (the
#                 commands start in /lab/files); repeatable
#   --script FILE run FILE instead of a command string (bash in the arm64
#                 lab, busybox ash in the x86 lab)
#
# The console is streamed to stdout, each line prefixed with the host-side
# time since QEMU started ("[   3.21] ...").  The exit status is that of the
# command list, reported by /init as "LAB-EXIT=<n>"; 124 on time-out; 125
# when the lab itself failed (no LAB-EXIT line: kernel panic); a lab kernel
# without /dev/kvm is 1 with its own error line.  The last line is
#   lab: boot-to-init=<host s> total=<host s> exit=<status> lab=<L> outer=<path>
#        host-kernel=<default|next|custom> release=<the Image's uname -r, or ?>
# (one line; custom: QL_LAB_KERNEL named the Image).
#
# Environment, the same names for both labs: QL_LAB, QL_LAB_QEMU,
# QL_LAB_CPU (arm64: max,pauth-impdef=on; x86: max), QL_LAB_SMP (2),
# QL_LAB_MEM (arm64 4G, x86 2G), QL_LAB_APPEND (extra kernel arguments),
# QL_LAB_EXTRA (extra outer options, split at spaces), QL_LAB_KERNEL,
# QL_LAB_INITRAMFS; QL_LAB_HOST_KERNEL (arm64: default or next, as
# --host-kernel).
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"
export LC_ALL=C

for v in OUTER_QEMU QL_LAB_X86_SMP QL_LAB_X86_MEM QL_LAB_X86_CPU QL_LAB_X86_APPEND \
         QL_LAB_X86_EXTRA QL_LAB_X86_INITRAMFS QL_LAB_X86_KERNEL QL_LAB_X86_INNER \
         QL_LAB_QEMU_EXTRA QL_LAB_KERNEL_IMAGE; do
    [ -z "${!v:-}" ] || die "$v is no longer read: both labs take the QL_LAB_* names (see lab/run.sh --help)"
done
kind=${QL_LAB:-arm64}
timeout_s=600
outer=${QL_LAB_QEMU:-}
host_kernel=${QL_LAB_HOST_KERNEL:-default}
keep=
files=()
script=
cmd=
while [ $# -gt 0 ]; do
    case $1 in
        --lab) [ $# -ge 2 ] || die "--lab needs arm64 or x86"; kind=$2; shift 2 ;;
        --timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout_s=$2; shift 2 ;;
        --outer) [ $# -ge 2 ] || die "--outer needs a path"; outer=$2; shift 2 ;;
        --log) [ $# -ge 2 ] || die "--log needs a path"; keep=$2; shift 2 ;;
        --host-kernel) [ $# -ge 2 ] || die "--host-kernel needs default or next"; host_kernel=$2; shift 2 ;;
        --file) [ $# -ge 2 ] || die "--file needs a path"; files+=("$2"); shift 2 ;;
        --script) [ $# -ge 2 ] || die "--script needs a file"; script=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; cmd="$*"; break ;;
        -*) die "unknown option '$1' (see lab/run.sh --help)" ;;
        *) cmd="$*"; break ;;
    esac
done
[[ $timeout_s =~ ^[0-9]+$ ]] && [ "$timeout_s" -gt 0 ] || die "--timeout wants whole seconds, not '$timeout_s'"
[ -n "$cmd" ] || [ -n "$script" ] || die "nothing to run (lab/run.sh -- 'commands' or --script FILE)"
[ -z "$cmd" ] || [ -z "$script" ] || die "give either commands or --script, not both"
[ -z "$script" ] || [ -f "$script" ] || die "script $script not found"
case $host_kernel in
    default|next) ;;
    *) die "host kernel '$host_kernel': default or next (--host-kernel, QL_LAB_HOST_KERNEL)" ;;
esac

# kernel_release IMAGE: the kernel's uname -r, read from an uncompressed
# Image ("Linux version R ...") or from an x86 bzImage's setup header
# (kernel_version: a pointer at 0x20e, from 0x200); nothing if neither.
kernel_release() {
    local r o
    if r=$(grep -a -o -m1 'Linux version [^ ]*' "$1" 2>/dev/null); then
        echo "${r#Linux version }"
    elif [ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null | tr -d '\0')" = HdrS ]; then
        o=$(od -A n -t u2 -j 526 -N 2 --endian=little "$1" | tr -d ' ')
        dd if="$1" bs=1 skip=$((o + 512)) count=128 2>/dev/null | tr '\0' '\n' | awk 'NR == 1 { print $1 }'
    fi
}

bindir=${QL_BUILD:-$top/build}/bin
case $kind in
arm64)
    dir=$out
    outer=${outer:-$bindir/qemu-system-aarch64}
    case $host_kernel in
        default) image=$dir/Image ;;
        next) image=$dir/Image-next ;;
    esac
    if [ -n "${QL_LAB_KERNEL:-}" ]; then
        [ "$host_kernel" = default ] || note "QL_LAB_KERNEL=$QL_LAB_KERNEL overrides host kernel $host_kernel"
        image=$QL_LAB_KERNEL host_kernel=custom
    fi
    initramfs=${QL_LAB_INITRAMFS:-$dir/initramfs.cpio.gz}
    machine=(-machine virt,virtualization=on,gic-version=3 -cpu "${QL_LAB_CPU:-max,pauth-impdef=on}")
    mem=${QL_LAB_MEM:-4G} console=ttyAMA0 make_hint="lab/initramfs.sh"
    ;;
x86)
    dir=${QL_BUILD:-$top/build}/lab-x86
    outer=${outer:-$bindir/qemu-system-x86_64}
    [ "$host_kernel" = default ] || die "host kernel $host_kernel: the x86 lab has one host kernel (drop --host-kernel or QL_LAB_HOST_KERNEL)"
    image=${QL_LAB_KERNEL:-$dir/vmlinuz}
    [ -z "${QL_LAB_KERNEL:-}" ] || host_kernel=custom
    initramfs=${QL_LAB_INITRAMFS:-$dir/initramfs.cpio}
    machine=(-accel tcg -cpu "${QL_LAB_CPU:-max}")
    mem=${QL_LAB_MEM:-2G} console=ttyS0 make_hint="lab/x86/fetch.sh, lab/x86/initramfs.sh"
    ;;
*) die "--lab $kind: no such lab (arm64 or x86)" ;;
esac
[ -x "$outer" ] || die "outer emulator $outer not found (make, or set QL_LAB_QEMU)"
[ -f "$image" ] || die "$image not found ($make_hint)"
[ -f "$initramfs" ] || die "$initramfs not found ($make_hint)"
need_tools cpio timeout
release=$(kernel_release "$image")
release=${release:-?}

mkdir -p "$dir"
run=$(mktemp -d "$dir/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
# The run's own cpio, appended to the initramfs: /lab/cmd.sh and the files
# (symbolic links here, followed by cpio -L).
lab_pack_run "$run" "$initramfs" "$script" "$cmd" ${files[@]+"${files[@]}"}

# This run's console (parsed below), copied to last-run.log at the end.
log=$run/console.log
: >"$log"
start=${EPOCHREALTIME/./}
t_init=
# shellcheck disable=SC2206  # QL_LAB_EXTRA: options split at spaces
qemu_cmd=("$outer" "${machine[@]}" -smp "${QL_LAB_SMP:-2}"
          -m "$mem" -nographic -no-reboot -nic none
          -kernel "$image" -initrd "$run/initrd"
          -append "console=$console rdinit=/init panic=-1 quiet ${QL_LAB_APPEND:-}"
          ${QL_LAB_EXTRA:-})
note "booting the $kind lab (outer $outer, host kernel $host_kernel: $release, time-out ${timeout_s} s)"
shopt -s lastpipe
set +e
timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" </dev/null 2>&1 | lab_stamp "lab: /init up"
qrc=${PIPESTATUS[0]}
set -e
end=${EPOCHREALTIME/./}
total=$(printf '%d.%02d' $(((end - start) / 1000000)) $(((end - start) % 1000000 / 10000)))
cp "$log" "$dir/last-run.log"
[ -z "$keep" ] || cp "$log" "$keep"

summary() {
    echo "lab: boot-to-init=${t_init:-?} total=$total exit=$1 lab=$kind outer=$outer host-kernel=$host_kernel release=$release"
}
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    echo "lab: error: time-out: the lab did not finish within ${timeout_s} s; QEMU killed" >&2
    summary 124
    exit 124
fi
rc=$(sed -n 's/^LAB-EXIT=\([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
if [ -z "$rc" ]; then
    echo "lab: error: the lab stopped after $total s without reporting LAB-EXIT (outer QEMU status $qrc; see $dir/last-run.log)" >&2
    rc=125
fi
summary "$rc"
exit "$rc"
