#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/setup.sh against machine states this machine cannot show: an empty
# package database, a partly installed one, the backports sources file left
# behind by a failed run without its package lists, stale lists, an old meson,
# a failing install, Debian 13.  dpkg-query, dpkg, apt-get and sudo are
# stand-ins on PATH that keep a fake package database and apt lists in a
# directory and record every apt-get call; nothing is installed for real.
# The stand-in apt-get refuses what the real one refuses (a suite without
# lists, a package the suite lacks), with apt's own messages.
#
# QL_SETUP_SCRIPT=path runs another setup.sh (e.g. an older one, to see
# that this test fails on it).
. "$(dirname "$0")/lib.sh"
setup=${QL_SETUP_SCRIPT:-$top/scripts/setup.sh}
sub() { [ -z "${QL_SUBRESULTS:-}" ] || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$QL_SUBRESULTS"; }
failed=0

bin=$tmp/bin
mkdir -p "$bin"
# The archive: "suite package version" for every package setup may ask for.
# Only meson, pycotap and libvirt differ between bookworm and its backports.
archive=$tmp/archive
{
    for p in build-essential git ninja-build flex bison pkg-config libglib2.0-dev \
        libpixman-1-dev libfdt-dev libcapstone-dev libslirp-dev zlib1g-dev python3 \
        python3-venv ccache dpkg-dev xz-utils perl debian-archive-keyring \
        gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
        gcc-arm-linux-gnueabi libc6-dev-armel-cross cpio gzip fakeroot gdb-multiarch seabios \
        ipxe-qemu qemu-system-data; do
        echo "bookworm $p 1.0"; echo "trixie $p 1.0"
    done
    # not in bookworm itself
    echo "bookworm-backports python3-pycotap 1.3.1-1~bpo12+1"; echo "trixie python3-pycotap 1.3.1-1"
    echo "bookworm meson 1.0.1-5"; echo "bookworm-backports meson 1.7.0-1~bpo12+1"
    echo "trixie meson 1.7.0-1"
    for p in libvirt0 libvirt-common libvirt-clients libvirt-daemon libvirt-daemon-common \
        libvirt-daemon-log libvirt-daemon-driver-qemu libvirt-daemon-system; do
        echo "bookworm $p 9.0.0-4+deb12u2"
        echo "bookworm-backports $p 11.3.0-3~bpo12+1"
        echo "trixie $p 11.3.0-3"
    done
} >"$archive"

# dpkg-query -W [-f=FORMAT] PATTERN...: from $ST/db ("package version"
# lines, all installed), "no packages found" and exit 1 as dpkg-query does.
cat >"$bin/dpkg-query" <<'EOF'
#!/usr/bin/env bash
fmt='${Package}\t${Version}\n' rc=0
for a in "$@"; do
    case $a in
    -W|--show) ;;
    -f=*|--showformat=*) fmt=${a#*=} ;;
    -*) echo "dpkg-query stand-in: unknown option $a" >&2; exit 2 ;;
    *)
        found=0
        while read -r p v; do
            # shellcheck disable=SC2053
            [[ $p == $a ]] || continue
            found=1
            out=${fmt//'${Package}'/$p}
            out=${out//'${Version}'/$v}
            out=${out//'${db:Status-Status}'/installed}
            out=${out//'${Status}'/install ok installed}
            printf '%b' "$out"
        done <"$ST/db"
        [ $found = 1 ] || { echo "dpkg-query: no packages found matching $a" >&2; rc=1; }
        ;;
    esac
done
exit $rc
EOF
# dpkg: --compare-versions by the real dpkg, nothing else.
cat >"$bin/dpkg" <<'EOF'
#!/usr/bin/env bash
[ "${1:-}" = --compare-versions ] && exec /usr/bin/dpkg "$@"
echo "dpkg stand-in: only --compare-versions" >&2; exit 2
EOF
cat >"$bin/sudo" <<'EOF'
#!/usr/bin/env bash
echo "sudo $*" >>"$ST/calls"
exec "$@"
EOF
# apt-get: indextargets from $ST/lists ("codename file" lines), update
# fetches the lists of every suite in the sources, install takes each
# package from the requested suite (PKG/SUITE; -t SUITE where SUITE has it,
# else the machine's release, as apt's default-release pin does) and refuses
# a suite without lists.
cat >"$bin/apt-get" <<'EOF'
#!/usr/bin/env bash
echo "apt-get $*" >>"$ST/calls"
release=$(. "$QL_OS_RELEASE" && echo "$VERSION_CODENAME")
case " $* " in
*" indextargets "*)
    case "$*" in
    *'$(CODENAME)'*) awk '{ print $1 }' "$ST/lists" ;;
    *'$(FILENAME)'*) awk '{ print $2 }' "$ST/lists" ;;
    esac
    exit 0 ;;
*" update "*)
    : >"$ST/lists"
    for s in $(sed -n 's/^Suites:[[:space:]]*//p' "$QL_APT_ETC"/sources.list.d/*.sources); do
        f=$ST/lists.d/${s}_Packages
        mkdir -p "$ST/lists.d"; : >"$f"
        echo "$s $f" >>"$ST/lists"
    done
    exit 0 ;;
*" install "*) ;;
*) echo "apt-get stand-in: unexpected call" >&2; exit 2 ;;
esac
[ -s "$ST/fail-install" ] && { echo "E: $(cat "$ST/fail-install")"; exit 100; }
def=$release pkgs=()
shift_t=0
for a in "$@"; do
    if [ $shift_t = 1 ]; then def=$a; shift_t=0; continue; fi
    case $a in
    install|-y|-q|--no-install-recommends) ;;
    -t) shift_t=1 ;;
    -*) echo "apt-get stand-in: unknown option $a" >&2; exit 2 ;;
    *) pkgs+=("$a") ;;
    esac
done
known() { awk -v s="$1" '$1 == s { f = 1 } END { exit !f }' "$ST/lists"; }
known "$def" || { echo "E: The value '$def' is invalid for APT::Default-Release as such a release is not available in the sources"; exit 100; }
new=()
for a in "${pkgs[@]}"; do
    p=${a%/*}
    lookup() { awk -v s="$1" -v p="$p" '$1 == s && $2 == p { print $3 }' "$ARCHIVE"; }
    if [ "$a" != "$p" ]; then
        s=${a#*/}
        known "$s" || { echo "E: Release '$s' for '$p' was not found"; exit 100; }
        v=$(lookup "$s")
    else
        v=$(lookup "$def")
        [ -n "$v" ] || v=$(lookup "$release")
    fi
    [ -n "$v" ] || { echo "E: Unable to locate package $p"; exit 100; }
    new+=("$p $v")
done
for n in "${new[@]}"; do
    grep -v "^${n%% *} " "$ST/db" >"$ST/db.new" || true
    echo "$n" >>"$ST/db.new"
    mv "$ST/db.new" "$ST/db"
done
EOF
chmod +x "$bin"/*

# state NAME CODENAME: a new machine state in $ST with an empty package
# database, apt lists of the release (fresh), and Debian's sources.
state() {
    ST=$tmp/$1
    mkdir -p "$ST/etc/sources.list.d" "$ST/lists.d"
    printf 'VERSION_CODENAME=%s\n' "$2" >"$ST/os-release"
    if [ "$2" = bookworm ]; then s="bookworm bookworm-updates"; else s="$2 $2-updates"; fi
    printf 'Types: deb\nURIs: http://archive.invalid/debian\nSuites: %s\nComponents: main\n' "$s" \
        >"$ST/etc/sources.list.d/debian.sources"
    : >"$ST/db"; : >"$ST/calls"; : >"$ST/lists"
    for x in $s; do : >"$ST/lists.d/${x}_Packages"; echo "$x $ST/lists.d/${x}_Packages" >>"$ST/lists"; done
}
# installed CODENAME [SUITE-FOR-MESON-AND-LIBVIRT]: every package setup
# wants, from the archive of the given suites
installed() {
    awk -v r="$1" -v b="${2:-$1}" '($2 ~ /^(meson|libvirt)/ ? $1 == b : $1 == r) && $2 != "libvirt-daemon-system" { print $2, $3 }' \
        "$archive" >"$ST/db"
    grep -q '^python3-pycotap ' "$ST/db" || echo "python3-pycotap 1.3.1-1" >>"$ST/db"
}
run_setup() {
    local rc=0
    PATH=$bin:$PATH ST=$ST ARCHIVE=$archive QL_OS_RELEASE=$ST/os-release QL_APT_ETC=$ST/etc \
        bash "$setup" >"$ST/out" 2>&1 || rc=$?
    echo $rc >"$ST/rc"
}
ver() { awk -v p="$1" '$1 == p { print $2 }' "$ST/db"; }
calls() { grep -c "^apt-get $1" "$ST/calls" || true; }
last_line() { tail -1 "$ST/out"; }
# case NAME DETAIL COND...: one sub-result; on failure, setup's output and
# the recorded calls are shown
case_() {
    local name=$1 detail=$2
    shift 2
    if "$@"; then
        ok "$name: $detail"; sub "$name" PASS "$detail"
    else
        echo "FAIL: $name: $detail (exit $(cat "$ST/rc"))" >&2
        sed 's/^/    out | /' "$ST/out" >&2
        sed 's/^/    apt | /' "$ST/calls" >&2
        sub "$name" FAIL "$detail"; failed=1
    fi
}
bpo_file() { [ -f "$ST/etc/sources.list.d/qemu-large-backports.sources" ]; }

# 1. Debian 12, nothing installed, no libvirt ever (the failure of a new
# machine: dpkg-query 'libvirt*' finding nothing killed the old script).
state empty bookworm
run_setup
empty_ok() {
    [ "$(cat "$ST/rc")" = 0 ] && [ "$(last_line)" = "setup: done" ] && bpo_file &&
        grep -q '^Suites: bookworm-backports$' "$ST/etc/sources.list.d/qemu-large-backports.sources" &&
        grep -q '^URIs: http://archive.invalid/debian$' "$ST/etc/sources.list.d/qemu-large-backports.sources" &&
        [ "$(calls update)" = 1 ] &&
        [ "$(ver meson)" = 1.7.0-1~bpo12+1 ] && [ "$(ver libvirt-daemon-driver-qemu)" = 11.3.0-3~bpo12+1 ] &&
        [ -n "$(ver gcc-aarch64-linux-gnu)" ] && [ -n "$(ver seabios)" ] && [ -z "$(ver libvirt-daemon-system)" ]
}
case_ bookworm-empty "empty package database: backports added and fetched, everything installed, 'setup: done'" empty_ok
# ... and run again on what it left: nothing to do.
: >"$ST/calls"
run_setup
case_ bookworm-rerun "second run: 'setup: all packages present', no apt-get" \
    eval '[ "$(cat "$ST/rc")" = 0 ] && [ "$(last_line)" = "setup: all packages present" ] && [ ! -s "$ST/calls" ]'

# 2. The backports file written by a run that failed before apt-get update:
# the lists lack the suite, so setup must update before installing from it.
state leftover bookworm
printf 'Types: deb\nURIs: http://archive.invalid/debian\nSuites: bookworm-backports\nComponents: main\n' \
    >"$ST/etc/sources.list.d/qemu-large-backports.sources"
echo "libvirt0 9.0.0-4+deb12u2" >"$ST/db"
run_setup
leftover_ok() {
    [ "$(cat "$ST/rc")" = 0 ] && [ "$(last_line)" = "setup: done" ] &&
        [ "$(grep -E '^apt-get (update|install)' "$ST/calls" | head -1 | cut -d' ' -f2)" = update ] &&
        [ "$(ver meson)" = 1.7.0-1~bpo12+1 ] && [ "$(ver libvirt0)" = 11.3.0-3~bpo12+1 ]
}
case_ bookworm-bpo-file-without-lists "backports file present, its lists absent: apt-get update first, then 'setup: done'" leftover_ok

# 3. Partly installed: the build packages and a backports meson, but
# bookworm's libvirt 9.0 with libvirt-daemon-system; lists fresh.
state partial bookworm
installed bookworm bookworm
sed -i '/^meson /d' "$ST/db"; echo "meson 1.7.0-1~bpo12+1" >>"$ST/db"
echo "libvirt-daemon-system 9.0.0-4+deb12u2" >>"$ST/db"
echo "bookworm-backports $ST/lists.d/bpo_Packages" >>"$ST/lists"; : >"$ST/lists.d/bpo_Packages"
printf 'Types: deb\nURIs: http://archive.invalid/debian\nSuites: bookworm-backports\nComponents: main\n' \
    >"$ST/etc/sources.list.d/qemu-large-backports.sources"
run_setup
partial_ok() {
    local inst
    inst=$(grep '^apt-get install' "$ST/calls")
    [ "$(cat "$ST/rc")" = 0 ] && [ "$(last_line)" = "setup: done" ] && [ "$(calls update)" = 0 ] &&
        [ "$(grep -c . <<<"$inst")" = 1 ] &&
        grep -q 'libvirt-daemon-system/bookworm-backports' <<<"$inst" &&
        grep -q 'libvirt-daemon-driver-qemu/bookworm-backports' <<<"$inst" &&
        ! grep -qE ' (meson|seabios|git)( |$)' <<<"$inst" &&
        [ "$(ver libvirt-daemon-system)" = 11.3.0-3~bpo12+1 ]
}
case_ bookworm-partial "libvirt 9.0 installed: only libvirt (with libvirt-daemon-system) from backports, no update" partial_ok

# 4. Everything there already: no apt-get at all, not even an update.
state complete bookworm
installed bookworm bookworm-backports
run_setup
case_ bookworm-complete "all installed: 'setup: all packages present', no apt-get" \
    eval '[ "$(cat "$ST/rc")" = 0 ] && [ "$(last_line)" = "setup: all packages present" ] && [ ! -s "$ST/calls" ]'

# 5. Bookworm's own meson 1.0 installed: meson from backports.
state oldmeson bookworm
installed bookworm bookworm-backports
sed -i '/^meson /d' "$ST/db"; echo "meson 1.0.1-5" >>"$ST/db"
run_setup
case_ bookworm-old-meson "meson 1.0.1 installed: 'meson' installed from bookworm-backports" \
    eval '[ "$(cat "$ST/rc")" = 0 ] && grep -q "^apt-get install .*-t bookworm-backports .*meson" "$ST/calls" && [ "$(ver meson)" = 1.7.0-1~bpo12+1 ]'

# 6. Stale lists (older than 12 hours): updated before installing.
state stale bookworm
installed bookworm bookworm-backports
sed -i '/^seabios /d' "$ST/db"
touch -d '2 days ago' "$ST"/lists.d/*
run_setup
case_ bookworm-stale-lists "lists 2 days old: apt-get update, then the missing seabios" \
    eval '[ "$(cat "$ST/rc")" = 0 ] && [ "$(calls update)" = 1 ] && [ -n "$(ver seabios)" ] && ! bpo_file'

# 7. A failing install: one line naming the step and the command, exit != 0.
state failing bookworm
echo "Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?" >"$ST/fail-install"
run_setup
case_ failure-is-named "apt-get install fails: exit non-zero, 'setup: failed in step \"install the build packages\"'" \
    eval '[ "$(cat "$ST/rc")" != 0 ] && grep -q "^setup: failed in step \"install the build packages\": .*apt-get install" "$ST/out"'

# 8. Debian 13: no backports file, meson and libvirt 11 from trixie itself.
state trixie trixie
run_setup
case_ trixie-empty "Debian 13, empty database: no backports, no -t, libvirt 11.3 from trixie, 'setup: done'" \
    eval '[ "$(cat "$ST/rc")" = 0 ] && [ "$(last_line)" = "setup: done" ] && ! bpo_file && ! grep -q -- "backports" "$ST/calls" && [ "$(ver libvirt-daemon-driver-qemu)" = 11.3.0-3 ] && [ "$(ver meson)" = 1.7.0-1 ]'

exit $failed
