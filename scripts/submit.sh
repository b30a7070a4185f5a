#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make submit [OUT=dir]: the series as an upstream-style patch set in OUT
# (default build/submit): a cover letter from docs/cover-letter.txt (first
# line: subject; the rest: body), numbered [PATCH n/m], each patch signed off
# with the invoking user's git identity; then QEMU's checkpatch.pl, with
# sign-off checking, on every patch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"
out=${1:-$build/submit}
cover=${QL_COVER:-$top/docs/cover-letter.txt}

die() { echo "submit: error: $*" >&2; exit 1; }
g() { git -C "$tree" "$@"; }
[ -d "$tree/.git" ] || die "$tree does not exist (make tree)"
[ "$(g rev-parse HEAD)" = "$(cat "$state/applied-head" 2>/dev/null)" ] &&
    [ "$(cat "$state/series-id" 2>/dev/null)" = "$(series_id)" ] ||
    die "$tree does not match patches/ (make export, or make tree)"
n=$(g rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "patches/series is empty: nothing to submit"
# The invoking user's identity: git's own variables, else git config.
name=${GIT_COMMITTER_NAME:-$(git -C "$top" config user.name || true)}
email=${GIT_COMMITTER_EMAIL:-$(git -C "$top" config user.email || true)}
[ -n "$name" ] && [ -n "$email" ] ||
    die "no git identity to sign off with: set git config user.name and user.email"
[ -f "$cover" ] || die "no cover letter text $cover"

rm -rf "$out"
mkdir -p "$out"
g -c user.name="$name" -c user.email="$email" -c diff.noprefix=false \
    -c diff.mnemonicPrefix=false format-patch -q --cover-letter --suffix=.patch \
    --signoff --numbered --thread=shallow --subject-prefix=PATCH -o "$out" base..HEAD
cl=$(ls "$out"/0000-cover-letter.patch)
/usr/bin/python3 - "$cl" "$cover" <<'PY'
import sys
path, cover = sys.argv[1], sys.argv[2]
lines = open(cover).read().rstrip("\n").split("\n")
subject, body = lines[0].strip(), "\n".join(lines[1:]).strip("\n")
text = open(path).read()
if "*** SUBJECT HERE ***" not in text or "*** BLURB HERE ***" not in text:
    sys.exit("submit: error: unexpected cover letter template from git")
text = text.replace("*** SUBJECT HERE ***", subject, 1)
text = text.replace("*** BLURB HERE ***", body, 1)
open(path, "w").write(text)
PY
bad=0
for p in "$out"/0*.patch; do
    [ "$p" = "$cl" ] && continue
    if ! (cd "$tree" && ./scripts/checkpatch.pl --patch "$p") >"$p.checkpatch" 2>&1; then
        echo "submit: checkpatch: $(basename "$p"): $(grep -m1 -E '^(ERROR|total)' "$p.checkpatch" || head -1 "$p.checkpatch")" >&2
        bad=1
    fi
done
[ $bad = 0 ] || die "checkpatch found errors (reports: $out/*.checkpatch)"
rm -f "$out"/*.checkpatch
echo "submit: $n patches and a cover letter in $out, checkpatch clean with sign-off checks"
