# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source=lab/case.sh
# The in-lab half of test-migrate-kvm.sh (bash): the rows of migrate.cases,
# which call this script again for the steps that drive two QEMU processes
# over QMP.  The guest is the census payload with its run phase (bootargs
# "run tick-ms=T check-ms=C", guest/census.c): every vCPU ticks on its own
# timer and passes SGIs round a ring; the boot vCPU checks every C ms and
# prints "run: check=K ok ..." or names the stalled vCPUs and the lost or
# duplicated SGIs; the byte 'v' on its serial line asks for the verdict
# ("run: verdict ok checks=K"), after which it powers off.
#
# Steps (BIN: the QEMU binary, for live and file also SRC,DST for two;
# N: vCPUs; T, C: tick-ms and check-ms):
#   live BIN N T C [reset]  the guest runs; a second process of BIN waits
#                        with -incoming unix:; migrate while the guest runs;
#                        on the destination the checks go on, then the
#                        verdict ("reset": system_reset there first, so the
#                        census runs again)
#   file BIN N T C [reset]  migrate to a file (file:), quit, a fresh process
#                        restores it (-incoming file:) and runs on
#   savevm BIN N T C [reset]  a qcow2 disk ($QL_FILES/snap.qcow2, copied):
#                        savevm while the guest runs, which carries on;
#                        loadvm in the same process (the guest goes back
#                        to the snapshot and runs on); quit; a fresh
#                        process started with -loadvm runs on
#   limit BIN N T C      the destination runs under the fault-injection
#                        shim with MG_DST_SHIM (a host vCPU limit below N):
#                        it refuses to start, the source's migrate fails and
#                        its guest runs on
#   refuse BIN N N2 T C  the destination has N2 vCPUs: it must exit 1, the
#                        source's migration fail and its guest run on
#   truncate BIN N T C   the file cut in half: the destination exits 1; the
#                        source, paused after the migration, continues
#   cancel BIN N T C     a slow migration (max-bandwidth) cancelled on the
#                        source mid-stream: the destination sees the stream
#                        end and exits 1, the source runs on
#   drop BIN N T C       the destination killed (SIGKILL) mid-stream: the
#                        source's migration fails and its guest runs on
# MG_APPEND: more bootargs for the guest (the negative control's
# run-stall=N).  Each step's stdout: the serial output of each process in turn (headed
# "== source" / "== destination"), "migrate: ..." lines with
# query-migrate's times, and "dest-exit=R" where a destination should fail.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
# MG_ACCEL: kvm (default, -cpu host) or tcg (-cpu max: make check's rows)
case ${MG_ACCEL:-kvm} in
tcg) A=(-accel tcg -cpu max) ;;
*) A=(-accel kvm -cpu host) ;;
esac
Q=("${A[@]}" -M "${MG_MACHINE:-virt},gic-version=3,dtb-randomness=off" -m 1G -display none -nic none -monitor none -kernel "$QL_FILES/census.bin")
W=${MG_WAIT:-1800}      # seconds any wait may take
d=${QL_CASE_TMP:-/tmp}/mig.$$
mkdir -p "$d"

# vm_start NAME BIN N APPEND ARGS...: QEMU in the background, QMP on the
# FIFO pair $d/NAME.qmp.{in,out} (fds NAME_I, NAME_O), serial output to
# $d/NAME.ser, serial input from the FIFO $d/NAME.tty (fd NAME_T)
vm_start() {
    local n=$1 bin=$2 cpus=$3 app=$4
    shift 4
    rm -f "$d/$n".*
    mkfifo "$d/$n.qmp.in" "$d/$n.qmp.out" "$d/$n.tty"
    # read-write opens: none of them waits for QEMU
    eval "exec {${n}_I}<>\"$d/$n.qmp.in\" {${n}_O}<>\"$d/$n.qmp.out\" {${n}_T}<>\"$d/$n.tty\""
    # MG_DST_SHIM: KVMFAULT_* settings for the destination alone, through
    # the fault-injection shim (lab/kvmfault.c)
    local pre=()
    [ "$n" != dst ] || [ -z "${MG_DST_SHIM:-}" ] ||
        pre=(env LD_PRELOAD="${QL_SHIMS:-/usr/lib}/kvmfault.so" $MG_DST_SHIM)
    "${pre[@]}" "$bin" "${Q[@]}" -smp "$cpus" -append "$app" \
        -chardev "file,id=ser,path=$d/$n.ser,input-path=$d/$n.tty" -serial chardev:ser \
        -chardev "pipe,id=qmp,path=$d/$n.qmp" -mon chardev=qmp,mode=control \
        "$@" 2>"$d/$n.err" &
    eval "${n}_PID=$!"
    qmp "$n" '{"execute":"qmp_capabilities"}' return
}
# qmp NAME JSON WANT: send, read until a line containing WANT (the line in
# $reply); an error answer fails, and so does the process ending
qmp() {
    local i o pid line t=0
    eval "i=\$${1}_I o=\$${1}_O pid=\$${1}_PID"
    echo "$2" >&"$i"
    while [ $t -lt "$W" ]; do
        if read -r -t 1 -u "$o" line; then
            case $line in *'"error"'*) echo "QMP $1: $line" >&2; return 1 ;;
                          *"$3"*) reply=$line; return 0 ;; esac
            continue
        fi
        kill -0 "$pid" 2>/dev/null || { echo "QMP $1: the process ended" >&2; return 1; }
        t=$((t + 1))
    done
    echo "QMP $1: no answer with $3" >&2
    return 1
}
# migrated NAME: poll query-migrate until completed (0) or failed (1)
migrated() {
    while qmp "$1" '{"execute":"query-migrate"}' return; do
        case $reply in
        *'"completed"'*) return 0 ;;
        *'"failed"'*|*'"cancelled"'*) echo "migration on $1: $reply" >&2; return 1 ;;
        esac
        sleep 0.2
    done
    return 1
}
# mig_times NAME WHAT: a line with query-migrate's times of the last one
mig_times() {
    local t dt
    t=$(printf '%s\n' "$reply" | sed -n 's/.*"total-time": *\([0-9]*\).*/\1/p')
    dt=$(printf '%s\n' "$reply" | sed -n 's/.*"downtime": *\([0-9]*\).*/\1/p')
    echo "migrate: $2 total-time-ms=${t:-?} downtime-ms=${dt:-?}"
}
# checks NAME: how many "run: check=K ok" lines its serial has
checks() { grep -c '^run: check=[1-9][0-9]* ok' "$d/$1.ser" 2>/dev/null; }
# run_on NAME K: wait until K more checks passed on NAME (1 if one failed)
run_on() {
    local have want=$(($(checks "$1") + $2)) i
    for i in $(seq 1 $((W * 5))); do
        have=$(checks "$1")
        [ "$have" -lt "$want" ] || return 0
        grep -q '^run: check=[0-9]* FAILED\|^census: FAILED\|^run: verdict' "$d/$1.ser" 2>/dev/null && break
        sleep 0.2
    done
    echo "$1: $have of $want checks passed" >&2
    return 1
}
# verdict NAME: ask for it, wait for the process to end, 0 if it said ok
verdict() {
    local i pid
    eval "pid=\$${1}_PID"
    printf v >&"$(eval "echo \$${1}_T")"
    for i in $(seq 1 $((W * 5))); do
        grep -q '^run: verdict' "$d/$1.ser" 2>/dev/null && break
        sleep 0.2
    done
    # ok: the guest powers off and QEMU ends; else it resets (no
    # -no-reboot here: that would turn QMP system_reset into a quit)
    grep -q '^run: verdict ok' "$d/$1.ser" || stop "$1" 2>/dev/null
    wait "$pid"
    echo "$1-exit=$?"
    grep -q '^run: verdict ok' "$d/$1.ser"
}
# hmp NAME COMMAND: a monitor command that must print nothing (savevm and
# loadvm print only their errors)
hmp() {
    qmp "$1" "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"$2\"}}" return || return 1
    case $reply in *'"return": ""'*) return 0 ;; esac
    echo "HMP $1 $2: $reply" >&2
    return 1
}
# stop NAME: quit it
stop() { qmp "$1" '{"execute":"quit"}' return && eval "wait \$${1}_PID"; }
show() {  # NAME: its serial and stderr, headed
    echo "== $1"
    tr -d '\r' <"$d/$1.ser"
    sed "s/^/$1: /" "$d/$1.err" >&2
}
# census_again NAME: system_reset: the census again, then its run phase
census_again() {
    local k i
    k=$(case_census_count "$d/$1.ser")
    qmp "$1" '{"execute":"system_reset"}' return || return 1
    for i in $(seq 1 $((W * 5))); do
        [ "$(case_census_count "$d/$1.ser")" -gt "$k" ] && return 0
        sleep 0.2
    done
    return 1
}
started() {  # NAME: the guest's run phase passed its first 2 checks
    run_on "$1" 2 || { echo "the guest did not get to its run phase" >&2; return 1; }
}
# resumed NAME: its guest carried on from a saved state, not booted again:
# the first line of its serial is a check (no census before it) numbered 2
# or more (states are saved after at least 2 checks)
resumed() {
    local k
    k=$(tr -d '\r' <"$d/$1.ser" | grep -m1 '^run: check=\|^census:' | sed -n 's/^run: check=\([0-9]*\) .*/\1/p')
    [ "${k:-0}" -ge 2 ] && return 0
    echo "$1: the guest did not resume (first line: $(head -1 "$d/$1.ser"))" >&2
    return 1
}
# went_back NAME LINES K: after line LINES of its serial (where the last
# check was K) the guest's first check is numbered K or less: it went back
went_back() {
    local k
    k=$(tail -n +"$(($2 + 1))" "$d/$1.ser" | tr -d '\r' | sed -n 's/^run: check=\([0-9]*\) .*/\1/p' | head -1)
    [ -n "$k" ] && [ "$k" -le "$3" ] && return 0
    echo "$1: after loadvm the first check is ${k:-none}, not one of 0..$3 again" >&2
    return 1
}
last_check() { tr -d '\r' <"$d/$1.ser" | sed -n 's/^run: check=\([0-9]*\) .*/\1/p' | tail -1; }
# dst_runs_on: unless a step failed (ok=0), the destination's guest passes 3
# more checks (with rs=reset: system_reset, the census again, 2 more), then
# its verdict; both processes' output; 0 if all passed
dst_runs_on() {
    [ $ok = 0 ] || { run_on dst 3 && resumed dst; } || ok=0
    [ $ok = 0 ] || [ "$rs" != reset ] || { census_again dst && run_on dst 2; } || ok=0
    [ $ok = 0 ] || verdict dst || ok=0
    show src
    [ -z "${dst_PID:-}" ] || show dst
    [ $ok = 1 ]
}
# src_runs_on: the same for the source's guest after a refused or failed
# migration: still running, 3 more checks pass, then its verdict
src_runs_on() {
    [ $ok = 0 ] || { run_on src 3 && verdict src; } || ok=0
    show src
    [ -z "${dst_PID:-}" ] || show dst
    [ $ok = 1 ]
}

step=${1:-}
# a step that fails leaves no QEMU behind
[ -z "$step" ] || trap 'kill -9 ${src_PID:-} ${dst_PID:-} 2>/dev/null' EXIT
case $step in
live|file)
    # BIN may be SRC,DST: the destination another QEMU (base and fork)
    bin=${2%%,*} bin2=${2#*,} n=$3 app="run tick-ms=$4 check-ms=$5${MG_APPEND:+ $MG_APPEND}" rs=${6:-}
    command -v "$bin" >/dev/null && command -v "$bin2" >/dev/null ||
        { echo "no QEMU binary '$bin' or '$bin2' here" >&2; exit 1; }
    ok=1
    vm_start src "$bin" "$n" "$app" && started src || ok=0
    if [ $ok = 1 ] && [ "$step" = live ]; then
        vm_start dst "$bin2" "$n" "$app" -incoming "unix:$d/sock" &&
            qmp src "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"unix:$d/sock\"}}" return &&
            migrated src && mig_times src "live vcpus=$n" && stop src || ok=0
    elif [ $ok = 1 ]; then
        qmp src "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"file:$d/state\"}}" return &&
            migrated src && mig_times src "to-file vcpus=$n bytes=$(stat -c %s "$d/state")" && stop src || ok=0
        [ $ok = 0 ] || { t0=$(case_now)
            vm_start dst "$bin2" "$n" "$app" -incoming "file:$d/state" && migrated dst &&
            echo "migrate: from-file vcpus=$n restore-ms=$(($(case_now) - t0))"; } || ok=0
    fi
    dst_runs_on
    exit ;;
savevm)
    bin=$2 n=$3 app="run tick-ms=$4 check-ms=$5${MG_APPEND:+ $MG_APPEND}" rs=${6:-}
    cp "$QL_FILES/snap.qcow2" "$d/disk.qcow2"
    drv=(-drive "if=none,id=disk0,format=qcow2,file=$d/disk.qcow2")
    ok=1
    vm_start src "$bin" "$n" "$app" "${drv[@]}" && started src || ok=0
    [ $ok = 0 ] || { t0=$(case_now); hmp src "savevm s1" &&
        echo "migrate: savevm vcpus=$n ms=$(($(case_now) - t0)) bytes=$(stat -c %s "$d/disk.qcow2")"; } || ok=0
    [ $ok = 0 ] || run_on src 2 || ok=0
    lines=$(wc -l <"$d/src.ser") k=$(last_check src)
    [ $ok = 0 ] || { t0=$(case_now); hmp src "loadvm s1" &&
        echo "migrate: loadvm vcpus=$n ms=$(($(case_now) - t0))"; } || ok=0
    [ $ok = 0 ] || { run_on src 2 && went_back src "$lines" "$k" && stop src; } || ok=0
    [ $ok = 0 ] || { t0=$(case_now)
        vm_start dst "$bin" "$n" "$app" "${drv[@]}" -loadvm s1 &&
            echo "migrate: -loadvm vcpus=$n restore-ms=$(($(case_now) - t0))"; } || ok=0
    dst_runs_on
    exit ;;
limit)
    # the destination, under the shim's MG_DST_SHIM, refuses to start; the
    # source's migrate then fails and its guest runs on
    bin=$2 n=$3 app="run tick-ms=$4 check-ms=$5"
    ok=1
    vm_start src "$bin" "$n" "$app" && started src || ok=0
    if [ $ok = 1 ]; then
        if vm_start dst "$bin" "$n" "$app" -incoming "unix:$d/sock"; then
            # the limit did not hold (no shim?): it waits for a stream
            echo "the destination started" >&2; ok=0
            kill -9 "$dst_PID"
        fi
        wait "$dst_PID"
        echo "dest-exit=$?"
        if qmp src "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"unix:$d/sock\"}}" return &&
           migrated src; then
            echo "the migration completed" >&2; ok=0
        fi
    fi
    src_runs_on
    exit ;;
refuse|truncate|cancel|drop)
    bin=$2 n=$3
    [ "$step" = refuse ] && { n2=$4; shift; } || n2=$n
    app="run tick-ms=$4 check-ms=$5"
    ok=1
    vm_start src "$bin" "$n" "$app" && started src || ok=0
    case $step in
    refuse|cancel|drop)
        [ $ok = 0 ] || vm_start dst "$bin" "$n2" "$app" -incoming "unix:$d/sock" || ok=0
        [ $step = refuse ] || [ $ok = 0 ] ||
            qmp src '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":1048576}}' return || ok=0
        [ $ok = 0 ] || qmp src "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"unix:$d/sock\"}}" return || ok=0
        if [ $ok = 1 ] && [ $step != refuse ]; then
            sleep 2
            if [ $step = cancel ]; then qmp src '{"execute":"migrate_cancel"}' return || ok=0
            else kill -9 "$dst_PID"; fi
        fi
        if [ $ok = 1 ]; then
            if migrated src; then echo "the migration completed" >&2; ok=0; fi
            wait "$dst_PID"
            echo "dest-exit=$?"
        fi ;;
    truncate)
        [ $ok = 0 ] || { qmp src "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"file:$d/state\"}}" return &&
            migrated src; } || ok=0
        if [ $ok = 1 ]; then
            truncate -s $(($(stat -c %s "$d/state") / 2)) "$d/state"
            vm_start dst "$bin" "$n" "$app" -incoming "file:$d/state"
            wait "$dst_PID"
            echo "dest-exit=$?"
            qmp src '{"execute":"cont"}' return || ok=0
        fi ;;
    esac
    src_runs_on
    exit ;;
esac
mkdir -p "$QL_CASE_TMP"
case_table "$QL_FILES/$QL_CASES" "$QL_CASE_SECS"
