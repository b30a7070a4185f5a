#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Refused MSR writes under x86 KVM (issue 7): never an assertion, one named
# message and exit 1 instead.  One boot of the nested x86 lab (lab/x86/,
# kvm_amd on the outer QEMU's SVM; the L2 tiny.bin run is skipped with
# lab.l2=0); inside, the packed inner qemu-system-x86_64 runs each case as
#   qemu-system-x86_64 -accel kvm -M q35 -cpu CPU -S -display none
#       -nodefaults -bios /tiny.bin -global kvm-apic.vapic=off -monitor stdio
# with "quit" on its stdin (HMP executes it as soon as it is read, so a VM
# that reaches the monitor exits 0; no firmware is packed, hence the 64 KiB
# tiny.bin as BIOS: the VM never runs, -S), under timeout 60, with the
# fault injector lab/kvmfault.c (/usr/lib/kvmfault.so, LD_PRELOAD) set up by
# KVMFAULT_* variables.  Each case reports its exit status and stderr.
# Results, one line each:
#   boot     the lab ran the case list to its end
#   c1-plain           -cpu host, no fault: reaches the monitor, exit 0
#   c2-arch-caps       REFUSE_MSR=0x10a (a host whose KVM lists
#                      IA32_ARCH_CAPABILITIES but refuses to set it): exit
#                      1, no abort, one RE_ARCH line, RE_ARCH_WAY named
#   c2-way-out         the same with -cpu host,-arch-capabilities: exit 0
#                      (the fork leaves the MSR out; the base writes 0 and
#                      is refused)
#   c3-sysenter        REFUSE_MSR=0x174, REFUSE_MSR_CALL=1 (kvm_put_msrs at
#                      the first full register put): exit 1, no abort, RE_SYSENTER
#   c4-set-msrs-errno  SET_MSRS_ERRNO=22: exit 1, no abort, RE_ERRNO
#   c5-nested-state    NESTED_STATE_EINVAL=1 (-cpu host has SVM): exit 1, no
#                      abort, one RE_NESTED line
#   c6-vmx-misc        VMX_HOST=skylake REFUSE_MSR=0x485 (a refusal that
#                      breaks none of KVM's rules): exit 1, no abort, one
#                      RE_MISC line listing the features (RE_MISC_NAME) and
#                      ending with the way out -vmx (RE_MISC_WAY)
#   c7-hlt-warn        VMX_HOST=skylake-nohlt, -cpu host,+vmx-activity-hlt:
#                      exit 0 with the RE_HLT_WARN warning (filtered)
#   c7-hlt-enforce     ... ,enforce: exit 1, RE_HLT_NAME named
#   c7-hlt-force       ... ,x-force-features=on: the bit reaches KVM, which
#                      refuses it (the library applies Linux 6.12's rules):
#                      exit 1, one RE_HLT_FORCE line naming the property
#   c8-vmx-host        VMX_HOST=skylake, -cpu host: exit 0, and the VMX MSR
#                      values written are those the unpatched base writes
#                      (VMX_GOLDEN, measured with build/base-x86)
#   c9-vmx-field       VMX_HOST=skylake-mseg (MISC's MSEG revision 1, which
#                      QEMU always writes as 0): the RE_FIELD_WARN warning
#                      before any vCPU, then KVM's refusal explained with
#                      the field and both values (RE_FIELD), exit 1
#   c9-vmx-field-enforce  ... ,enforce: exit 1 before any vCPU, RE_FIELD_ENF
#   c10-must-be-1      VMX_HOST=skylake-intrexit (the host requires pin-based
#                      control 0): runs, with the RE_REQ warning
#   c10-enforce        ... ,enforce: exit 1 with RE_REQ
#   c11-nested-vmx     VMX_HOST=skylake NESTED_STATE_EINVAL=1: the VMX form
#                      of c5's message (RE_NESTED_VMX)
#   c12-nested-incoming c5 with -incoming defer: the hint for a migration
#                      destination (RE_NESTED_IN)
#   c2b-lacks-feature  REFUSE_MSR=0x10a, -cpu host,+ibrs-all,
#                      x-force-features=on: the refusal names the one
#                      feature the host lacks (RE_LACKS)
#   c13-smp2-one-line  c2 with -smp 2: exit 1 and exactly one line
#   c14-hotplug-refused  VMX_HOST=skylake-mseg, -cpu host,vmx=off -smp
#                      1,maxcpus=2; HMP device_add of a CPU with vmx=on,
#                      enforce=on fails with RE_FIELD_ENF, the VM goes on
#                      (info cpus shows no CPU #1) and quits with exit 0
# "no abort": exit status neither 134 (SIGABRT) nor any other signal's, and
# no "Assertion"/"Aborted" on stderr.  A case whose result line is missing
# fails.  The expected messages are the RE_* regexes below (grep -E), kept
# here to follow the fork's wording.  A summary line per case shows the exit
# status and the first line of stderr (the shim's own lines left out).
#
# OUTER_QEMU selects the outer emulator (default: the fork's
# build/bin/qemu-system-x86_64), QL_LAB_X86_INNER the packed inner one
# (default the fork's; the unpatched base build/base-x86/qemu-system-x86_64
# for the A/B: there most cases fail, by assertion or without the message).
# QL_LAB_TIMEOUT bounds the lab run (default 400 s).

# The expected messages (extended regexes).
RE_ARCH='KVM refused to set MSR IA32_ARCH_CAPABILITIES \(0x10a\)'
RE_ARCH_WAY='arch-capabilities'
RE_SYSENTER='KVM refused to set MSR IA32_SYSENTER_CS \(0x174\)'
RE_ERRNO='(KVM_SET_MSRS|MSR).*Invalid argument|Invalid argument.*(KVM_SET_MSRS|MSR)'
RE_NESTED='CPU 0: KVM refused the nested SVM state \(VMCB 0x[0-9a-f]+\): Invalid argument'
RE_NESTED_IN='CPU 0: KVM refused the nested SVM state \(VMCB 0x[0-9a-f]+\); the destination.s -cpu must offer the nested \(svm-\*\) features that the source.s did: Invalid argument'
RE_NESTED_VMX='CPU 0: KVM refused the nested VMX state \(not in VMX operation\): Invalid argument'
RE_MISC='KVM refused to set MSR IA32_VMX_MISC \(0x485\)'
RE_MISC_NAME='vmx-activity-hlt'
RE_MISC_WAY='leave the MSR out with -cpu \.\.\.,-vmx$'
RE_HLT_WARN="host doesn't support requested feature: MSR\(485[Hh]\)\.vmx-activity-hlt"
RE_HLT_NAME='vmx-activity-hlt'
RE_HLT_FORCE='CPU 0: KVM refused to set MSR IA32_VMX_MISC \(0x485\) to 0x[0-9a-f]+: this host.s KVM does not offer vmx-activity-hlt; turn it off with -cpu \.\.\.,-vmx-activity-hlt$'
RE_ABORT='Assertion|Aborted|core dumped'
RE_VMX_SHIM='kvmfault: injected KVM_SET_MSRS of the VMX MSRs'
RE_FIELD='CPU 0: KVM refused to set MSR IA32_VMX_MISC \(0x485\) to 0x[0-9a-f]+: its MSEG revision, 0x0, must be equal to this host.s 0x1; -cpu \.\.\.,-vmx leaves nested VMX out$'
RE_FIELD_WARN='warning: IA32_VMX_MISC \(0x485\) would be 0x[0-9a-f]+, which KVM should refuse: its MSEG revision, 0x0, must be equal to this host.s 0x1'
RE_FIELD_ENF='IA32_VMX_MISC \(0x485\) would be 0x[0-9a-f]+: its MSEG revision, 0x0, must be equal to this host.s 0x1; -cpu \.\.\.,-vmx leaves nested VMX out$'
RE_LACKS='CPU 0: KVM refused to set MSR IA32_ARCH_CAPABILITIES \(0x10a\) to 0x[0-9a-f]+: this host.s KVM does not offer ibrs-all; turn it off with -cpu \.\.\.,-ibrs-all$'
RE_REQ='IA32_VMX_TRUE_PINBASED_CTLS \(0x48d\): this host.s KVM requires vmx-intr-exit to be always on'

# shellcheck source=tests/kvm-x86/lib.sh
. "$(dirname "$0")/lib.sh"


# The case list, run by busybox ash inside the lab.  Output per case:
#   KVMMSR-ERR NAME: <stderr line>     (each line)
#   KVMMSR-OUT NAME: <stdout line>     (each line: the HMP monitor)
#   KVMMSR-CASE NAME rc=<status> monitor=<0|1>
cat >"$tmp/cases.sh" <<'EOF'
cd /tmp || exit 1
# case NAME CPU [VAR=VALUE ...]: one inner QEMU, $cmds (HMP, default
# "quit") on its stdin, with the options in $extra added
extra= cmds='quit\n'
case_() {
    name=$1 cpu=$2
    shift 2
    if [ $# -gt 0 ]; then set -- env LD_PRELOAD=/usr/lib/kvmfault.so "$@"; fi
    printf '%b' "$cmds" | "$@" timeout 60 qemu-system-x86_64 -accel kvm -M q35 -cpu "$cpu" -S \
        -display none -nodefaults -bios /tiny.bin -global kvm-apic.vapic=off \
        -monitor stdio $extra >"/tmp/$name.out" 2>"/tmp/$name.err"
    rc=$?
    tr -d '\r' <"/tmp/$name.err" | sed "s/^/KVMMSR-ERR $name: /"
    tr -d '\r' <"/tmp/$name.out" | sed "s/^/KVMMSR-OUT $name: /"
    if grep -q '(qemu)' "/tmp/$name.out"; then mon=1; else mon=0; fi
    echo "KVMMSR-CASE $name rc=$rc monitor=$mon"
}
echo "lab-x86: inner $(sed -n 's/^qemu-system-x86_64 //p' /etc/lab-release)"
case_ c1 host
# Since 10.1 QEMU hides ARCH_CAPABILITIES from guests on AMD hosts (such
# as this lab) unless x-arch-cap-always-on, which machine types up to 10.0
# set: the MSR cases ask for it, as a guest of such a machine type has it.
case_ c2 host,x-arch-cap-always-on=on KVMFAULT_REFUSE_MSR=0x10a
case_ c2way host,x-arch-cap-always-on=on,-arch-capabilities KVMFAULT_REFUSE_MSR=0x10a
case_ c3 host KVMFAULT_REFUSE_MSR=0x174 KVMFAULT_REFUSE_MSR_CALL=1
case_ c4 host KVMFAULT_SET_MSRS_ERRNO=22
case_ c5 host KVMFAULT_NESTED_STATE_EINVAL=1
case_ c6 host KVMFAULT_VMX_HOST=skylake KVMFAULT_REFUSE_MSR=0x485
case_ c7warn host,+vmx-activity-hlt KVMFAULT_VMX_HOST=skylake-nohlt
case_ c7enforce host,+vmx-activity-hlt,enforce KVMFAULT_VMX_HOST=skylake-nohlt
case_ c7force host,+vmx-activity-hlt,x-force-features=on KVMFAULT_VMX_HOST=skylake-nohlt
case_ c8 host KVMFAULT_VMX_HOST=skylake
case_ c9 host KVMFAULT_VMX_HOST=skylake-mseg
case_ c10 host KVMFAULT_VMX_HOST=skylake-intrexit
case_ c10enforce host,enforce KVMFAULT_VMX_HOST=skylake-intrexit
case_ c11 host KVMFAULT_VMX_HOST=skylake KVMFAULT_NESTED_STATE_EINVAL=1
extra="-incoming defer"
case_ c12 host KVMFAULT_NESTED_STATE_EINVAL=1
extra="-smp 2"
case_ c13 host,x-arch-cap-always-on=on KVMFAULT_REFUSE_MSR=0x10a
extra="-smp 1,maxcpus=2"
cmds='device_add host-x86_64-cpu,socket-id=0,core-id=1,thread-id=0,vmx=on,enforce=on\ninfo cpus\nquit\n'
case_ c14 host,vmx=off KVMFAULT_VMX_HOST=skylake-mseg
extra= cmds='quit\n'
case_ c9enforce host,enforce KVMFAULT_VMX_HOST=skylake-mseg
case_ c2b host,x-arch-cap-always-on=on,+ibrs-all,x-force-features=on KVMFAULT_REFUSE_MSR=0x10a
echo "KVMMSR-DONE"
EOF

t0=${EPOCHREALTIME/./}
x86_lab_run "$tmp/cases.sh" 400
t1=${EPOCHREALTIME/./}

# Per case: $tmp/NAME.err (stderr), $tmp/NAME.errq (without the shim's
# lines), rc_NAME, mon_NAME ("" when the case did not report).
declare -A crc=() cmon=()
for c in c1 c2 c2way c3 c4 c5 c6 c7warn c7enforce c7force c8 c9 c10 c10enforce c11 c12 c13 c14 c9enforce c2b; do
    sed -n "s/^KVMMSR-ERR $c: //p" "$tmp/console.log" >"$tmp/$c.err"
    sed -n "s/^KVMMSR-OUT $c: //p" "$tmp/console.log" | tr -d '\r' >"$tmp/$c.out"
    grep -v '^kvmfault: ' "$tmp/$c.err" >"$tmp/$c.errq" || true
    line=$(grep -a "^KVMMSR-CASE $c " "$tmp/console.log" | tail -1 || true)
    crc[$c]=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$line")
    cmon[$c]=$(sed -n 's/.* monitor=\([01]\).*/\1/p' <<<"$line")
done

ran() { [ -n "${crc[$1]}" ]; }
# no_abort C: the case ran, did not die of a signal, printed no assertion
no_abort() {
    ran "$1" && [ "${crc[$1]}" -lt 128 ] && ! grep -qaE "$RE_ABORT" "$tmp/$1.err"
}
# runs C: reached the monitor and exited 0 on quit
runs() { ran "$1" && [ "${crc[$1]}" = 0 ] && [ "${cmon[$1]}" = 1 ] && no_abort "$1"; }
# exits1 C: exit 1 and no abort
exits1() { ran "$1" && [ "${crc[$1]}" = 1 ] && no_abort "$1"; }
# has C RE: stderr (the shim's lines left out) matches RE
has() { grep -qaE "$2" "$tmp/$1.errq"; }
# once C RE: exactly one line of stderr matches RE
once() { [ "$(grep -caE "$2" "$tmp/$1.errq")" = 1 ]; }
first() { if [ -s "$tmp/$1.errq" ]; then head -1 "$tmp/$1.errq" | cut -c1-200; else echo "(none)"; fi; }
desc() { echo "exit ${crc[$1]:-none}${crc[$1]:+, monitor ${cmon[$1]}}; ${2:-}first: $(first "$1")"; }

# The cases' conditions (see the header).
c2_ok() { exits1 c2 && once c2 "$RE_ARCH" && has c2 "$RE_ARCH_WAY"; }
c3_ok() { exits1 c3 && once c3 "$RE_SYSENTER"; }
c4_ok() { exits1 c4 && has c4 "$RE_ERRNO"; }
c5_ok() { exits1 c5 && once c5 "$RE_NESTED"; }
c11_ok() { exits1 c11 && once c11 "$RE_NESTED_VMX"; }
c12_ok() { exits1 c12 && once c12 "$RE_NESTED_IN"; }
c6_ok() { exits1 c6 && once c6 "$RE_MISC" && has c6 "$RE_MISC_NAME" && has c6 "$RE_MISC_WAY"; }
c7warn_ok() { runs c7warn && has c7warn "$RE_HLT_WARN"; }
c7enforce_ok() { exits1 c7enforce && has c7enforce "$RE_HLT_NAME"; }
c7force_ok() { exits1 c7force && once c7force "$RE_HLT_FORCE"; }
c8_ok() { runs c8 && grep -qaE "$RE_VMX_SHIM" "$tmp/c8.err" && c8_same; }
# c8: the VMX MSR values that the unpatched base (build/base-x86, QEMU
# 10.0.13) writes for -cpu host under KVMFAULT_VMX_HOST=skylake, read from
# the library's "VMX MSR ... set to" lines in a run of this test with
# QL_LAB_X86_INNER=build/base-x86/qemu-system-x86_64 (2026-11-25): the
# fork's new check and its host-required controls must not change them.
VMX_GOLDEN='0x480=0x00d8100011e57ed0 0x485=0x0000000020000165
0x486=0x0000000080000021 0x488=0x0000000000002000 0x48a=0x000000000000002e
0x48b=0x000068ff00000000 0x48c=0x00000f0106334041 0x48d=0x0000007f00000016
0x48e=0xfff9fffe04006172 0x48f=0x007fffff00036dfb 0x490=0x0000f3ff000011fb
0x491=0x0000000000000001'
vmx_written() {
    sed -n 's/^kvmfault: VMX MSR \(0x[0-9a-f]*\) set to \(0x[0-9a-f]*\)$/\1=\2/p' "$tmp/$1.err" | sort | tr '\n' ' '
}
# shellcheck disable=SC2086 # word splitting normalizes the white space
c8_same() { [ "$(echo $(vmx_written c8))" = "$(echo $VMX_GOLDEN)" ]; }
c9_ok() { exits1 c9 && once c9 "$RE_FIELD" && once c9 "$RE_FIELD_WARN"; }
c9enforce_ok() { exits1 c9enforce && once c9enforce "$RE_FIELD_ENF" && ! has c9enforce 'KVM refused'; }
c2b_ok() { exits1 c2b && once c2b "$RE_LACKS"; }
c13_ok() { exits1 c13 && once c13 "$RE_ARCH" && [ "$(grep -c . "$tmp/c13.errq")" = 1 ]; }
c14_ok() {
    runs c14 && grep -qE "$RE_FIELD_ENF" "$tmp/c14.out" && ! grep -q 'CPU #1' "$tmp/c14.out"
}
c10_ok() { runs c10 && once c10 "$RE_REQ"; }
c10enforce_ok() { exits1 c10enforce && once c10enforce "$RE_REQ"; }
if grep -qaE "$RE_VMX_SHIM" "$tmp/c8.err"; then vmx_set=yes; else vmx_set=no; fi

check boot "lab run exit $rc; every case reported" \
    grep -aq '^KVMMSR-DONE' "$tmp/console.log"
check c1-plain "$(desc c1)" runs c1
check c2-arch-caps "$(desc c2)" c2_ok
check c2-way-out "-cpu host,-arch-capabilities: $(desc c2way)" runs c2way
check c3-sysenter "$(desc c3)" c3_ok
check c4-set-msrs-errno "$(desc c4)" c4_ok
check c5-nested-state "$(desc c5)" c5_ok
check c6-vmx-misc "$(desc c6)" c6_ok
check c7-hlt-warn "$(desc c7warn)" c7warn_ok
check c7-hlt-enforce "$(desc c7enforce)" c7enforce_ok
check c7-hlt-force "$(desc c7force)" c7force_ok
check c8-vmx-host "$(desc c8 "VMX MSRs written (through the shim): $vmx_set, as the base: $(c8_same && echo yes || echo "no: $(vmx_written c8)"); ")" c8_ok
check c9-vmx-field "$(desc c9)" c9_ok
check c10-must-be-1 "$(desc c10)" c10_ok
check c10-enforce "$(desc c10enforce)" c10enforce_ok
check c11-nested-vmx "$(desc c11)" c11_ok
check c12-nested-incoming "$(desc c12)" c12_ok
check c2b-lacks-feature "$(desc c2b)" c2b_ok
check c9-vmx-field-enforce "$(desc c9enforce)" c9enforce_ok
check c13-smp2-one-line "$(desc c13)" c13_ok
check c14-hotplug-refused "device_add with vmx=on: $(grep -aE "$RE_FIELD_ENF" "$tmp/c14.out" | head -1 | tr -d '\r' | cut -c1-120); $(desc c14)" c14_ok

echo "== per case: exit status and stderr (the shim's lines included)"
for c in c1 c2 c2way c3 c4 c5 c6 c7warn c7enforce c7force c8 c9 c10 c10enforce c11 c12 c13 c14 c9enforce c2b; do
    echo "-- $c: exit ${crc[$c]:-none} monitor ${cmon[$c]:-none}"
    sed 's/^/   | /' "$tmp/$c.err"
done
total=$(( (t1 - t0) / 1000000 )).$(( (t1 - t0) % 1000000 / 100000 ))
summary=$(grep -a '^lab-x86: boot-to-init=' "$tmp/lab.log" | tail -1 || true)
echo "timings: test-total=${total}s ${summary#lab-x86: } inner=$inner"
[ $failed = 0 ] || exit 1
