#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The case layer itself (lab/case.sh, tests/lib/cases.sh, tests/lib/lab.sh's
# host backend) on a table of synthetic cases (case-layer/selftest.cases):
# every ok-* row must pass and every bad-* row must fail (wrong status, a
# signal, a time-out also when the command exits 0 on SIGTERM as QEMU
# does, a refusal with an extra line or with no message, a glib assertion,
# missing or miscounted lines, an incomplete census), and a row of a group
# not selected must not run.  Once per shell that runs the in-lab halves:
# dash (the x86 suites' sh on a Debian host) and bash (the arm64 suites);
# busybox ash runs them in the labs themselves.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(cd "$(dirname "$0")" && pwd)/case-layer
for kind in x86:dash arm64:bash; do
    sh=${kind#*:}
    command -v "$sh" >/dev/null || { sub "$sh" SKIP "no $sh here"; continue; }
    # the judgements go to a file of their own: they are the data here
    res=$tmp/$sh.results
    : >"$res"
    (
        export QL_CASE_GROUPS=t QL_LAB_BACKEND=host QL_SUBRESULTS=$res
        lab_run "${kind%%:*}" 120 "$here/selftest.lab.sh" "$here/selftest.cases"
        cases_check "$here/selftest.cases"
    ) >"$tmp/$sh.log" 2>&1 || true
    wrong=
    while IFS=$'\t' read -r name st _; do
        case $name:$st in
        ok-*:PASS|bad-*:FAIL) ;;
        *) wrong+=" $name=$st" ;;
        esac
    done <"$res"
    seen=$(wc -l <"$res")
    want=$(grep -cE '^(ok|bad)-[a-z0-9-]+ \|.*\| t$' "$here/selftest.cases")
    grep -q 'ok-unselected' "$res" && wrong+=" ok-unselected ran"
    [ "$seen" = "$want" ] || wrong+=" $seen results for $want selected rows"
    [ -z "$wrong" ] || sed 's/^/    | /' "$tmp/$sh.log" | tail -40
    check "$sh" "$want rows under $sh: every ok-* passed, every bad-* failed${wrong:+; wrong:$wrong}" test -z "$wrong"
done
exit $failed
