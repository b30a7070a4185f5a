# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The host side of the case layer: takes apart the framed reports that
# lab/case.sh prints (in a lab's console, or on a real host), and turns
# them, with the expectations of a case table, into PASS/FAIL/SKIP result
# lines (check/sub of tests/lib/test.sh).  Sourced after tests/lib/test.sh.
#
# A case table (tests/lab-*/NAME.cases) holds each case once, one row:
#   name | environment | command | input | expect | groups
#     name         the result's name
#     environment  VAR=VALUE words for the command's environment; any
#                  KVMFAULT_* adds the fault-injection shim (lab/kvmfault.c)
#     command      the command line; $QEMU, $QEMU_BASE, $QL_FILES and the
#                  table's own "@ NAME=VALUE" variables are expanded
#     input        empty (stdin /dev/null), "qmp: A; B" (a QMP conversation:
#                  capabilities, A, B, quit; an item is a command name,
#                  "hmp:TEXT" or a JSON object) or "hmp: A; B" (lines for an
#                  HMP monitor on stdio)
#     expect       "refused" (exit 1 and one clear message: see below),
#                  "exit N" (exit status N), "census N" (exit 0 and a
#                  complete census of N CPUs; "census N xK": K censuses, the
#                  last complete, none failed) or "any" (the lines decide)
#     groups       comma-separated names; QL_CASE_GROUPS selects by them
# followed by indented lines, each an expectation on the case's output:
#   out: TEXT   a whole line of stdout     err: TEXT   a whole line of stderr
#   shim: TEXT  the stderr line "kvmfault: TEXT" (the fault was injected)
#   ~out: RE, ~err: RE, ~shim: RE   a line matching the extended regex RE
#   N~err: RE   exactly N such lines (N~out:, N~shim: too)
#   !~err: RE   no such line
#   err-lines: N   N lines of stderr, the shims' own lines left out
# Every case also must not die by a signal, time out, leave a core file or
# print an assertion; and a case that is "refused" must exit 1 and say
# nothing on stderr but its expected lines, warnings and the shims' lines:
# one clear message.

# cases_load LOG: index the case reports in LOG (console time stamps and
# carriage returns dropped) under $tmp/cases/NAME.{out,err,end,census,note}
cases_load() {
    cases=$tmp/cases
    rm -rf "$cases"
    mkdir -p "$cases"
    sed 's/^\[ *[0-9.]*\] //; s/\r$//' "$1" | awk -v d="$cases" '
        function put(f, s) { print s >> (d "/" f); close(d "/" f) }
        /^CASE-(OUT|ERR) [^| ]*\| / {
            n = $2; sub(/\|$/, "", n); s = $0; sub(/^CASE-(OUT|ERR) [^|]*\| /, "", s)
            put(n ($1 == "CASE-OUT" ? ".out" : ".err"), s); next }
        /^CASE-BEGIN / { put($2 ".begin", $0); next }
        /^CASE-END / { put($2 ".end", $0); next }
        /^CASE-CENSUS / { put($2 ".census", $0); next }
        /^CASE-NOTE / { put($2 ".note", $0); next }
        /^CASE-TABLE-DONE / { put(".tables", $2); next }'
}

# case_ran NAME: the case reported its end
case_ran() { [ -f "$cases/$1.end" ]; }
# case_field NAME KEY: rc, sig, timeout, core or ms of CASE-END
case_field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$cases/$1.end" 2>/dev/null | tail -1; }
# census_n NAME: N when the case's census was complete with N CPUs, else
# what it said ("none" without a census line)
census_n() {
    local l
    l=$(tail -1 "$cases/$1.census" 2>/dev/null) || true
    [ -n "$l" ] || { echo none; return; }
    case $l in
    *" complete=no") echo "${l#CASE-CENSUS "$1" }" ;;
    *) echo "${l##*complete=}" ;;
    esac
}
# case_census_runs NAME: how many censuses the case's guest printed
case_census_runs() { sed -n 's/.* runs=\([0-9]*\).*/\1/p' "$cases/$1.census" 2>/dev/null | tail -1; }
# note_of NAME KEY: a value from the case's CASE-NOTE lines
note_of() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$cases/$1.note" 2>/dev/null | tail -1; }
# case_out NAME, case_err NAME: the case's stdout, stderr lines
case_out() { cat "$cases/$1.out" 2>/dev/null || true; }
case_err() { cat "$cases/$1.err" 2>/dev/null || true; }
# census_of FILE: N when FILE (a census guest's serial output) holds a
# complete census of N CPUs, else what its census said, or none; read by
# lab/case.sh's case_census, like every census
census_of() {
    local l
    l=$( (. "$top/lab/case.sh" && case_census file "$1") )
    case $l in
    '') echo none ;;
    *" complete=no") echo "${l#CASE-CENSUS file }" ;;
    *) echo "${l##*complete=}" ;;
    esac
}
# what QEMU, glib and the C library print when they abort
abort_re='Assertion|assertion failed|Aborted|core dumped|^\*\*$|^ERROR:.*:[0-9]+:'
# the shims' own lines
shim_re='^(kvmfault|irqlog|ioctlcount): '
# case_msg NAME: stderr without the shims' lines
case_msg() { case_err "$1" | grep -Ev "$shim_re" || true; }

# case_problems NAME EXPECT [LINE...]: what is wrong with case NAME against
# EXPECT and the expectation LINEs (see the header); empty when nothing is
case_problems() {
    local name=$1 want=$2 p="" rc sig to core line kind text n re
    local -a allowed=()
    shift 2
    if ! case_ran "$name"; then
        echo "the case did not run"
        return
    fi
    rc=$(case_field "$name" rc) sig=$(case_field "$name" sig)
    to=$(case_field "$name" timeout) core=$(case_field "$name" core)
    [ "$sig" = - ] || p+="; killed by signal $sig (exit $rc)"
    [ "$to" = no ] || p+="; timed out"
    [ "$core" = no ] || p+="; left a core file"
    ! case_err "$name" | grep -qaE "$abort_re" || p+="; assertion or abort on stderr"
    case $want in
    refused) [ "$rc" = 1 ] || p+="; exit $rc, want 1" ;;
    "exit "*) [ "$rc" = "${want#exit }" ] || p+="; exit $rc, want ${want#exit }" ;;
    "census "*)
        [ "$rc" = 0 ] || p+="; exit $rc, want 0"
        local wn=${want#census } wk=1
        case $wn in *" x"*) wk=${wn##* x} wn=${wn%% *} ;; esac
        n=$(census_n "$name")
        [ "$n" = "$wn" ] || p+="; census: $n, want $wn complete"
        [ "$(case_census_runs "$name")" = "$wk" ] || p+="; $(case_census_runs "$name") censuses, want $wk" ;;
    any) ;;
    *) p+="; bad expectation '$want' in the table" ;;
    esac
    for line in "$@"; do
        kind=${line%%:*} text=${line#*: }
        case $kind in
        out|err) grep -Fxq -- "$text" "$cases/$name.$kind" 2>/dev/null || p+="; no $kind line '$text'"
                 [ "$kind" = out ] || allowed+=("F$text") ;;
        shim) grep -Fxq -- "kvmfault: $text" "$cases/$name.err" 2>/dev/null || p+="; the shim did not say '$text'" ;;
        '~out'|'~err') grep -Eq -- "$text" "$cases/$name.${kind#\~}" 2>/dev/null || p+="; no ${kind#\~} line /$text/"
                       [ "$kind" = '~out' ] || allowed+=("E$text") ;;
        '~shim') grep -Eq -- "^kvmfault: $text" "$cases/$name.err" 2>/dev/null || p+="; the shim did not say /$text/" ;;
        [0-9]*'~out'|[0-9]*'~err'|[0-9]*'~shim')
            local want_n=${kind%%\~*} what=${kind#*\~} re=$text f=err
            [ "$what" != out ] || f=out
            [ "$what" != shim ] || re="^kvmfault: $text"
            n=$(grep -Ec -- "$re" "$cases/$name.$f" 2>/dev/null || true)
            [ "${n:-0}" = "$want_n" ] || p+="; ${n:-0} $what lines /$text/, want exactly $want_n"
            [ "$what" != err ] || allowed+=("E$text") ;;
        '!~out'|'!~err') ! grep -Eq -- "$text" "$cases/$name.${kind#\!\~}" 2>/dev/null || p+="; a ${kind#\!\~} line /$text/" ;;
        err-lines) n=$(case_msg "$name" | grep -c . || true)
                   [ "$n" = "$text" ] || p+="; $n lines on stderr, want $text" ;;
        *) p+="; bad expectation line '$line' in the table" ;;
        esac
    done
    # one clear message: a refusal says only what it is expected to say,
    # and says something; all of it was seen
    if [ "$want" = refused ] && [ -z "$p" ]; then
        case_msg "$name" | grep -v ': warning: ' | grep -q . || p+="; no message on stderr"
        [ "$(case_field "$name" errlines)" -le "${case_max_lines:-60}" ] 2>/dev/null ||
            p+="; stderr of $(case_field "$name" errlines) lines, more than the report shows"
    fi
    if [ "$want" = refused ] && [ -z "$p" ]; then
        while IFS= read -r line; do
            [[ $line == *": warning: "* ]] && continue
            local hit="" a
            for a in "${allowed[@]}"; do
                if [ "${a:0:1}" = F ]; then [ "$line" = "${a:1}" ] && hit=1
                else grep -Eq -- "${a:1}" <<<"$line" && hit=1; fi
                [ -z "$hit" ] || break
            done
            [ -n "$hit" ] || { p+="; a line beyond the expected message: '$line'"; break; }
        done < <(case_msg "$name")
    fi
    echo "${p#; }"
}

# case_expect NAME EXPECT [LINE...]: one result line for case NAME
case_expect() {
    local name=$1 p d
    p=$(case_problems "$@")
    if [ -z "$p" ]; then
        d=
        [ "$(case_field "$name" rc)" = 0 ] || d=$(case_msg "$name" | { grep -v ': warning: ' || true; } | head -1 | cut -c1-160)
        local c
        c=$(census_n "$name")
        case $c in none) ;; [0-9]*) d="census $c/$c${d:+; $d}" ;; *) d="census ${c% runs=*}${d:+; $d}" ;; esac
        check "$name" "exit $(case_field "$name" rc), $(awk -v m="$(case_field "$name" ms)" 'BEGIN { printf "%.1f", m / 1000 }') s${d:+; $d}" true
    else
        check "$name" "$p" false
    fi
}

# cases_check TABLE: one result line for every row of TABLE that the
# groups select (as lab/case.sh's case_table ran them), and a FAIL
# "TABLE-done" when the lab did not get to the table's end.
cases_check() {
    local tab=$1 row name expect groups g hit
    local -a lines=()
    local cur="" cexp="" names="" selected=0
    _flush() {
        [ -n "$cur" ] || return 0
        case_expect "$cur" "$cexp" ${lines[@]+"${lines[@]}"}
        cur="" lines=()
    }
    while IFS= read -r row || [ -n "$row" ]; do
        case $row in
        ''|'#'*|'@ '*) continue ;;
        ' '*|$'\t'*)
            [ -n "$cur" ] || continue
            row=${row#"${row%%[! $'\t']*}"}
            case $row in '#'*) continue ;; esac
            lines+=("$row"); continue ;;
        esac
        _flush
        IFS='|' read -r name _ _ _ expect groups <<<"$row"
        name=${name// /} expect=$(echo "$expect" | xargs) groups=${groups//,/ }
        if [ -n "${QL_CASE_ONLY:-}" ] && [[ " $QL_CASE_ONLY " != *" $name "* ]]; then continue; fi
        if [ -n "${QL_CASE_GROUPS:-}" ]; then
            hit=
            for g in $groups; do [[ " $QL_CASE_GROUPS " == *" $g "* ]] && hit=1; done
            [ -n "$hit" ] || continue
        fi
        [[ " $names " != *" $name "* ]] || check "$name" "the name is in the table twice" false
        names+=" $name" selected=$((selected + 1))
        cur=$name cexp=$expect
    done <"$tab"
    _flush
    [ "$selected" -gt 0 ] ||
        check "$(basename "$tab" .cases)-selected" "no row of the table matches QL_CASE_GROUPS='${QL_CASE_GROUPS:-}' QL_CASE_ONLY='${QL_CASE_ONLY:-}'" false
    grep -qx "$(basename "$tab")" "$cases/.tables" 2>/dev/null ||
        check "$(basename "$tab" .cases)-done" "the run did not reach the end of the table" false
}
