#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boot the nested x86 (SVM) lab: an outer qemu-system-x86_64 (TCG,
# -cpu max: SVM) runs the pinned trixie amd64 kernel with
# lab/x86/initramfs.sh's initramfs, whose /init loads kvm-amd, reports
# nrips and /dev/kvm, and runs the L2 guest tiny.bin under the inner
# qemu-system-x86_64 -accel kvm (see lab/x86/init.sh).
#
# usage: lab/x86/run.sh [--timeout S] [--outer PATH] [--log FILE]
#                       [--file HOST_PATH ...] [-- 'shell commands' | --script FILE]
#   --timeout S   hard limit for the whole run (default 300): QEMU is killed
#                 and run.sh exits 124
#   --outer PATH  the outer emulator (default $OUTER_QEMU, else the fork's
#                 build/bin/qemu-system-x86_64)
#   --log FILE    also keep the raw console in FILE (always in
#                 build/lab-x86/last-run.log)
#   --file PATH   make PATH available inside as /lab/files/BASENAME
#   -- CMDS       shell commands (busybox ash) run after the L2 guest, in
#   --script FILE /lab/files; their status becomes the exit status
#
# The console goes to stdout, each line prefixed with the host-side time
# since QEMU started ("[   3.21] ...").  Exit status: /init's LAB-EXIT
# (0: tiny.bin ran to "tiny: done" and exited through isa-debug-exit; or
# the command list's status), 124 on time-out, 125 when the lab stopped
# without LAB-EXIT (kernel panic).  The last line is
#   lab-x86: boot-to-init=<host s> total=<host s> exit=<status> outer=<path>
#
# Environment: OUTER_QEMU, QL_LAB_X86_SMP (2), QL_LAB_X86_MEM (2G),
# QL_LAB_X86_CPU (max), QL_LAB_X86_APPEND (extra kernel arguments, e.g.
# lab.cpu=qemu64), QL_LAB_X86_EXTRA (extra outer options),
# QL_LAB_X86_INITRAMFS, QL_LAB_X86_KERNEL.
set -euo pipefail
# shellcheck source=lab/x86/common.sh
. "$(dirname "$0")/common.sh"
export LC_ALL=C

timeout_s=300
outer=${OUTER_QEMU:-${QL_BUILD:-$top/build}/bin/qemu-system-x86_64}
keep=
files=()
script=
cmd=
while [ $# -gt 0 ]; do
    case $1 in
        --timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout_s=$2; shift 2 ;;
        --outer) [ $# -ge 2 ] || die "--outer needs a path"; outer=$2; shift 2 ;;
        --log) [ $# -ge 2 ] || die "--log needs a path"; keep=$2; shift 2 ;;
        --file) [ $# -ge 2 ] || die "--file needs a path"; files+=("$2"); shift 2 ;;
        --script) [ $# -ge 2 ] || die "--script needs a file"; script=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; cmd="$*"; break ;;
        *) die "unknown argument '$1' (see lab/x86/run.sh --help)" ;;
    esac
done
[[ $timeout_s =~ ^[0-9]+$ ]] && [ "$timeout_s" -gt 0 ] || die "--timeout wants whole seconds, not '$timeout_s'"
[ -z "$cmd" ] || [ -z "$script" ] || die "give either commands or --script, not both"
[ -z "$script" ] || [ -f "$script" ] || die "script $script not found"
kernel=${QL_LAB_X86_KERNEL:-$out/vmlinuz}
initramfs=${QL_LAB_X86_INITRAMFS:-$out/initramfs.cpio}
[ -x "$outer" ] || die "outer emulator $outer not found (make, or set OUTER_QEMU)"
[ -f "$kernel" ] || die "$kernel not found (lab/x86/fetch.sh)"
[ -f "$initramfs" ] || die "$initramfs not found (lab/x86/initramfs.sh)"
need_tools cpio timeout

mkdir -p "$out"
run=$(mktemp -d "$out/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
initrd=$initramfs
if [ -n "$cmd$script" ] || [ ${#files[@]} -gt 0 ]; then
    lab_pack_run "$run" "$initramfs" "$script" "$cmd" ${files[@]+"${files[@]}"}
    initrd=$run/initrd
fi

log=$run/console.log
: >"$log"
start=${EPOCHREALTIME/./}
t_init=
# shellcheck disable=SC2206  # QL_LAB_X86_EXTRA: options split at spaces
qemu_cmd=("$outer" -accel tcg -cpu "${QL_LAB_X86_CPU:-max}" -smp "${QL_LAB_X86_SMP:-2}"
          -m "${QL_LAB_X86_MEM:-2G}" -nographic -no-reboot -nic none
          -kernel "$kernel" -initrd "$initrd"
          -append "console=ttyS0 rdinit=/init panic=-1 quiet ${QL_LAB_X86_APPEND:-}"
          ${QL_LAB_X86_EXTRA:-})
note "booting the lab (outer $outer, time-out ${timeout_s} s)"
shopt -s lastpipe
set +e
timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" </dev/null 2>&1 | lab_stamp "lab-x86: /init up"
qrc=${PIPESTATUS[0]}
set -e
end=${EPOCHREALTIME/./}
total=$(printf '%d.%02d' $(((end - start) / 1000000)) $(((end - start) % 1000000 / 10000)))
cp "$log" "$out/last-run.log"
[ -z "$keep" ] || cp "$log" "$keep"

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    echo "lab-x86: error: time-out: the lab did not finish within ${timeout_s} s; QEMU killed" >&2
    echo "lab-x86: boot-to-init=${t_init:-?} total=$total exit=124 outer=$outer"
    exit 124
fi
rc=$(sed -n 's/^LAB-EXIT=\([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
if [ -z "$rc" ]; then
    echo "lab-x86: error: the lab stopped after $total s without reporting LAB-EXIT (outer QEMU status $qrc; see $out/last-run.log)" >&2
    rc=125
fi
echo "lab-x86: boot-to-init=${t_init:-?} total=$total exit=$rc outer=$outer"
exit "$rc"
