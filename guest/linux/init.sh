#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the Linux guest of tests/lab-arm64/test-linux-kvm.sh (busybox sh,
# packed by lab/linux-guest.sh).  The guest boots with a small maxcpus= so
# that only a few of its -smp N vCPUs come up at boot; this brings more
# online through sysfs and checks, for each, what a user relies on:
#   online   echo 1 > /sys/devices/system/cpu/cpuN/online succeeds and the
#            CPU is listed in /sys/devices/system/cpu/online
#   pinned   a task run with taskset -c N reports processor N
#            (/proc/self/stat field 39)
#   timer    the CPU's arch_timer count in /proc/interrupts grows by at
#            least 50 while a task pinned there spins for a second
#   ipi      a reader pinned there, blocked on a FIFO, gets all of five
#            lines written 0.2 s apart by /init (pinned to CPU 0), and the
#            CPU's IPI counts in /proc/interrupts (all IPI rows) grow by at
#            least 5: each line wakes an idle CPU from another one
# then takes one of them offline and online again (cycle), and powers off.
# Kernel arguments read here:
#   ql.cpus=A,B,...   the CPUs to bring online (default 1)
#   ql.cycle=C        the CPU to offline and online again (default none)
# Output, one line per check, all starting "linux-guest: ":
#   init uptime=S possible=L present=L online=L
#   cpu N online ms=T pinned=P timer=+K ipi=+K ok|FAIL (why)
#   cycle N offline ms=T online ms=T pinned=P ok|FAIL (why)
#   final online=L
#   verdict PASS|FAIL failed=K
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
cd /sys/devices/system/cpu || exit 1

say() { echo "linux-guest: $*"; }
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
# irqs N REGEX: the sum of CPU N's column of /proc/interrupts over the rows
# matching REGEX (-1 when CPU N has no column: it is not online)
irqs() {
    awk -v col="CPU$1" -v re="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i + 1; next }
        c && $0 ~ re { s += $c }
        END { print c ? s + 0 : -1 }' /proc/interrupts
}
# pinned N: the processor a task started with taskset -c N reports
pinned() { taskset -c "$1" cat /proc/self/stat 2>/dev/null | awk '{ print $39 }'; }
# listed N: whether CPU N is in the online list (ranges "0-3,7")
listed() {
    awk -v n="$1" -F, '{ for (i = 1; i <= NF; i++) { split($i, r, "-");
        if (r[2] == "") r[2] = r[1]; if (n >= r[1] && n <= r[2]) f = 1 } }
        END { exit !f }' online
}

cpus=1 cycle=
for a in $(cat /proc/cmdline); do
    case $a in
    ql.cpus=*) cpus=$(echo "${a#ql.cpus=}" | tr , ' ') ;;
    ql.cycle=*) cycle=${a#ql.cycle=} ;;
    esac
done
# /init stays on CPU 0, so every wake-up below comes from another CPU
taskset -p 1 $$ >/dev/null
say "init uptime=$(cut -d' ' -f1 /proc/uptime) possible=$(cat possible) present=$(cat present) online=$(cat online)"
failed=0
mkfifo /tmp/wake
# a write to a FIFO whose reader is gone fails instead of killing /init
trap '' PIPE

for n in $cpus; do
    why=
    t0=$(ms)
    if [ ! -e "cpu$n/online" ]; then
        why="cpu$n is not hotpluggable here (possible=$(cat possible))"
    elif ! echo 1 >"cpu$n/online"; then
        why="writing 1 to cpu$n/online failed"
    fi
    t1=$(ms)
    if [ -z "$why" ] && ! listed "$n"; then why="not in the online list $(cat online)"; fi
    p=- tim=- ipi=-
    if [ -z "$why" ]; then
        p=$(pinned "$n")
        [ "$p" = "$n" ] || why="a task pinned to $n ran on '$p'"
    fi
    if [ -z "$why" ]; then
        a=$(irqs "$n" arch_timer)
        timeout 1 taskset -c "$n" sh -c 'while :; do :; done' 2>/dev/null
        b=$(irqs "$n" arch_timer)
        tim=$((b - a))
        # HZ is 250 or more: at least 50 ticks in a busy second
        [ "$a" -ge 0 ] && [ "$tim" -ge 50 ] || why="$tim timer interrupts on cpu$n in 1 s of a busy task, want at least 50 ($a -> $b)"
    fi
    if [ -z "$why" ]; then
        a=$(irqs "$n" '^ *IPI')
        # the reader holds the FIFO open, so no line is lost between reads;
        # this side opens it read-write, so it cannot block on a reader
        # that never came; the reader exits 0 only after its 5 lines
        timeout 20 taskset -c "$n" sh -c \
            'exec 3</tmp/wake; i=0; while [ $i -lt 5 ] && read x <&3; do i=$((i + 1)); done; [ $i = 5 ]' &
        r=$!
        exec 4<>/tmp/wake
        for i in 1 2 3 4 5; do usleep 200000; echo "$i" >&4; done
        rr=0
        wait "$r" || rr=$?
        exec 4>&-
        b=$(irqs "$n" '^ *IPI')
        ipi=$((b - a))
        if [ "$rr" != 0 ]; then
            why="the reader pinned to cpu$n did not get its 5 wake-ups (status $rr)"
        elif [ "$a" -lt 0 ] || [ "$ipi" -lt 5 ]; then
            why="$ipi IPIs on cpu$n across 5 remote wake-ups, want at least 5 ($a -> $b)"
        fi
    fi
    if [ -n "$why" ]; then
        failed=$((failed + 1))
        say "cpu $n online ms=$((t1 - t0)) pinned=$p timer=+$tim ipi=+$ipi FAIL ($why)"
    else
        say "cpu $n online ms=$((t1 - t0)) pinned=$p timer=+$tim ipi=+$ipi ok"
    fi
done

if [ -n "$cycle" ]; then
    why= p=- toff=- ton=-
    t0=$(ms)
    if ! echo 0 >"cpu$cycle/online" 2>/dev/null; then
        why="writing 0 to cpu$cycle/online failed"
    elif listed "$cycle"; then
        why="still in the online list $(cat online)"
    fi
    t1=$(ms)
    toff=$((t1 - t0))
    if [ -z "$why" ]; then
        if ! echo 1 >"cpu$cycle/online"; then
            why="writing 1 to cpu$cycle/online again failed"
        fi
        t2=$(ms)
        ton=$((t2 - t1))
        if [ -z "$why" ]; then
            p=$(pinned "$cycle")
            [ "$p" = "$cycle" ] || why="a task pinned to $cycle ran on '$p' after the cycle"
        fi
    fi
    if [ -n "$why" ]; then
        failed=$((failed + 1))
        say "cycle $cycle offline ms=$toff online ms=$ton pinned=$p FAIL ($why)"
    else
        say "cycle $cycle offline ms=$toff online ms=$ton pinned=$p ok"
    fi
fi

say "final online=$(cat online)"
if [ "$failed" = 0 ]; then say "verdict PASS failed=0"; else say "verdict FAIL failed=$failed"; fi
sync
poweroff -f
