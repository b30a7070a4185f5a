#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested SVM under TCG: the svmtest payload (guest/x86/, see its README)
# is a tiny L1 hypervisor that runs L2 snippets and checks each #VMEXIT
# against the AMD APM.  It runs twice: -cpu max, where NRIP save must be
# advertised and next_rip written, and -cpu max,nrip-save=off, where
# next_rip must be left alone.  Every case must print "ok"; the payload's
# summary line decides, not QEMU's exit status alone.
#
# QEMU=/path/to/qemu-system-x86_64 runs another binary (e.g. the base).
. "$(dirname "$0")/lib.sh"
qemu=${QEMU:-$bin/qemu-system-x86_64}
payload=$build/guest/x86/svmtest.elf
if [ ! -f "$payload" ]; then
    make -s -C "$top/guest/x86" O="$build/guest/x86" >&2 || fail "cannot build $payload"
fi
[ -x "$qemu" ] || fail "no $qemu"

bad=()          # why a run failed
failed=()       # failing case names, first seen first

# run NAME CPU EXPECT_NRIPS
run() {
    local name=$1 cpu=$2 nrips=$3 log=$tmp/svm-$1.log rc=0 sum p f s t oks fails skips c
    # -M pc: on q35 SeaBIOS takes ~30 s under TCG before the multiboot
    # payload starts (measured), on pc 0.2 s for the whole run.
    timeout 120 "$qemu" -accel tcg -cpu "$cpu" -M pc -m 256M -display none \
        -monitor none -nic none -no-reboot -serial "file:$log" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -kernel "$payload" -append "expect-nrips=$nrips" 2>"$tmp/err-$name" || rc=$?
    echo "== $name: -cpu $cpu -append expect-nrips=$nrips (QEMU exit status $rc)"
    tr -d '\r' <"$log" >"$log.txt" 2>/dev/null || : >"$log.txt"
    cat "$log.txt"
    [ -s "$tmp/err-$name" ] && sed 's/^/qemu: /' "$tmp/err-$name"
    while read -r c; do
        [[ " ${failed[*]} " == *" $c "* ]] || failed+=("$c")
    done < <(sed -n 's/^FAIL \([^:]*\):.*/\1/p' "$log.txt")
    sum=$(sed -n 's/^svmtest: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped, \([0-9]*\) total$/\1 \2 \3 \4/p' "$log.txt")
    if [ -z "$sum" ]; then
        bad+=("$name: no summary line (QEMU exit status $rc)")
        return
    fi
    read -r p f s t <<<"$sum"
    oks=$(grep -c '^ok ' "$log.txt" || true)
    fails=$(grep -c '^FAIL ' "$log.txt" || true)
    skips=$(grep -c '^skip ' "$log.txt" || true)
    if [ "$f" != 0 ] || [ "$fails" != 0 ]; then
        bad+=("$name: $f of $t cases failed")
    elif [ "$oks" != "$p" ] || [ "$skips" != "$s" ] || [ $((p + s)) != "$t" ]; then
        bad+=("$name: summary $p+$s of $t, but $oks ok and $skips skip lines")
    elif [ "$s" != 0 ]; then
        # -cpu max has NPT and 40 physical address bits: nothing may skip
        bad+=("$name: $s of $t cases skipped")
    elif [ "$t" -lt "$min_cases" ]; then
        bad+=("$name: only $t cases ran, want at least $min_cases")
    elif [ "$rc" != 1 ]; then
        bad+=("$name: QEMU exit status $rc, want 1 (isa-debug-exit 0)")
    fi
}

# The payload's cases today; a payload that silently stops early fails.
min_cases=47
run nrips max 1
run no-nrips max,nrip-save=off 0

for c in "${failed[@]}"; do
    echo "svm-tcg: $c: FAIL"
done
if [ ${#bad[@]} != 0 ]; then
    msg=$(printf '%s; ' "${bad[@]}")
    fail "${msg%; }"
fi
ok "nested SVM: every case passed with and without NRIP save"
