# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# The in-lab case helper, one file for every suite that runs QEMU on a KVM
# host: packed into both labs' initramfs as /usr/share/qemu-large/case.sh,
# sourced by the in-lab half of each lab test (tests/lib/table.lab.sh or
# tests/lab-*/NAME.lab.sh),
# and the same file, unchanged, on a real KVM host (make check-host) or on
# this machine under TCG.  POSIX sh: busybox ash (x86 lab), dash and bash
# (arm64 lab, real hosts) run it (tests/harness/test-case-layer.sh).
#
# What it does for a case: run one command with a time-out in a scratch
# directory of its own, with core dumps enabled; report its exit status,
# the signal that killed it, whether it timed out or left a core file; frame
# its output so that the host side (tests/lib/cases.sh) can take it apart;
# check a census guest's verdict.  Output of one case:
#   CASE-BEGIN NAME
#   CASE-OUT NAME| LINE        stdout, one line each (\r dropped; census
#   CASE-ERR NAME| LINE        stderr    per-CPU lines left out; at most
#                                        $case_max_lines of each)
#   CASE-CENSUS NAME cpus=A/B ppi=C/D sgi=E/F failed=0|1 runs=K complete=N|no
#                              only when stdout has a census line: the last
#                              census of guest/census.c (K of them in all),
#                              complete=N when all N CPUs, PPIs and SGIs came
#                              and no census FAILED
#   CASE-NOTE NAME KEY=VALUE ...  facts and measurements (case_note)
#   CASE-END NAME rc=R sig=S timeout=yes|no core=yes|no ms=T errlines=E
#                              R the exit status, S the signal number that
#                              killed it (rc > 128, not a time-out) or -,
#                              E the lines of stderr (those shown: at most
#                              $case_max_lines)
#
# Variables (the defaults are the labs'; a real host sets them):
#   QEMU       the fork's emulator (qemu-system-aarch64 / -x86_64 per uname -m)
#   QEMU_BASE  the unpatched base (qemu-base; packed only when asked)
#   QL_SHIMS   where kvmfault.so, irqlog.so, ioctlcount.so are (/usr/lib)
#   QL_FILES   the payloads, census.bin and the like (/lab/files)
#   QL_CASE_TMP  scratch directories (/tmp/ql-cases)
#   QL_CASE_GROUPS  run only the table rows of these groups (default all)
#   QL_CASE_ONLY    run only the table rows with these names (default all)
case "$(uname -m)" in
aarch64) : "${QEMU:=qemu-system-aarch64}" ;;
*) : "${QEMU:=qemu-system-x86_64}" ;;
esac
: "${QEMU_BASE:=qemu-base}" "${QL_SHIMS:=/usr/lib}" "${QL_FILES:=/lab/files}"
: "${QL_CASE_TMP:=/tmp/ql-cases}"
case_max_lines=${case_max_lines:-60}
case_input=         # a file: the case's stdin (case_run); else /dev/null
case_hold=          # non-empty: hold that stdin open until the case ends
case_stamp=         # non-empty: stdout lines as "+MS LINE" (ms since the start)

# case_now: milliseconds since the epoch (or since boot when date lacks %N)
case_now() {
    _n=$(date +%s%N 2>/dev/null)
    case $_n in
    *N|'') awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime ;;
    *) echo $((_n / 1000000)) ;;
    esac
}

# case_run NAME SECONDS [VAR=VALUE ...] -- CMD [ARG ...]: run CMD with the
# variables in its environment (any KVMFAULT_* adds the fault-injection shim
# to LD_PRELOAD) under SECONDS of time-out, in $QL_CASE_TMP/NAME, stdin
# $case_input or /dev/null, and report it as above.  Returns CMD's status.
case_run() {
    _name=$1 _secs=$2
    shift 2
    _env= _pre=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        case $1 in
        KVMFAULT_*) _pre="$_pre:$QL_SHIMS/kvmfault.so"; _env="$_env $1" ;;
        LD_PRELOAD=*) _pre="$_pre:${1#LD_PRELOAD=}" ;;
        *) _env="$_env $1" ;;
        esac
        shift
    done
    # the shims in one LD_PRELOAD (kvmfault.so once)
    [ -z "$_pre" ] || _env="$_env LD_PRELOAD=$(printf '%s' "${_pre#:}" | tr ':' '\n' | awk '!seen[$0]++ { printf "%s%s", sep, $0; sep = ":" }')"
    [ "${1:-}" = -- ] && shift
    _dir=$QL_CASE_TMP/$_name
    rm -rf "$_dir"
    mkdir -p "$_dir"
    echo "CASE-BEGIN $_name"
    _t0=$(case_now)
    _in=${case_input:-/dev/null} _feed=
    if [ -n "$case_hold" ]; then
        # a QMP conversation: its end must not close the monitor before
        # QEMU has answered (QMP drops queued commands at EOF), so a feeder
        # holds the pipe open until the case ends
        _in=$_dir/in
        mkfifo "$_in"
        (cat "$case_input"; exec sleep "$_secs") >"$_in" &
        _feed=$!
    fi
    _out=$_dir/out _st=
    if [ -n "$case_stamp" ]; then
        # each stdout line as "+MS LINE", MS since the case started
        _out=$_dir/out.fifo
        mkfifo "$_out"
        (while IFS= read -r _l; do printf '+%s %s\n' $(($(case_now) - _t0)) "$_l"; done <"$_out" >"$_dir/out") &
        _st=$!
    fi
    # shellcheck disable=SC2086  # _env: assignments split at spaces
    (cd "$_dir" && ulimit -c unlimited 2>/dev/null
     exec env $_env timeout "$_secs" "$@" <"$_in" >"$_out" 2>"$_dir/err")
    _rc=$?
    [ -z "$_st" ] || wait "$_st"
    if [ -n "$_feed" ]; then
        kill "$_feed" 2>/dev/null
        wait "$_feed" 2>/dev/null
    fi
    _t1=$(case_now)
    case_report "$_name" "$_rc" $((_t1 - _t0)) "$_secs"
    return "$_rc"
}

# case_report NAME RC MS [SECONDS]: the framed report of a command that
# left its output in $QL_CASE_TMP/NAME/out and err (case_run, or a test
# that ran something itself)
case_report() {
    _name=$1 _rc=$2 _ms=$3 _secs=${4:-0}
    _dir=$QL_CASE_TMP/$_name
    # (awk: a last line without its newline still ends its report line)
    tr -d '\r' <"$_dir/out" 2>/dev/null | grep -v '^census: cpu [0-9]' | grep -v '^ *$' |
        head -n "$case_max_lines" | awk -v p="CASE-OUT $_name| " '{ print p $0 }'
    tr -d '\r' <"$_dir/err" 2>/dev/null | head -n "$case_max_lines" |
        awk -v p="CASE-ERR $_name| " '{ print p $0 }'
    case_census "$_name" "$_dir/out"
    _to=no _sig=-
    # coreutils' timeout exits 124; busybox's sends TERM and passes on the
    # command's status, which for QEMU (it exits 0 on SIGTERM) says
    # nothing: a case that ran its whole time-out timed out, whatever it says
    if [ "$_rc" = 124 ] || { [ "$_secs" -gt 0 ] && [ "$_ms" -ge $((_secs * 1000)) ]; }; then
        _to=yes
    elif [ "$_rc" -gt 128 ]; then
        _sig=$((_rc - 128))
    fi
    _el=$(tr -d '\r' <"$_dir/err" 2>/dev/null | grep -c '')
    if ls "$_dir"/core* >/dev/null 2>&1; then _core=yes; else _core=no; fi
    echo "CASE-END $_name rc=$_rc sig=$_sig timeout=$_to core=$_core ms=$_ms errlines=$_el"
}

# case_note NAME KEY=VALUE ...: a measurement or a fact of the host, for
# the host side (CASE-NOTE NAME KEY=VALUE ...)
case_note() {
    echo "CASE-NOTE $*"
}

# case_census_count FILE: how many census verdict lines FILE has so far
# (for a test that waits for a guest's census)
case_census_re='^census: cpus=[0-9]*/[0-9]* ppi='
case_census_count() {
    tr -d '\r' <"$1" 2>/dev/null | grep -c "$case_census_re"
}

# case_census NAME FILE: the CASE-CENSUS line of FILE's last census, if it
# has one.  The one place where a census line is read.
case_census() {
    _l=$(tr -d '\r' <"$2" 2>/dev/null | grep "$case_census_re" | tail -n 1)
    [ -n "$_l" ] || return 0
    _k=$(case_census_count "$2")
    if grep -q '^census: FAILED' "$2"; then _f=1; else _f=0; fi
    printf '%s\n' "$_l" | awk -v name="$1" -v f="$_f" -v k="$_k" '{
        split($2, c, "[=/]"); split($3, p, "[=/]"); split($4, s, "[=/]")
        ok = f == 0 && c[2] == c[3] && p[2] == c[3] && p[3] == c[3] && s[2] == c[3] && s[3] == c[3]
        printf "CASE-CENSUS %s %s %s %s failed=%d runs=%d complete=%s\n", name, $2, $3, $4, f, k, ok ? c[3] : "no"
    }'
}

# case_qmp_input NAME LIST: write a QMP conversation to the case's stdin
# file and point case_input at it.  LIST: commands separated by ";", each a
# command name ({"execute": NAME}), "hmp:TEXT" (human-monitor-command) or a
# raw JSON object; qmp_capabilities comes first and quit last.  QEMU reads
# them in order and answers in order; stdin stays open until quit.
case_qmp_input() {
    mkdir -p "$QL_CASE_TMP"
    _f=$QL_CASE_TMP/$1.in
    {
        echo '{"execute":"qmp_capabilities"}'
        printf '%s\n' "$2" | tr ';' '\n' | while IFS= read -r _c; do
            _c=$(printf '%s\n' "$_c" | sed 's/^ *//; s/ *$//')
            case $_c in
            '') ;;
            '{'*) printf '%s\n' "$_c" ;;
            hmp:*) printf '{"execute":"human-monitor-command","arguments":{"command-line":"%s"}}\n' "${_c#hmp:}" ;;
            *) printf '{"execute":"%s"}\n' "$_c" ;;
            esac
        done
        echo '{"execute":"quit"}'
    } >"$_f"
    case_input=$_f case_hold=1
}

# case_hmp_input NAME LIST: the same for an HMP monitor on stdio: the
# ";"-separated lines as they are (the list says quit itself)
case_hmp_input() {
    mkdir -p "$QL_CASE_TMP"
    printf '%s\n' "$2" | tr ';' '\n' | sed 's/^ *//; s/ *$//' >"$QL_CASE_TMP/$1.in"
    case_input=$QL_CASE_TMP/$1.in case_hold=
}

# case_table FILE [SECONDS]: run every case of a case table (the format is
# in tests/lib/cases.sh; this side reads the first line of each row: name,
# environment, command, input) with SECONDS of time-out each (default 900).
# "@ NAME=VALUE" lines set shell variables first, for the rows to use.
# Ends with "CASE-TABLE-DONE FILE".
case_table() {
    _tab=$1 _tsecs=${2:-900}
    while IFS= read -r _row; do
        case $_row in
        '@ '*) eval "${_row#@ }"; continue ;;
        ''|'#'*|' '*|'	'*) continue ;;
        esac
        # name | environment | command | input | expect | groups
        _oifs=$IFS; IFS='|'
        # shellcheck disable=SC2086
        set -f; set -- $_row; set +f
        IFS=$_oifs
        if [ $# != 6 ]; then
            echo "case_table: $_tab: a row with $# fields, not 6: $_row" >&2
            continue
        fi
        _cn=$(printf '%s' "$1" | tr -d ' ') _ce=$(eval "echo $2") _cc=$3
        _ci=$(printf '%s\n' "$4" | sed 's/^ *//; s/ *$//') _cg=$(printf '%s' "$6" | tr ',' ' ')
        if [ -n "${QL_CASE_ONLY:-}" ]; then
            case " $QL_CASE_ONLY " in *" $_cn "*) ;; *) continue ;; esac
        fi
        if [ -n "${QL_CASE_GROUPS:-}" ]; then
            _hit=
            for _g in $_cg; do
                case " $QL_CASE_GROUPS " in *" $_g "*) _hit=1 ;; esac
            done
            [ -n "$_hit" ] || continue
        fi
        case_input='' case_hold=''
        case $_ci in
        qmp:*) case_qmp_input "$_cn" "${_ci#qmp:}" ;;
        hmp:*) case_hmp_input "$_cn" "${_ci#hmp:}" ;;
        esac
        # shellcheck disable=SC2086  # the row's words, variables expanded
        eval "set -- $_cc"
        # shellcheck disable=SC2086
        case_run "$_cn" "$_tsecs" $_ce -- "$@" || true
        case_input='' case_hold=''
    done <"$_tab"
    echo "CASE-TABLE-DONE $(basename "$_tab")"
}
