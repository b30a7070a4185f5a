#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The fork's checks, counted one by one.  Ends with the line
#   N passed, N failed, N skipped
# and exits non-zero when anything failed.  A skipped test is never a pass.
#
# usage: check.sh [--core | --lab | --all | --host]
#   --core (make check, the default), --lab (make check-lab), --all (make
#   check-all: core and lab, one summary), --host (make check-host: the
#   in-lab halves of the lab suites run right here, on a real arm64 or x86
#   KVM host; see docs/lab.md)
#
# What runs is the table of suites below: each row is a suite (a folder of
# test-*.sh, or QEMU's own tests from tests/qemu-tests.txt), the modes it
# runs in, which of its tests, and the steps it needs first.  A step runs
# once per check, as one result line of its own; a suite whose step failed
# is reported SKIP, test by test.
set -uo pipefail
mode=${1:---core}
case $mode in
--core|--lab|--all|--host) ;;
*) echo "usage: check.sh [--core | --lab | --all | --host]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"
out=$build/check
rm -rf "$out"
mkdir -p "$out/logs"
results=$out/results.tsv
: >"$results"

record() {  # name status detail
    printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$results"
    printf '%-4s %s%s\n' "$2" "$1" "${3:+  ($3)}"
}

# tcg_tests TARGET/NAME...: QEMU's check-tcg tests (tests/tcg), each built
# with its target's guest tests and run alone (make run-NAME), one result
# each; the detail is the last line the test printed.
tcg_tests() {
    local t target name built=" " log res
    for t in "$@"; do
        target=${t%%/*} name=${t#*/}
        log=$out/logs/tcg-$target-$name.log
        if [[ "$built" != *" $target "* ]]; then
            if ! make -C "$build/host" "build-tcg-tests-$target" >"$out/logs/tcg-build-$target.log" 2>&1; then
                record "tcg/$target/$name" FAIL "build-tcg-tests-$target failed; log: ${out#"$top"/}/logs/tcg-build-$target.log"
                continue
            fi
            built+="$target "
        fi
        # what the test printed: NAME.out, or run-NAME.out for gdbstub tests
        res=$build/host/tests/tcg/$target/$name.out
        [[ $name != gdbstub-* ]] || res=$build/host/tests/tcg/$target/run-$name.out
        rm -f "$res"
        if make -C "$build/host/tests/tcg/$target" "run-$name" >"$log" 2>&1; then
            # a skipped run, or a run that skipped some of its cases
            if grep -aqE 'SKIP|^skip |, [1-9][0-9]* skipped' "$log" "$res" 2>/dev/null; then
                record "tcg/$target/$name" SKIP "$(grep -ahE 'SKIP|^skip |, [1-9][0-9]* skipped' "$log" "$res" | head -1)"
            else
                record "tcg/$target/$name" PASS "$(tail -n 1 "$res" 2>/dev/null)"
            fi
        else
            record "tcg/$target/$name" FAIL "$(grep -a '^FAIL' "$res" 2>/dev/null | head -3 | tr '\n' ';') log: ${log#"$top"/}"
        fi
    done
}

# meson_tests SETUP NAME...: QEMU's own tests NAME under meson's SETUP
# (quick, slow), one result each; the detail says how many of the test's
# TAP cases passed.  meson test builds just what the chosen tests need.
meson_tests() {
    local setup=$1 mlog json mrc seen=0 name res dur cases
    shift
    mlog=$out/logs/meson-test-$setup.log
    json=$build/host/meson-logs/testlog-$setup.json
    rm -f "$json"
    (cd "$build/host" && ./pyvenv/bin/meson test --setup "$setup" \
        --num-processes "${QL_JOBS:-$(nproc)}" --print-errorlogs "$@") >"$mlog" 2>&1
    mrc=$?
    if [ -f "$json" ]; then
        while IFS=$'\t' read -r name res dur cases; do
            seen=$((seen + 1))
            case $res in
            OK|EXPECTEDFAIL) record "qemu/$name" PASS "${dur}s$cases" ;;
            SKIP) record "qemu/$name" SKIP "meson: skipped" ;;
            *) record "qemu/$name" FAIL "meson: $res$cases; log: ${mlog#"$top"/}" ;;
            esac
        done < <(/usr/bin/python3 - "$json" <<'PY'
import json, re, sys
# TAP: "ok N ...", "not ok N ...", with "# SKIP" or "# TODO" directives
for line in open(sys.argv[1], encoding="utf-8"):
    t = json.loads(line)
    ok = notok = skip = 0
    for m in re.finditer(r"^(not )?ok\b[^#\n]*(#\s*(\w+))?", t.get("stdout") or "",
                         re.M | re.I):
        directive = (m.group(3) or "").upper()
        if directive == "SKIP":
            skip += 1
        elif m.group(1) and directive != "TODO":
            notok += 1
        else:
            ok += 1
    cases = ""
    if ok + notok + skip > 1:
        cases = ", %d/%d cases passed" % (ok, ok + notok + skip)
        if skip:
            cases += " (%d skipped)" % skip
    print("%s\t%s\t%.0f\t%s" % (t["name"].split(" / ")[-1], t["result"],
                                 t.get("duration", 0), cases))
PY
        )
    fi
    if [ "$seen" != $# ]; then
        record "qemu/test-list-$setup" FAIL "asked for $# tests, meson ran $seen (exit $mrc); log: ${mlog#"$top"/}"
        tail -15 "$mlog" | sed 's/^/    | /'
    fi
}
# run NAME CMD...: a test that passes when CMD exits 0, skips on exit 77.
# A test may also report finer results, one "name<TAB>PASS|FAIL|SKIP<TAB>
# detail" line each, to the file $QL_SUBRESULTS.
run() {
    local name=$1 log rc t0 sub dt
    shift
    log=$out/logs/$(echo "$name" | tr '/ ' '__').log
    sub=$log.sub
    rm -f "$sub"
    t0=$(date +%s)
    QL_SUBRESULTS=$sub "$@" </dev/null >"$log" 2>&1
    rc=$?
    dt=$(( $(date +%s) - t0 ))s
    if [ -s "$sub" ]; then
        # the finer results stand for the test; its exit status only adds a
        # failure that none of them explains
        while IFS=$'\t' read -r n st d; do
            case $st in
            PASS|FAIL|SKIP) ;;
            *) d="unknown status '$st': $d"; st=FAIL ;;
            esac
            record "$name/$n" "$st" "$d"
        done <"$sub"
        if [ $rc != 0 ] && ! grep -q $'\tFAIL\t' "$sub"; then
            record "$name" FAIL "exit $rc, $dt; log: ${log#$top/}"
        fi
    elif [ $rc = 0 ]; then
        record "$name" PASS "$dt"
    elif [ $rc = 77 ]; then
        record "$name" SKIP "$(tail -1 "$log")"
    else
        record "$name" FAIL "exit $rc, $dt; log: ${log#$top/}"
    fi
    [ $rc = 0 ] || sed 's/^/    | /' "$log" | tail -15
    return $rc
}

# The suites.  modes: core (make check), lab (make check-lab), host (make
# check-host; SUITE runs with QL_LAB_BACKEND=host); --all runs core and lab.
# tests: * (every test-*.sh of the folder) or a comma list of test names.
# needs: steps, in order (step_NAME below), or -.
suites='
# modes  suite      folder           tests                                        needs
core     harness    tests/harness    *                                            -
core     qemu       -                -                                            tree,checkpatch,build
core     tcg        tests/tcg        *                                            build,guest
core     lab-x86    tests/lab-x86    test-kvm-msr,test-query-machines             build,x86-lab
lab      lab-arm64  tests/lab-arm64  *                                            arm64-lab
lab      lab-x86    tests/lab-x86    test-nested-svm                              build,x86-lab
host     lab-arm64  tests/lab-arm64  test-limits-kvm,test-census-kvm,test-regcache-kvm  host-arm64
host     lab-x86    tests/lab-x86    *                                            host-x86
'

# The steps: each runs at most once; its status is remembered.
declare -A step_done=()
step() {  # NAME: run step NAME once; 0 when it (and before it) succeeded
    local n=$1
    if [ -z "${step_done[$n]:-}" ]; then
        if "step_$n"; then step_done[$n]=0; else step_done[$n]=1; fi
    fi
    return "${step_done[$n]}"
}
step_tree() { echo "== series applies to the pinned base"; run "series-applies" "$here/prepare-tree.sh"; }
step_checkpatch() {
    echo "== checkpatch"
    local p
    while read -r p; do
        run "checkpatch/$p" bash -c "cd '$build/qemu' && ./scripts/checkpatch.pl --no-signoff --patch '$patches/$p'"
    done < <(series_list)
    return 0    # each patch is its own result; the build goes on
}
step_build() { step tree && { echo "== build"; run "build" "$here/build.sh"; }; }
step_guest() { run "guest-payloads" bash -c "make -C '$top/guest' O='$build/guest'"; }
step_x86-lab() {
    echo "== nested x86 lab: kernel"
    run "lab-x86/fetch" "$top/lab/x86/fetch.sh"
}
step_arm64-lab() {
    echo "== nested arm64 KVM lab: kernel, cross-builds, initramfs"
    step build && step guest &&
    run "lab/fetch" "$top/lab/fetch.sh" &&
    run "lab/cross-build" "$top/lab/cross-build.sh" "$build/qemu" &&
    run "lab/cross-build-base" bash -c "{ [ -x '$build/lab/base-src/configure' ] || '$here/fetch-base.sh' '$build/lab/base-src'; } && '$top/lab/cross-build.sh' '$build/lab/base-src' '$build/lab/cross-base'" &&
    run "lab/initramfs" "$top/lab/initramfs.sh" --base "$build/lab/cross-base/qemu-system-aarch64"
}
# make check-host: this machine is the KVM host.  The fork built here
# natively (build/bin), the unpatched base beside it in build/base-ARCH
# (built once, for the cases that compare base and fork), the shims
# (lab/*.c) built for this machine.  QL_HOST_QEMU, QL_HOST_BASE, QL_SHIMS
# and QL_HOST_TOOLS instead name binaries built elsewhere (no build here:
# how the proof in tests/lab-arm64/test-check-host.sh runs it in the lab).
step_host() {  # ARCH
    local a=$1 base
    [ "$(uname -m)" = "$a" ] || { echo "check-host: this is not an $a host ($(uname -m))"; return 1; }
    [ -c /dev/kvm ] || { echo "check-host: no /dev/kvm here"; return 1; }
    if [ -z "${QL_HOST_QEMU:-}" ]; then
        step build && step guest || return 1
        base=$build/base-$a
        [ "$a" != x86_64 ] || base=$build/base-x86     # lab/x86/build-base.sh's
        run "host/base" bash -c "[ -x '$base/qemu-system-$a' ] || { { [ -x '$build/lab/base-src/configure' ] || '$here/fetch-base.sh' '$build/lab/base-src'; } &&
            QL_TREE='$build/lab/base-src' QL_BDIR='$base' QL_TARGETS=$a-softmmu '$here/build.sh'; }" || return 1
        run "host/tools" "$top/lab/host-tools.sh" || return 1
        export QL_HOST_QEMU=$build/bin/qemu-system-$a QL_HOST_BASE=$base/qemu-system-$a
        export QL_SHIMS=$build/host-tools/lib QL_HOST_TOOLS=$build/host-tools/bin
    fi
    export QEMU=$QL_HOST_QEMU QEMU_BASE=${QL_HOST_BASE:-qemu-base} QL_SHIMS=${QL_SHIMS:-/usr/lib}
    export PATH=${QL_HOST_TOOLS:+$QL_HOST_TOOLS:}$PATH
    echo "check-host: QEMU=$QEMU QEMU_BASE=$QEMU_BASE QL_SHIMS=$QL_SHIMS"
}
step_host-arm64() { step_host aarch64; }
step_host-x86() {
    # the x86 lab suites are AMD's: kvm_amd, nested SVM
    grep -q AuthenticAMD /proc/cpuinfo || { echo "check-host: the x86 lab suites need an AMD host (kvm_amd)"; return 1; }
    step_host x86_64
}

# suite_qemu: QEMU's own tests (tests/qemu-tests.txt) through meson and
# check-tcg.  Field 2 "slow": meson's slow setup (G_TEST_SLOW=1), for
# in-tree tests whose biggest cases upstream keeps for -m slow; "thorough":
# meson's thorough setup, for tests upstream lists as thorough.
# "tcg:TARGET/NAME": a check-tcg test (tests/tcg), run as run-NAME.
suite_qemu() {
    echo "== QEMU's own tests (tests/qemu-tests.txt)"
    local qtests=() qtests_slow=() qtests_thorough=() tcgtests=() name speed
    while read -r name speed _; do
        case $name in
        ''|'#'*) ;;
        tcg:*) tcgtests+=("${name#tcg:}") ;;
        *) case ${speed:-} in
           slow) qtests_slow+=("$name") ;;
           thorough) qtests_thorough+=("$name") ;;
           *) qtests+=("$name") ;;
           esac ;;
        esac
    done <"$top/tests/qemu-tests.txt"
    # (meson test with no names would run every test)
    [ ${#qtests[@]} = 0 ] || meson_tests quick "${qtests[@]}"
    [ ${#qtests_slow[@]} = 0 ] || meson_tests slow "${qtests_slow[@]}"
    [ ${#qtests_thorough[@]} = 0 ] || meson_tests thorough "${qtests_thorough[@]}"
    [ ${#tcgtests[@]} = 0 ] || tcg_tests "${tcgtests[@]}"
}

# suite_tests SUITE FOLDER TESTS: each test of FOLDER that TESTS names
suite_files() {  # FOLDER TESTS: the test files, in order
    local t
    if [ "$2" = '*' ]; then
        for t in "$top/$1"/test-*.sh; do [ -e "$t" ] && echo "$t"; done
    else
        for t in ${2//,/ }; do echo "$top/$1/$t.sh"; done
    fi
}

# Run the rows of the table for one mode.
run_mode() {  # MODE
    local modes suite folder tests needs n ok why t
    while read -r modes suite folder tests needs; do
        case $modes in ''|'#'*) continue ;; esac
        [[ ",$modes," == *",$1,"* ]] || continue
        # check-host runs the suite of this machine's architecture
        case $needs in
        host-arm64) [ "$(uname -m)" = aarch64 ] || continue ;;
        host-x86) [ "$(uname -m)" = x86_64 ] || continue ;;
        esac
        ok=1 why=
        if [ "$needs" != - ]; then
            for n in ${needs//,/ }; do
                step "$n" || { ok=0 why="not run: step $n failed"; break; }
            done
        fi
        if [ "$suite" = qemu ]; then
            if [ $ok = 1 ]; then suite_qemu; else record "qemu" SKIP "$why"; fi
            continue
        fi
        echo "== $suite ($folder)"
        [ "$1" != host ] || [ -z "${QL_HOST_TESTS:-}" ] || tests=$QL_HOST_TESTS
        while read -r t; do
            if [ ! -f "$t" ]; then
                record "$suite/$(basename "$t" .sh)" FAIL "no such test $t (scripts/check.sh's table)"
            elif [ $ok = 1 ]; then
                if [ "$1" = host ]; then
                    run "host/$suite/$(basename "$t" .sh)" env QL_LAB_BACKEND=host bash "$t"
                else
                    run "$suite/$(basename "$t" .sh)" bash "$t"
                fi
            else
                record "$suite/$(basename "$t" .sh)" SKIP "$why"
            fi
        done < <(suite_files "$folder" "$tests")
    done <<<"$suites"
}

case $mode in
--core) run_mode core ;;
--lab) run_mode lab ;;
--all) run_mode core; run_mode lab ;;
--host) run_mode host ;;
esac

pass=$(awk -F'\t' '$2 == "PASS"' "$results" | wc -l)
fail=$(awk -F'\t' '$2 == "FAIL"' "$results" | wc -l)
skip=$(awk -F'\t' '$2 == "SKIP"' "$results" | wc -l)
echo
if [ "$fail" != 0 ]; then
    echo "failed:"
    awk -F'\t' '$2 == "FAIL" { print "  " $1 }' "$results"
fi
echo "results: $results"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
