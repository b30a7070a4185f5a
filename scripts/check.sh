#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The fork's checks, counted one by one.  Ends with the line
#   N passed, N failed, N skipped
# and exits non-zero when anything failed.  A skipped test is never a pass.
#
# usage: check.sh [--core | --lab | --all]
#   --core (make check, the default): 1-7 below
#   --lab  (make check-lab): 8 only
#   --all  (make check-all): 1-8, one summary
#
#  1. our own harness tests (tests/harness/test-*.sh)
#  2. the series applies to the pinned base (scripts/prepare-tree.sh)
#  3. scripts/checkpatch.pl --no-signoff on every patch, from the applied tree
#  4. the build of the three targets
#  5. a curated list of QEMU's own tests (tests/qemu-tests.txt) via meson
#  6. our own tests of the built binaries (tests/system/test-*.sh)
#  7. x86 KVM in the nested x86 lab (error paths, query-machines), 15-25 s each
#     (tests/kvm-x86/test-*.sh; the lab's kernel is fetched once)
#  8. the nested arm64 KVM lab: cross-build of the fork and of the unpatched
#     base (for A/B tests), initramfs, tests/lab/test-*.sh; then the nested
#     x86 (SVM) lab: amd64 kernel with kvm_amd, tests/lab-x86/test-*.sh
set -uo pipefail
mode=${1:---core}
case $mode in
--core|--lab|--all) ;;
*) echo "usage: check.sh [--core | --lab | --all]" >&2; exit 2 ;;
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
    QL_SUBRESULTS=$sub "$@" >"$log" 2>&1
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

# skip_tests PREFIX DIR WHY: each DIR/test-*.sh is SKIP (a prerequisite failed)
skip_tests() {
    local t
    for t in "$2"/test-*.sh; do
        [ -e "$t" ] && record "$1/$(basename "$t" .sh)" SKIP "$3"
    done
}

core() {
    echo "== harness tests"
    for t in "$top"/tests/harness/test-*.sh; do
        [ -e "$t" ] || continue
        run "harness/$(basename "$t" .sh)" bash "$t"
    done

    echo "== series applies to the pinned base"
    if run "series-applies" "$here/prepare-tree.sh"; then
        echo "== checkpatch"
        while read -r p; do
            run "checkpatch/$p" bash -c "cd '$build/qemu' && ./scripts/checkpatch.pl --no-signoff --patch '$patches/$p'"
        done < <(series_list)

        echo "== build"
        if run "build" "$here/build.sh"; then
            echo "== QEMU's own tests (tests/qemu-tests.txt)"
            # Field 2 "slow": run under meson's slow setup (G_TEST_SLOW=1),
            # for in-tree tests whose biggest cases upstream keeps for -m slow.
            # "tcg:TARGET/NAME": a check-tcg test (tests/tcg), run as run-NAME.
            qtests=() qtests_slow=() tcgtests=()
            while read -r name speed _; do
                case $name in
                ''|'#'*) ;;
                tcg:*) tcgtests+=("${name#tcg:}") ;;
                *) if [ "${speed:-}" = slow ]; then qtests_slow+=("$name"); else qtests+=("$name"); fi ;;
                esac
            done <"$top/tests/qemu-tests.txt"
            # (meson test with no names would run every test)
            [ ${#qtests[@]} = 0 ] || meson_tests quick "${qtests[@]}"
            [ ${#qtests_slow[@]} = 0 ] || meson_tests slow "${qtests_slow[@]}"
            [ ${#tcgtests[@]} = 0 ] || tcg_tests "${tcgtests[@]}"

            echo "== system tests of the built binaries"
            run "guest-payloads" bash -c "make -C '$top/guest' O='$build/guest'"
            for t in "$top"/tests/system/test-*.sh; do
                [ -e "$t" ] || continue
                run "system/$(basename "$t" .sh)" bash "$t"
            done

            echo "== x86 KVM (nested x86 lab)"
            if run "kvm-x86/fetch" "$top/lab/x86/fetch.sh"; then
                for t in "$top"/tests/kvm-x86/test-*.sh; do
                    [ -e "$t" ] || continue
                    run "kvm-x86/$(basename "$t" .sh)" bash "$t"
                done
            else
                skip_tests kvm-x86 "$top/tests/kvm-x86" "not run: the lab's kernel was not fetched"
            fi
        else
            skip_tests system "$top/tests/system" "not run: the build failed"
            skip_tests kvm-x86 "$top/tests/kvm-x86" "not run: the build failed"
        fi
    else
        skip_tests system "$top/tests/system" "not run: the series does not apply"
        skip_tests kvm-x86 "$top/tests/kvm-x86" "not run: the series does not apply"
    fi
}

lab() {
    echo "== nested arm64 KVM lab"
    if ! { run "lab/fetch" "$top/lab/fetch.sh" &&
           run "lab/outer-and-guest" bash -c "'$here/prepare-tree.sh' && '$here/build.sh' && make -C '$top/guest' O='$build/guest'" &&
           run "lab/cross-build" "$top/lab/cross-build.sh" "$build/qemu" &&
           run "lab/cross-build-base" bash -c "{ [ -x '$build/lab/base-src/configure' ] || '$here/fetch-base.sh' '$build/lab/base-src'; } && '$top/lab/cross-build.sh' '$build/lab/base-src' '$build/lab/cross-base'" &&
           run "lab/initramfs" "$top/lab/initramfs.sh" --base "$build/lab/cross-base/qemu-system-aarch64"; }; then
        skip_tests lab "$top/tests/lab" "not run: a lab prerequisite failed"
        return
    fi
    for t in "$top"/tests/lab/test-*.sh; do
        [ -e "$t" ] || continue
        run "lab/$(basename "$t" .sh)" bash "$t"
    done
}

# The nested x86 lab: an amd64 Linux with kvm_amd on the fork's TCG SVM,
# running the fork's own qemu-system-x86_64 -accel kvm inside (issue 6).
lab_x86() {
    echo "== nested x86 (SVM) lab"
    if ! { run "lab-x86/fetch" "$top/lab/x86/fetch.sh" &&
           run "lab-x86/outer" bash -c "'$here/prepare-tree.sh' && '$here/build.sh'" &&
           run "lab-x86/initramfs" "$top/lab/x86/initramfs.sh"; }; then
        skip_tests lab-x86 "$top/tests/lab-x86" "not run: a lab prerequisite failed"
        return
    fi
    for t in "$top"/tests/lab-x86/test-*.sh; do
        [ -e "$t" ] || continue
        run "lab-x86/$(basename "$t" .sh)" bash "$t"
    done
}

[ "$mode" = --lab ] || core
[ "$mode" = --core ] || { lab; lab_x86; }

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
