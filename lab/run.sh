#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run shell commands inside the nested arm64 KVM lab: an emulated arm64 host
# (x86 qemu-system-aarch64, TCG, EL2) booting the pinned trixie kernel with
# lab/initramfs.sh's initramfs, in which /dev/kvm works and the cross-built
# qemu-system-aarch64 (and qemu-base, if packed) can run -accel kvm.
#
# usage: lab/run.sh [--timeout S] [--file HOST_PATH ...] -- 'shell commands'
#        lab/run.sh [--timeout S] [--file HOST_PATH ...] --script FILE
#   --timeout S   hard limit for the whole run (default 600): QEMU is killed
#                 and run.sh exits 124
#   --file PATH   make PATH available inside as /lab/files/BASENAME (the
#                 commands start in /lab/files); repeatable
#   --script FILE run FILE (bash) instead of a command string
#
# The console is streamed to stdout, each line prefixed with the host-side
# time since QEMU started ("[   3.21] ...") and kept in build/lab/last-run.log
# (raw).  The exit status is that of the command list, reported by /init as
# "LAB-EXIT=<n>"; 124 on time-out; 125 when the lab itself failed (no
# LAB-EXIT line: kernel panic, no /dev/kvm is 1 with its own error line).
#
# Environment: QL_LAB_QEMU outer emulator (default build/bin/qemu-system-aarch64,
# the fork's own x86 build), QL_LAB_CPU (default max,pauth-impdef=on),
# QL_LAB_SMP (2), QL_LAB_MEM (4G), QL_LAB_APPEND (extra kernel arguments),
# QL_LAB_INITRAMFS, QL_LAB_KERNEL_IMAGE, QL_LAB_QEMU_EXTRA (extra outer options).
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/common.sh"
export LC_ALL=C

timeout_s=600
files=()
script=
cmd=
while [ $# -gt 0 ]; do
    case $1 in
        --timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout_s=$2; shift 2 ;;
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

outer=${QL_LAB_QEMU:-${QL_BUILD:-$top/build}/bin/qemu-system-aarch64}
image=${QL_LAB_KERNEL_IMAGE:-$out/Image}
initramfs=${QL_LAB_INITRAMFS:-$out/initramfs.cpio.gz}
[ -x "$outer" ] || die "outer emulator $outer not found (make, or set QL_LAB_QEMU)"
[ -f "$image" ] || die "$image not found (lab/initramfs.sh)"
[ -f "$initramfs" ] || die "$initramfs not found (lab/initramfs.sh)"
need_tools cpio timeout

mkdir -p "$out"
run=$(mktemp -d "$out/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
# The run's own cpio, appended to the initramfs: /lab/cmd.sh and the files
# (symbolic links here, followed by cpio -L).
lab_pack_run "$run" "$initramfs" "$script" "$cmd" ${files[@]+"${files[@]}"}

# This run's console (parsed below), copied to last-run.log at the end.
log=$run/console.log
: >"$log"
start=${EPOCHREALTIME/./}
t_init=
# shellcheck disable=SC2054,SC2206  # QL_LAB_QEMU_EXTRA: options split at spaces
qemu_cmd=("$outer" -machine virt,virtualization=on,gic-version=3
          -cpu "${QL_LAB_CPU:-max,pauth-impdef=on}" -smp "${QL_LAB_SMP:-2}"
          -m "${QL_LAB_MEM:-4G}" -nographic -no-reboot -nic none
          -kernel "$image" -initrd "$run/initrd"
          -append "console=ttyAMA0 rdinit=/init panic=-1 quiet ${QL_LAB_APPEND:-}"
          ${QL_LAB_QEMU_EXTRA:-})
note "booting the lab (outer $outer, time-out ${timeout_s} s)"
shopt -s lastpipe
set +e
timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" </dev/null 2>&1 | lab_stamp "lab: /init up"
qrc=${PIPESTATUS[0]}
set -e
end=${EPOCHREALTIME/./}
total=$(printf '%d.%02d' $(((end - start) / 1000000)) $(((end - start) % 1000000 / 10000)))

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    echo "lab: error: time-out: the lab did not finish within ${timeout_s} s; QEMU killed" >&2
    exit 124
fi
cp "$log" "$out/last-run.log"
log=$out/last-run.log
rc=$(sed -n 's/^LAB-EXIT=\([0-9][0-9]*\)$/\1/p' "$run/console.log" | tail -1)
if [ -z "$rc" ]; then
    echo "lab: error: the lab stopped after $total s without reporting LAB-EXIT (outer QEMU status $qrc; see $log)" >&2
    exit 125
fi
note "/init after ${t_init:-?} s; command list exited $rc; total $total s"
exit "$rc"
