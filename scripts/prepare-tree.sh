#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Make build/qemu a git tree of the pinned base (tag "base": one commit with
# the pin's build-only patches; tag "orig", beside it, is the tree without them) with
# one commit per patch of patches/series on branch "queue", and a tag
# "topic/NAME" on the last commit of each topic series (patches/NAME/).
#
# usage: prepare-tree.sh [--force]
#
# Re-running after a patch changed resets the branch to the base and applies
# the series again with "git am"; files no patch touches keep their mtimes,
# so the following build recompiles only what changed.  When neither the
# base nor the series changed, nothing is touched.
# The tree is where developers work (see docs/workflow.md): commits there
# that were not exported to patches/ are never thrown away unless --force.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"
force=0
[ "${1:-}" = --force ] && force=1

die() { echo "prepare-tree: error: $*" >&2; exit 1; }
g() { git -C "$tree" "$@"; }
# Fixed identities and dates make the applied commits reproducible: the same
# base and series always give the same commit ids.
export GIT_COMMITTER_NAME=qemu-large GIT_COMMITTER_EMAIL=qemu-large@localhost
export GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"

# Identity of the base: the pin file, or QEMU_BASE.
if [ -n "${QEMU_BASE:-}" ]; then
    base_id="QEMU_BASE=$QEMU_BASE"
else
    base_id="pin:$(sha256sum "${QL_PIN:-$top/base.pin}" | cut -d' ' -f1)"
fi
# Identity of the series: its list and every listed file's contents.
while read -r p; do
    [ -f "$patches/$p" ] || die "patches/series lists $p, which is not in patches/"
done < <(series_list)
series_id=$(series_id)

mkdir -p "$build"

if [ ! -d "$tree/.git" ] || [ "$(cat "$state/base-id" 2>/dev/null)" != "$base_id" ]; then
    if [ -d "$tree/.git" ] && [ $force = 0 ]; then
        if [ -n "$(g status --porcelain --untracked-files=no)" ] ||
           [ "$(g rev-parse HEAD)" != "$(cat "$state/applied-head" 2>/dev/null)" ]; then
            die "the base changed but $tree has edits or commits not exported to patches/ (make export, or make tree-reset to discard them)"
        fi
    fi
    echo "prepare-tree: importing the base into $tree"
    # One commit holds the base: the upstream tree plus the pin's
    # build-only patches (tag "base"), so that base..HEAD is exactly the
    # series.  Tag "orig", the bare upstream tree that make submit checks
    # each series against, is a commit beside the queue that takes the
    # build-only patches out again.
    rm -rf "$build/base-patches"
    QL_BUILD_PATCHES_TO=$build/base-patches "$here/fetch-base.sh" "$build/base-src"
    rm -rf "$tree"
    mv "$build/base-src" "$tree"
    g init -q -b queue
    g config core.autocrlf false
    g config user.name >/dev/null || g config user.name "qemu-large developer"
    g config user.email >/dev/null || g config user.email "developer@qemu-large.invalid"
    names=()
    if [ -d "$build/base-patches" ]; then
        for bp in "$build/base-patches"/*; do
            patch -d "$tree" -p1 -s -N --no-backup-if-mismatch <"$bp" >"$build/base-patches.err" 2>&1 ||
                die "build-patch ${bp##*/[0-9][0-9]-} does not apply to the base: $(head -1 "$build/base-patches.err")"
            names+=("${bp##*/[0-9][0-9]-}")
        done
    fi
    bp_msg=()
    [ ${#names[@]} = 0 ] ||
        bp_msg=(-m "build-only patches (not part of any series):" -m "$(printf '    %s\n' "${names[@]}")")
    # QEMU's own .gitignore would hide files that are part of the tarball.
    g add -A -f .
    GIT_AUTHOR_NAME=qemu-large GIT_AUTHOR_EMAIL=qemu-large@localhost \
        GIT_AUTHOR_DATE="$GIT_COMMITTER_DATE" \
        g commit -q --no-verify -m "base: ${QEMU_BASE:+upstream }QEMU $(cat "$tree/VERSION")" \
            -m "$(grep -vE '^#' "${QL_PIN:-$top/base.pin}" | sed 's/^/    /')" \
            "${bp_msg[@]}" -m "identity: $base_id"
    g tag -f base >/dev/null
    if [ ${#names[@]} -gt 0 ]; then
        for ((i = ${#names[@]} - 1; i >= 0; i--)); do
            bp=$(ls "$build/base-patches"/*"-${names[$i]}")
            patch -d "$tree" -p1 -R -s --no-backup-if-mismatch <"$bp" >"$build/base-patches.err" 2>&1 ||
                die "build-patch ${names[$i]} does not come out of the base again: $(head -1 "$build/base-patches.err")"
        done
        g add -A -f .
        GIT_AUTHOR_NAME=qemu-large GIT_AUTHOR_EMAIL=qemu-large@localhost \
            GIT_AUTHOR_DATE="$GIT_COMMITTER_DATE" \
            g commit -q --no-verify -m "orig: the base without its build-only patches"
        g tag -f orig >/dev/null
        g reset -q --hard base
    else
        g tag -f orig base >/dev/null
    fi
    rm -rf "$build/base-patches" "$build/base-patches.err"
    mkdir -p "$state"
    echo "$base_id" >"$state/base-id"
    g rev-parse HEAD >"$state/applied-head"
    rm -f "$state/series-id"
fi

if [ "$(cat "$state/series-id" 2>/dev/null)" = "$series_id" ] &&
   [ "$(g rev-parse HEAD)" = "$(cat "$state/applied-head")" ]; then
    echo "prepare-tree: $tree is up to date ($(series_list | wc -l) patches)"
    exit 0
fi

if [ $force = 0 ]; then
    [ -z "$(g status --porcelain --untracked-files=no)" ] ||
        die "$tree has uncommitted edits: commit them and run make export, or make tree-reset to discard them"
    [ "$(g rev-parse HEAD)" = "$(cat "$state/applied-head")" ] ||
        die "$tree has commits not exported to patches/: run make export, or make tree-reset to discard them"
fi

g am --abort >/dev/null 2>&1 || true
g checkout -q -f queue 2>/dev/null || g checkout -q -f -B queue base
g reset -q --hard base
g tag -l 'topic/*' | while read -r t; do g tag -d "$t" >/dev/null; done
n=0
while read -r p; do
    n=$((n + 1))
    if ! out=$(g am -q --keep-cr --committer-date-is-author-date "$patches/$p" 2>&1); then
        g am --abort >/dev/null 2>&1 || true
        where=$(echo "$out" | grep -m1 -E '^error: (patch failed|.*does not exist|.*already exists)' || true)
        echo "prepare-tree: error: patches/$p (patch $n of the series) does not apply: ${where#error: }" >&2
        # Show the hunk git could not place.
        (cd "$tree" && git apply --check -v "$patches/$p" 2>&1 |
            sed -n '/^error: while searching for:/,/^error: patch failed/p' | head -40) >&2 || true
        g rev-parse HEAD >"$state/applied-head"
        rm -f "$state/series-id"
        exit 1
    fi
    t=$(topic_of "$p")
    [ -z "$t" ] || g tag -f "topic/$t" >/dev/null
done < <(series_list)
g rev-parse HEAD >"$state/applied-head"
echo "$series_id" >"$state/series-id"
echo "prepare-tree: $tree has the base plus $n patches"
