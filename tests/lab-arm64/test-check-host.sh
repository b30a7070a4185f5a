#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make check-host, proved on a real arm64 KVM host: the nested lab is one
# (its kernel runs KVM at EL2), so one lab boot unpacks this repository's
# scripts/, tests/ and lab/ and runs scripts/check.sh --host there, with the
# lab's packed binaries named as a real host's user would name theirs
# (QL_HOST_QEMU, QL_HOST_BASE, QL_SHIMS, QL_HOST_TOOLS; no build inside).
# It runs test-limits-kvm.sh whole (24 cases: command lines, QMP, the
# fault-injection shim on the host, census guests) through the same host
# backend a real host uses: lab/case.sh from the repository, not the
# initramfs' copy.  Passes when that check.sh ends "N passed, 0 failed,
# 0 skipped" with a result for every row of limits.cases.  Not proved here:
# the build steps of check-host (a native build, lab/host-tools.sh, the
# base beside it), the x86 half under a host's /bin/sh, regcache on a host.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
[ "${QL_LAB_BACKEND:-lab}" = lab ] || fail "this test proves check-host inside the lab: lab only"
(cd "$top" && git ls-files -z scripts tests lab | xargs -0 tar -czf "$tmp/repo.tar.gz") ||
    fail "cannot pack the repository"
cat >"$tmp/check-host.lab.sh" <<'INLAB'
# SPDX-License-Identifier: GPL-2.0-or-later
QL_FILES=${QL_FILES:-/lab/files}
mkdir -p /tmp/repo /tmp/qlb/guest && cd /tmp/repo || exit 1
tar -xzf "$QL_FILES/repo.tar.gz" || exit 1
cp "$QL_FILES/census.bin" /tmp/qlb/guest/
QL_BUILD=/tmp/qlb QL_HOST_QEMU=/usr/bin/qemu-system-aarch64 QL_HOST_BASE=/usr/bin/qemu-base \
    QL_SHIMS=/usr/lib QL_HOST_TOOLS=/usr/bin QL_HOST_TESTS=test-limits-kvm \
    bash scripts/check.sh --host
echo "check-host: exit $?"
INLAB
lab_run arm64 1200 "$tmp/check-host.lab.sh" "$tmp/repo.tar.gz" "$payload"
rows=$(awk -F'|' '!/^[ \t#@]/ && NF == 6 { n++ } END { print n + 0 }' "$here/limits.cases")
sum=$(sed -n 's/^\[[^]]*\] \([0-9]* passed, [0-9]* failed, [0-9]* skipped\)$/\1/p' "$tmp/lab.log" | tail -1)
passed=$(sed -n 's/^\[[^]]*\] PASS host\/lab-arm64\/test-limits-kvm\/\([^ ]*\).*/\1/p' "$tmp/lab.log" | sort -u | wc -l)
check check-host "in the lab: ${sum:-no summary}; $passed of $rows limits.cases rows passed (exit $lab_rc)" \
    eval '[[ $sum =~ ^[0-9]+\ passed,\ 0\ failed,\ 0\ skipped$ ]] && [ "$passed" = "$rows" ] && [ "$rows" -gt 0 ]'
exit $failed
