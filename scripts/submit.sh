#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make submit [OUT=dir] [V=n]: each topic series of patches/ (one folder
# each; top-level files form one series of their own) as an upstream-style
# patch set in OUT/TOPIC (default build/submit):
# - the topic is applied alone on the base (so it must be self-contained),
#   every commit re-authored and signed off by the submitter; a topic whose
#   cover letter has "Based-on: TOPIC" lines is applied on those earlier
#   topics instead, and the cover letter names them;
# - numbered [PATCH vN n/m] with a cover letter from docs/cover-letters/
#   TOPIC.txt (first line: subject; the rest: body; the base release named);
# - To: qemu-devel, Cc: what scripts/get_maintainer.pl of the applied tree
#   says for the topic's patches;
# - QEMU's checkpatch.pl, with sign-off checking, on every patch.
#
# The submitter is the git identity of the invoking user (GIT_AUTHOR_*/
# GIT_COMMITTER_*, else git config user.name/user.email); nothing is written
# while it is unset or a placeholder.  The submitter must have read QEMU's
# rules on sign-off and code provenance (shown when not yet confirmed) and
# confirm with QL_SUBMIT_CONFIRM=yes (make submit CONFIRM=yes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"
out=${1:-$build/submit}
version=${QL_SUBMIT_VERSION:-1}
covers=${QL_COVERS:-$top/docs/cover-letters}
pin=${QL_PIN:-$top/base.pin}

die() { echo "submit: error: $*" >&2; exit 1; }
g() { git -C "$tree" "$@"; }
[ -d "$tree/.git" ] || die "$tree does not exist (make tree)"
[ "$(g rev-parse HEAD)" = "$(cat "$state/applied-head" 2>/dev/null)" ] &&
    [ "$(cat "$state/series-id" 2>/dev/null)" = "$(series_id)" ] ||
    die "$tree does not match patches/ (make export, or make tree)"
[ -n "$(series_list)" ] || die "patches/series is empty: nothing to submit"
[[ $version =~ ^[1-9][0-9]*$ ]] || die "V=$version is not a version number"

# The submitter.
name=${GIT_AUTHOR_NAME:-${GIT_COMMITTER_NAME:-$(git -C "$top" config user.name || true)}}
email=${GIT_AUTHOR_EMAIL:-${GIT_COMMITTER_EMAIL:-$(git -C "$top" config user.email || true)}}
[ -n "$name" ] && [ -n "$email" ] ||
    die "no git identity: set git config user.name and user.email to your real name and address"
domain=${email##*@}
if [[ $email != *@*.* ]] || [[ ${domain,,} =~ (^|\.)(example\.(com|org|net)|example|localhost|localdomain|invalid|test|local)$ ]] ||
   [[ ${name,,} == *qemu-large* ]]; then
    die "'$name <$email>' is a placeholder identity: a Signed-off-by must carry your real name and address (git config user.name/user.email)"
fi

# QEMU's rules: shown, then confirmed.
if [ "${QL_SUBMIT_CONFIRM:-}" != yes ]; then
    cat >&2 <<MSG
submit: before anything is written, read what QEMU asks of a submitter:
  $tree/docs/devel/submitting-a-patch.rst, section "Patch emails must include a Signed-off-by: line"
  $tree/docs/devel/code-provenance.rst (the Developer's Certificate of Origin, and
    "Use of AI-generated content")
MSG
    sed -n '/^Patch emails must include a ``Signed-off-by:`` line$/,/^\.\. _/p' \
        "$tree/docs/devel/submitting-a-patch.rst" 2>/dev/null | sed '$d; s/^/  | /' >&2 || true
    if [ -f "$tree/docs/devel/code-provenance.rst" ]; then
        sed -n '/^Use of AI-generated content$/,/^  \*\*This policy does not apply/p' \
            "$tree/docs/devel/code-provenance.rst" | sed 's/^/  | /' >&2
    else
        echo "  (this base has no code-provenance.rst: read upstream master's docs/devel/code-provenance.rst)" >&2
    fi
    cat >&2 <<MSG
submit: every patch will be re-authored and signed off as '$name <$email>'.
By that sign-off you certify the Developer's Certificate of Origin for each patch,
and that it is in line with code-provenance.rst.  If you can, run again with
QL_SUBMIT_CONFIRM=yes (make submit CONFIRM=yes).  Nothing was written.
MSG
    exit 1
fi

upver=$(awk '$1 == "upstream-version" { print $2; exit }' "$pin")
# Tag "orig" (prepare-tree.sh): the base without its build-only patches.
g rev-parse -q --verify refs/tags/orig >/dev/null ||
    die "$tree has no tag 'orig' (prepared by an older prepare-tree.sh): make export, then make tree-reset"
[ -n "${QEMU_BASE:-}" ] && upver=$(cat "$tree/VERSION")
rm -rf "$out"
mkdir -p "$out"
wt=$(mktemp -d "${TMPDIR:-/tmp}/ql-submit.XXXXXX")
trap 'g worktree remove --force "$wt/tree" >/dev/null 2>&1 || true; rm -rf "$wt"' EXIT
# One worktree, moved between commits: checking out QEMU's tree afresh for
# every topic costs minutes.
g worktree add -q --detach "$wt/tree" base
at() { git -C "$wt/tree" checkout -q -f --detach "$1" && git -C "$wt/tree" clean -q -fdx; }
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
bad=0 total=0 prompts=0 series_n=0
# covered REPORT: every file of checkpatch's "added, moved or deleted
# file(s)" list has a maintainer or reviewer in MAINTAINERS (not only a
# list); sets covered_by to "FILE: SECTION, ..." for the message.
covered() {
    local f secs
    covered_by=
    while read -r f; do
        [ -n "$f" ] || continue
        [ -e "$wt/tree/$f" ] || return 1
        secs=$(cd "$wt/tree" && ./scripts/get_maintainer.pl --no-git --no-git-fallback -f "$f" |
               sed -n 's/.*(\(maintainer\|reviewer\|odd fixer\|supporter\):\(.*\))$/\2/p' | sort -u | paste -sd, -)
        [ -n "$secs" ] || return 1
        covered_by+="${covered_by:+; }$f is in $secs"
    done < <(sed -n '/^WARNING: added, moved or deleted file(s):$/,/^Does MAINTAINERS/p' "$1" |
             sed -n 's/^  \([^ ].*\)$/\1/p')
    [ -n "$covered_by" ]
}
while IFS= read -r topic; do
    label=${topic:-series}
    mapfile -t files < <(topic_patches "$topic")
    case $label in fork-*)
        echo "submit: $label: ${#files[@]} patches kept in the fork, not submitted"
        continue ;;
    esac
    cover=$covers/$label.txt
    [ -f "$cover" ] || die "no cover letter text $cover for the topic '$label'"
    # "Based-on: TOPIC": a series this one needs (QEMU's cover letters name
    # it by message id): applied first, already written and checked above
    mapfile -t deps < <(sed -n 's/^Based-on: *\([^ ]*\) *$/\1/p' "$cover" | awk '!seen[$0]++')
    based=()
    for dep in "${deps[@]}"; do
        [[ $dep =~ ^[A-Za-z0-9._-]+$ ]] || die "topic '$label': 'Based-on: $dep' does not name a topic"
        ! grep -q '^Based-on:' "$covers/$dep.txt" 2>/dev/null ||
            die "topic '$label' is based on '$dep', which is based on another topic: name every topic it needs in the cover letter of '$label', not a chain"
        [ -f "$out/$dep/v$version-0000-cover-letter.patch" ] ||
            die "topic '$label' is based on '$dep', which is not a submitted topic before it in patches/series"
        based+=("$dep=$(head -1 "$covers/$dep.txt" | sed 's/^RFC: //')")
    done
    # A cover letter whose subject line starts with "RFC: " posts the
    # series as [RFC PATCH].
    prefix=PATCH
    [[ $(head -1 "$cover") != "RFC: "* ]] || prefix="RFC PATCH"
    series_n=$((series_n + 1))
    # The topic alone on the base.
    # -3: a topic whose context in the stack comes from an earlier topic
    # (trace-events, meson.build lists) is merged back onto the base alone;
    # what is written is then generated against the base.
    at base
    for dep in "${deps[@]}"; do
        while read -r f; do
            git -C "$wt/tree" am -3 -q --keep-cr "$patches/$f" >"$wt/am.log" 2>&1 || {
                git -C "$wt/tree" am --abort >/dev/null 2>&1 || true
                die "topic '$label': its base topic '$dep' does not apply: patches/$f"
            }
        done < <(topic_patches "$dep")
    done
    start=$(git -C "$wt/tree" rev-parse HEAD)
    alone="on the base alone"
    [ ${#deps[@]} = 0 ] || alone="on the base with ${deps[*]}"
    for f in "${files[@]}"; do
        git -C "$wt/tree" am -3 -q --keep-cr "$patches/$f" >"$wt/am.log" 2>&1 || {
            git -C "$wt/tree" am --abort >/dev/null 2>&1 || true
            die "topic '$label' does not apply $alone: patches/$f: $(grep -m1 '^error:' "$wt/am.log" || tail -1 "$wt/am.log")"
        }
    done
    # The submitter is the author; sign-off.
    git -C "$wt/tree" -c core.hooksPath=/dev/null rebase -q --exec \
        'git commit -q --amend --no-edit --reset-author --signoff' "$start" >"$wt/rebase.log" 2>&1 ||
        die "topic '$label': re-authoring failed: $(tail -1 "$wt/rebase.log")"
    # Recipients, from MAINTAINERS.
    rcpt=()
    cc="$(cd "$wt/tree" && git format-patch -q --stdout "$start"..HEAD |
         ./scripts/get_maintainer.pl --no-rolestats --no-git --no-git-fallback 2>/dev/null || true)"
    rcpt+=(--to=qemu-devel@nongnu.org)
    while IFS= read -r a; do
        [ -n "$a" ] && [ "$a" != qemu-devel@nongnu.org ] && rcpt+=("--cc=$a")
    done < <(grep -oE '[^<> ,]+@[^<> ,]+' <<<"$cc" | sort -u)
    d=$out/$label
    mkdir -p "$d"
    git -C "$wt/tree" -c diff.noprefix=false -c diff.mnemonicPrefix=false \
        format-patch -q --cover-letter --suffix=.patch -v "$version" --numbered \
        --thread=shallow --subject-prefix="$prefix" "${rcpt[@]}" -o "$d" "$start"..HEAD
    cl=$(ls "$d"/v"$version"-0000-cover-letter.patch)
    /usr/bin/python3 - "$cl" "$cover" "$upver" "${based[@]}" <<'PY'
import re, sys
path, cover, upver = sys.argv[1:4]
based = dict(a.split("=", 1) for a in sys.argv[4:])
lines = open(cover).read().rstrip("\n").split("\n")
for i, line in enumerate(lines):
    m = re.match(r"Based-on: *(\S+) *$", line)
    if m and m.group(1) in based:
        # prose, not the tag: patchew reads "Based-on:" as a message id
        lines[i] = 'This series depends on the series "%s", posted with it.' % based[m.group(1)]
subject, body = lines[0].strip(), "\n".join(lines[1:]).strip("\n")
if subject.startswith("RFC: "):
    subject = subject[len("RFC: "):]
if based:
    body += "\n\nThis series applies to QEMU v%s with the series above." % upver
else:
    body += "\n\nThis series applies to QEMU v%s." % upver
text = open(path).read()
if "*** SUBJECT HERE ***" not in text or "*** BLURB HERE ***" not in text:
    sys.exit("submit: error: unexpected cover letter template from git")
text = text.replace("*** SUBJECT HERE ***", subject, 1)
text = text.replace("*** BLURB HERE ***", body, 1)
open(path, "w").write(text)
PY
    for p in "$d"/v"$version"-0*.patch; do
        [ "$p" = "$cl" ] && continue
        total=$((total + 1))
        (cd "$wt/tree" && ./scripts/checkpatch.pl --patch "$p") >"$p.checkpatch" 2>&1 || true
        if grep -q '^total: 0 errors, 1 warnings' "$p.checkpatch" &&
           grep -q '^Does MAINTAINERS need updating?$' "$p.checkpatch" &&
           covered "$p.checkpatch"; then
            # checkpatch asks this of every patch that adds a file and does
            # not touch MAINTAINERS; the answer is no when a section with a
            # maintainer or reviewer already covers each added file.
            prompts=$((prompts + 1))
            echo "submit: checkpatch: $label/$(basename "$p"): 0 errors; its one warning asks whether MAINTAINERS needs updating, and it does not: $covered_by"
        elif ! grep -q '^total: 0 errors, 0 warnings' "$p.checkpatch"; then
            echo "submit: checkpatch: $label/$(basename "$p"): $(grep -m1 -E '^(ERROR|WARNING|total)' "$p.checkpatch" || head -1 "$p.checkpatch")" >&2
            bad=1
        fi
    done
    # What is written must apply to upstream's release itself: the bare
    # orig tree, without the pin's build-only patches.
    at orig
    for p in $(for dep in "${deps[@]}"; do ls "$out/$dep"/v"$version"-0*.patch | grep -v -- -0000-cover-letter; done) \
             "$d"/v"$version"-0*.patch; do
        [ "$p" = "$cl" ] && continue
        git -C "$wt/tree" am -q --keep-cr "$p" >"$wt/am.log" 2>&1 || {
            git -C "$wt/tree" am --abort >/dev/null 2>&1 || true
            rm -rf "$d"
            die "topic '$label': $(basename "$p") does not apply to the bare orig tree (QEMU $upver without the build-only patches): $(grep -m1 '^error:' "$wt/am.log" || tail -1 "$wt/am.log")"
        }
    done
    echo "submit: $label: ${#files[@]} patches and a cover letter in $d (To: qemu-devel, Cc: $(( ${#rcpt[@]} - 1 )) from MAINTAINERS)"
done < <(series_topics)
[ $bad = 0 ] || die "checkpatch found errors or warnings (reports: $out/*/*.checkpatch)"
rm -f "$out"/*/*.checkpatch
extra=
[ $prompts = 0 ] || extra=" beyond $prompts MAINTAINERS prompts answered above"
echo "submit: $total patches in $series_n series in $out, v$version, checkpatch with sign-off checks: 0 errors, 0 warnings$extra"
