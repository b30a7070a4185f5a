# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source=lab/case.sh
# The in-lab half of test-regcache-kvm.sh (bash): the rows of
# regcache.cases, which call this script again for the steps that talk to
# QEMU over QMP:
#   save BIN N PREFIX   -S, a migration stream to PREFIX-init, QMP
#                       system_reset, another to PREFIX-reset, quit
#   reset-census BIN N [RAN]  the census with -action shutdown=pause; when
#                       the guest powers off, system_reset and cont run it
#                       again; the serial output is the step's stdout (two
#                       censuses); RAN: a stream saved after the first run
#   restore BIN N FILE  a fresh QEMU loads FILE (-incoming), cont runs the
#                       census, system_reset and cont run it again
#   ioctls BIN N        "one-reg=K": KVM_GET_ONE_REG + KVM_SET_ONE_REG calls
#                       to QMP ready with -S (lab/ioctlcount.c), and
#                       "device-attr=K": KVM_GET/SET_DEVICE_ATTR calls
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
# RC_MACHINE: the machine type (default virt, the binary's latest)
Q="-accel kvm -M ${RC_MACHINE:-virt},gic-version=3,dtb-randomness=off -cpu host -m 1G -display none -nic none -monitor none -kernel $QL_FILES/census.bin"
qmp_start() {  # BIN N EXTRA...: QEMU with QMP on the coproc
    local bin=$1 n=$2
    shift 2
    # shellcheck disable=SC2086
    coproc QM { exec $bin $Q -smp "$n" "$@" -qmp stdio; }
    qmp '{"execute":"qmp_capabilities"}' return
}
qmp() {  # JSON WANT: send, read until a line containing WANT
    local line
    echo "$1" >&"${QM[1]}"
    while read -r -t 1200 -u "${QM[0]}" line; do
        case $line in *'"error"'*) echo "QMP error: $line" >&2; return 1 ;;
                      *"$2"*) return 0 ;; esac
    done
    echo "QMP: no answer with $2" >&2
    return 1
}
migrated() {  # WHAT: poll query-migrate until it completed (0) or failed
    local line
    while :; do
        echo '{"execute":"query-migrate"}' >&"${QM[1]}"
        read -r -t 1200 -u "${QM[0]}" line || return 1
        case $line in *completed*) return 0 ;; *failed*) echo "$1 failed: $line" >&2; return 1 ;; esac
        sleep 0.2
    done
}
save() {  # FILE: migrate to FILE and wait for completion
    qmp "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat >$1\"}}" return &&
        migrated migration
}
quit() { qmp '{"execute":"quit"}' return; wait "$QM_PID"; }
paused() {  # wait until the guest's power-off paused the VM
    local i line
    for i in $(seq 1 200); do
        echo '{"execute":"query-status"}' >&"${QM[1]}"
        read -r -t 60 -u "${QM[0]}" line || return 1
        case $line in *'"running": false'*) return 0 ;; esac
        sleep 0.2
    done
    return 1
}
# census_rounds SER [RAN]: wait for the census in SER; when the guest has
# powered off (shutdown=pause), optionally save a stream to RAN, then
# system_reset and cont run it again; after the second census, quit
census_rounds() {
    local ser=$1 ran=${2:-} round i
    for round in 1 2; do
        for i in $(seq 1 2400); do
            [ "$(case_census_count "$ser")" -ge $round ] && break
            case_census x "$ser" | grep -q ' failed=1 ' && break
            sleep 0.5
        done
        paused || { echo "the guest did not power off (round $round)" >&2; break; }
        if [ $round = 1 ]; then
            [ -z "$ran" ] || save "$ran" || return 1
            qmp '{"execute":"system_reset"}' return && qmp '{"execute":"cont"}' return || return 1
        fi
    done
    quit
}
case ${1:-} in
restore)
    # BIN N FILE: a fresh QEMU loads FILE, a stream saved at prelaunch
    # (-incoming), cont runs the census; system_reset and cont run it
    # again; the serial output is the step's stdout (two censuses)
    ser=$QL_CASE_TMP/serial-restore-$3-$(basename "$4")
    rm -f "$ser"
    qmp_start "$2" "$3" -serial "file:$ser" -action shutdown=pause -incoming "exec:cat $4" &&
        migrated "incoming migration" && qmp '{"execute":"cont"}' return || exit 1
    census_rounds "$ser" || exit 1
    cat "$ser"
    exit ;;
save)
    qmp_start "$2" "$3" -S -serial none && save "$4-init" &&
        qmp '{"execute":"system_reset"}' return && save "$4-reset" && quit
    exit ;;
reset-census)
    ser=$QL_CASE_TMP/serial-$3
    rm -f "$ser"
    qmp_start "$2" "$3" -serial "file:$ser" -action shutdown=pause || exit 1
    census_rounds "$ser" "${4:-}" || exit 1
    cat "$ser"
    exit ;;
ioctls)
    rm -f "$QL_CASE_TMP/ioctls-$3"
    qmp_start "env LD_PRELOAD=$QL_SHIMS/ioctlcount.so IOCTLCOUNT=$QL_CASE_TMP/ioctls-$3 $2" "$3" -S -serial none &&
        quit || exit 1
    echo "one-reg=$(awk '/KVM_GET_ONE_REG|KVM_SET_ONE_REG/ { s += $1 } END { print s + 0 }' "$QL_CASE_TMP/ioctls-$3")"
    echo "device-attr=$(awk '/KVM_GET_DEVICE_ATTR|KVM_SET_DEVICE_ATTR/ { s += $1 } END { print s + 0 }' "$QL_CASE_TMP/ioctls-$3")"
    exit ;;
esac
mkdir -p "$QL_CASE_TMP/rc"
case_table "$QL_FILES/$QL_CASES" "$QL_CASE_SECS"
