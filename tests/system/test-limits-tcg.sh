#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad -smp command lines for the aarch64 virt board under TCG on this host,
# the generic ones whose messages are upstream's: each must end with its
# exact message, exit status 1, and no core dump or signal; -smp 512 must
# start (-S, QMP query-status answered, quit).  Under KVM the same cases run in the lab
# (tests/lab/test-limits-kvm.sh).
. "$(dirname "$0")/lib.sh"
q=$bin/qemu-system-aarch64
Q=qemu-system-aarch64
cd "$tmp"
ulimit -c unlimited
bad=0

# refuse NAME "ARGS" LINE...: exit 1, no core file, each LINE (fixed string)
# is a whole line of stderr
refuse() {
    local name=$1 args=$2 rc=0 line
    shift 2
    rm -f core core.*
    # shellcheck disable=SC2086
    timeout 120 "$q" -accel tcg -cpu max -m 512M -display none -monitor none \
        -nic none -S $args </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    sed 's/^/  stderr: /' "$tmp/$name.err"
    if [ $rc != 1 ]; then
        echo "FAIL: $name: exit status $rc, want 1" >&2; bad=1; return
    fi
    if ls core core.* >/dev/null 2>&1; then
        echo "FAIL: $name: left a core file" >&2; bad=1; return
    fi
    for line in "$@"; do
        if ! grep -Fxq -- "$line" "$tmp/$name.err"; then
            echo "FAIL: $name: no line '$line'" >&2; bad=1; return
        fi
    done
    ok "$name: exit 1 with: $(head -1 "$tmp/$name.err")"
}

# starts NAME "ARGS": -S, then QMP query-status must be answered
starts() {
    local name=$1 args=$2 rc=0
    # shellcheck disable=SC2086
    printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-status"}' \
        '{"execute":"quit"}' |
        timeout 300 "$q" -accel tcg -cpu max -m 512M -display none -monitor none \
            -nic none -S -qmp stdio $args >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    if [ $rc = 0 ] && grep -q '"status": "prelaunch"' "$tmp/$name.out"; then
        ok "$name: starts"
    else
        cat "$tmp/$name.err" >&2
        echo "FAIL: $name: did not start (exit $rc)" >&2
        bad=1
    fi
}

# The versioned machine that "virt" names, e.g. virt-10.2 on QEMU 10.2.
virt=$("$q" -M help | sed -n 's/^virt .*(alias of \(virt-[0-9.]*\)).*/\1/p')
[ -n "$virt" ] || { echo "FAIL: -M help names no alias of virt" >&2; exit 1; }
refuse smp-513 "-M virt -smp 513" \
    "$Q: Invalid SMP CPUs 513. The max CPUs supported by machine '$virt' is 512"
refuse smp-0 "-M virt -smp 0" \
    "$Q: Invalid CPU topology: CPU topology parameters must be greater than zero"
refuse maxcpus-lt-cpus "-M virt -smp 8,maxcpus=4" \
    "$Q: Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * clusters (1) * cores (4) * threads (1) == maxcpus (4) < smp_cpus (8)"
# The GIC layouts' limits (gicv2-*, highmem-*, gicv4-*) are QEMU's own
# functional test now, in the patch that sets them (arm-kvm/0005):
# tests/functional/aarch64/test_virt_limits.py, func-aarch64-virt_limits.
starts smp-512 "-M virt,gic-version=3 -smp 512"
exit $bad
