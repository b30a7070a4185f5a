#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make submit on a stand-in base that carries the real tree's checkpatch.pl
# and get_maintainer.pl: one directory per topic series, each applied alone
# on the base, [PATCH v2 n/m] with a cover letter from the docs text naming
# the base release, the submitter as author and in the Signed-off-by, To
# qemu-devel and Cc from MAINTAINERS; nothing written for a placeholder
# identity or before QEMU's sign-off rules are confirmed; a topic that needs
# another topic, and a patch that breaks QEMU's coding style, are refused;
# checkpatch's MAINTAINERS prompt is answered only for covered new files;
# a series that does not apply to the bare orig tree is refused.
. "$(dirname "$0")/../lib/test.sh"
real=$build/qemu
[ -x "$real/scripts/checkpatch.pl" ] || fail "no applied tree at $real (make tree)"
upver=$(awk '$1 == "upstream-version" { print $2 }' "$top/base.pin")
b=$tmp/base
mkdir -p "$b/scripts" "$b/hw/core" "$b/hw/misc" "$b/docs/devel" "$b/linux-user" "$b/system"
echo "$upver" >"$b/VERSION"
cp "$real/scripts/checkpatch.pl" "$real/scripts/get_maintainer.pl" "$b/scripts/"
# code-provenance.rst is upstream's since 10.1
cp "$real/docs/devel/submitting-a-patch.rst" "$b/docs/devel/"
[ ! -f "$real/docs/devel/code-provenance.rst" ] || cp "$real/docs/devel/code-provenance.rst" "$b/docs/devel/"
touch "$b/COPYING" "$b/Makefile" "$b/README.rst" "$b/linux-user/.keep" "$b/system/.keep"
cat >"$b/MAINTAINERS" <<'EOF'
QEMU Maintainers
----------------

Core
M: Core Maintainer <core.maint@maintainers.invalid>
L: qemu-core@lists.invalid
S: Maintained
F: hw/core/

Misc
M: Misc Maintainer <misc.maint@maintainers.invalid>
S: Maintained
F: hw/misc/
EOF
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\n' >"$b/hw/core/demo.c"
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint m;\n' >"$b/hw/misc/misc.c"
mkdir -p "$tmp/patches" "$tmp/covers"
export QEMU_BASE=$b QL_BUILD=$tmp/build QL_PATCHES=$tmp/patches QL_COVERS=$tmp/covers
tree=$tmp/build/qemu
"$top/scripts/prepare-tree.sh" >/dev/null
git -C "$tree" config user.name "qemu-large developer"
git -C "$tree" config user.email developer@qemu-large.invalid

printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\nint y;\n' >"$tree/hw/core/demo.c"
git -C "$tree" commit -q -am "hw/core: add y" -m "A well-formed change."
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\nint y;\nint z;\n' >"$tree/hw/core/demo.c"
git -C "$tree" commit -q -am "hw/core: add z" -m "Another one."
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint m;\nint n;\n' >"$tree/hw/misc/misc.c"
git -C "$tree" commit -q -am "hw/misc: add n" -m "The other topic."
"$top/scripts/export.sh" >/dev/null
# two topics: core (2 patches), misc (1)
mkdir -p "$tmp/patches/core" "$tmp/patches/misc"
mv "$tmp/patches"/000[12]-*.patch "$tmp/patches/core/"
mv "$tmp/patches"/0003-*.patch "$tmp/patches/misc/0001-hw-misc-add-n.patch"
printf '# core: the core series\ncore/0001-hw-core-add-y.patch\ncore/0002-hw-core-add-z.patch\n\n# misc\nmisc/0001-hw-misc-add-n.patch\n' \
    >"$tmp/patches/series"
"$top/scripts/prepare-tree.sh" >/dev/null
printf 'hw/core: y and z\n\nThe core body line.\n' >"$tmp/covers/core.txt"
printf 'hw/misc: n\n\nThe misc body line.\n' >"$tmp/covers/misc.txt"

submit() { "$top/scripts/submit.sh" "$tmp/out" >"$tmp/log" 2>&1; }
as() { local n=$1 e=$2; shift 2; GIT_AUTHOR_NAME=$n GIT_AUTHOR_EMAIL=$e GIT_COMMITTER_NAME=$n GIT_COMMITTER_EMAIL=$e "$@"; }

for id in "qemu-large developer|developer@qemu-large.invalid" "Some One|someone@example.org" "Some One|root@localhost"; do
    rm -rf "$tmp/out"
    if as "${id%|*}" "${id#*|}" env QL_SUBMIT_CONFIRM=yes "$top/scripts/submit.sh" "$tmp/out" >"$tmp/log" 2>&1; then
        cat "$tmp/log"; fail "submit accepted the placeholder identity ${id#*|}"
    fi
    grep -q 'is a placeholder identity' "$tmp/log" || { cat "$tmp/log"; fail "no clear refusal for ${id#*|}"; }
    [ ! -e "$tmp/out" ] || fail "files written for a placeholder identity"
done
ok "placeholder identities refused, nothing written"

rm -rf "$tmp/out"
if as "Jane Submitter" jane@submitter.dev "$top/scripts/submit.sh" "$tmp/out" >"$tmp/log" 2>&1; then
    fail "submit wrote without the confirmation"
fi
{ [ ! -f "$b/docs/devel/code-provenance.rst" ] || grep -q 'Use of AI-generated content' "$tmp/log"; } &&
    grep -q 'code-provenance.rst' "$tmp/log" && grep -q 'Signed-off-by: line' "$tmp/log" &&
    grep -q 'QL_SUBMIT_CONFIRM=yes' "$tmp/log" || { cat "$tmp/log"; fail "the rules were not shown"; }
[ ! -e "$tmp/out" ] || fail "files written before the confirmation"
ok "without the confirmation: QEMU's sign-off and provenance rules shown, nothing written"

export QL_SUBMIT_CONFIRM=yes QL_SUBMIT_VERSION=2
as "Jane Submitter" jane@submitter.dev submit || { cat "$tmp/log"; fail "submit of two clean topics"; }
cat "$tmp/log"
c=$tmp/out/core m=$tmp/out/misc
[ "$(ls "$c")" = "$(printf 'v2-0000-cover-letter.patch\nv2-0001-hw-core-add-y.patch\nv2-0002-hw-core-add-z.patch')" ] ||
    fail "core: $(ls "$c")"
[ "$(ls "$m")" = "$(printf 'v2-0000-cover-letter.patch\nv2-0001-hw-misc-add-n.patch')" ] || fail "misc: $(ls "$m")"
grep -q '^Subject: \[PATCH v2 0/2\] hw/core: y and z$' "$c/v2-0000-cover-letter.patch" || fail "core cover subject"
grep -q '^The core body line\.$' "$c/v2-0000-cover-letter.patch" || fail "core cover body"
grep -q "^This series applies to QEMU v$upver\.\$" "$c/v2-0000-cover-letter.patch" || fail "base release not named"
grep -q '^Subject: \[PATCH v2 1/1\] hw/misc: add n$' "$m/v2-0001-hw-misc-add-n.patch" || fail "misc numbering"
p1=$c/v2-0001-hw-core-add-y.patch
grep -q '^Subject: \[PATCH v2 1/2\] hw/core: add y$' "$p1" || fail "numbered subject"
grep -q '^From: Jane Submitter <jane@submitter.dev>$' "$p1" || fail "author is not the submitter"
grep -q '^Signed-off-by: Jane Submitter <jane@submitter.dev>$' "$p1" || fail "sign-off"
! grep -q 'qemu-large' "$p1" || fail "the placeholder author is still in the patch"
grep -q '^To: qemu-devel@nongnu.org$' "$p1" || fail "To: qemu-devel"
grep -q 'core.maint@maintainers.invalid' "$p1" && grep -q 'qemu-core@lists.invalid' "$p1" || fail "Cc from MAINTAINERS"
! grep -q 'misc.maint' "$p1" || fail "the other topic's maintainer in Cc"
grep -q 'misc.maint@maintainers.invalid' "$m/v2-0001-hw-misc-add-n.patch" || fail "misc Cc"
ok "one directory per topic: v2 numbering, cover letters, the submitter as author and sign-off, To/Cc"

# change FILE CONTENT SUBJECT [BODY]: one commit in the applied tree,
# exported; undo: drop the last commit, exported; refused WHY: submit must
# fail (its log is shown when it does not).
change() {
    mkdir -p "$(dirname "$tree/$1")"
    printf '%b' "$2" >"$tree/$1"
    git -C "$tree" add "$1"
    git -C "$tree" commit -q -m "$3" ${4:+-m "$4"}
    "$top/scripts/export.sh" >/dev/null
}
undo() { git -C "$tree" reset -q --hard HEAD~1; "$top/scripts/export.sh" >/dev/null; }
refused() {
    if as "Jane Submitter" jane@submitter.dev submit; then cat "$tmp/log"; fail "$1"; fi
}
spdx='/* SPDX-License-Identifier: GPL-2.0-or-later */\n\n'

# A topic that needs another topic's patch is not self-contained.
change hw/core/demo.c "${spdx}int x;\nint y;\nint z;\nint w;\n" "hw/core: add w"
grep -q '^misc/0002-hw-core-add-w.patch$' "$tmp/patches/series" || fail "export put the new commit elsewhere: $(cat "$tmp/patches/series")"
refused "a topic that needs another was submitted"
grep -q "topic 'misc' does not apply on the base alone: patches/misc/0002-hw-core-add-w.patch" "$tmp/log" ||
    { cat "$tmp/log"; fail "the dependent patch is not named"; }
undo
ok "a topic that needs another topic's patch is refused, naming the patch"

# A style error must stop the submission.
change hw/misc/misc.c "${spdx}int m;\nint n;\n// bad\n" "hw/misc: a C99 comment"
refused "submit accepted a checkpatch error"
cat "$tmp/log"
grep -q 'checkpatch: misc/v2-0002-hw-misc-a-C99-comment.patch: ERROR' "$tmp/log" || fail "the bad patch is not named"
undo
ok "a checkpatch error stops the submission and names the patch"

# checkpatch asks "Does MAINTAINERS need updating?" of every patch that adds
# a file: accepted, with its reason, when a section with a maintainer covers
# the new file; a warning like any other when none does.
change hw/misc/new.c "${spdx}int nn;\n" "hw/misc: a new file" "Covered by the Misc section."
as "Jane Submitter" jane@submitter.dev submit || { cat "$tmp/log"; fail "a new file that MAINTAINERS covers was refused"; }
grep -q "checkpatch: misc/v2-0002-hw-misc-a-new-file.patch: 0 errors; its one warning asks whether MAINTAINERS needs updating, and it does not: hw/misc/new.c is in Misc" "$tmp/log" &&
    grep -q 'beyond 1 MAINTAINERS prompts answered above' "$tmp/log" || { cat "$tmp/log"; fail "the MAINTAINERS prompt was not answered"; }
undo
change linux-user/new.c "${spdx}int lu;\n" "linux-user: a new file" "No section covers it."
refused "a new file that no section covers passed"
grep -q 'checkpatch: misc/v2-0002-linux-user-a-new-file.patch: WARNING: added, moved or deleted file' "$tmp/log" ||
    { cat "$tmp/log"; fail "the uncovered new file is not named"; }
undo
ok "checkpatch's MAINTAINERS prompt: answered when a section covers the new file, a warning when none does"

# What is written must apply to the bare orig tree (tag orig: the base
# without the pin's build-only patches).  Stand-in: an orig where
# hw/misc/misc.c differs from the base's.
git -C "$tree" worktree add -q --detach "$tmp/orig-wt" base
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint m0;\n' >"$tmp/orig-wt/hw/misc/misc.c"
git -C "$tmp/orig-wt" commit -q -am "orig differs"
git -C "$tree" tag -f orig "$(git -C "$tmp/orig-wt" rev-parse HEAD)" >/dev/null
git -C "$tree" worktree remove --force "$tmp/orig-wt"
refused "a series that does not apply to orig was written"
grep -q "topic 'misc': v2-0001-hw-misc-add-n.patch does not apply to the bare orig tree" "$tmp/log" ||
    { cat "$tmp/log"; fail "the series that does not apply to orig is not named"; }
[ ! -e "$tmp/out/misc" ] || fail "the series that does not apply to orig was left in the output"
ok "a series that does not apply to the bare orig tree is refused"
git -C "$tree" tag -f orig base >/dev/null

# A fork-* topic is kept in the fork and not written; a cover letter whose
# subject starts with "RFC: " posts its series as [RFC PATCH].
mkdir -p "$tmp/patches/fork-misc"
mv "$tmp/patches/misc/0001-hw-misc-add-n.patch" "$tmp/patches/fork-misc/"
sed -i 's|^misc/0001-hw-misc-add-n.patch$|fork-misc/0001-hw-misc-add-n.patch|; s|^# misc$|# fork-misc|' "$tmp/patches/series"
printf 'RFC: hw/core: y and z\n\nThe core body line.\n' >"$tmp/covers/core.txt"
"$top/scripts/prepare-tree.sh" >/dev/null
git -C "$tree" tag -f orig base >/dev/null
as "Jane Submitter" jane@submitter.dev submit || { cat "$tmp/log"; fail "submit with a fork-only topic"; }
grep -q '^submit: fork-misc: 1 patches kept in the fork, not submitted$' "$tmp/log" && [ ! -e "$tmp/out/fork-misc" ] &&
    grep -q '^submit: 2 patches in 1 series' "$tmp/log" || { cat "$tmp/log"; fail "the fork-only topic was written or not named"; }
grep -q '^Subject: \[RFC PATCH v2 0/2\] hw/core: y and z$' "$c/v2-0000-cover-letter.patch" &&
    grep -q '^Subject: \[RFC PATCH v2 1/2\] hw/core: add y$' "$c/v2-0001-hw-core-add-y.patch" ||
    { grep Subject "$c"/*.patch; fail "the RFC prefix"; }
ok "a fork-* topic is not submitted; an 'RFC: ' cover subject gives [RFC PATCH]"

# A topic that needs an earlier one (its patch changes what core's add):
# refused on the base alone; with "Based-on: core" in its cover letter it
# is applied on core, only its own patch is written, the cover letter names
# core's series, and core's patches and its own apply to orig in turn.
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\nint y;\nint z;\nint w;\n' >"$tree/hw/core/demo.c"
git -C "$tree" commit -q -am "hw/core: add w" -m "Needs z."
mkdir -p "$tmp/patches/dep"
git -C "$tree" -c diff.noprefix=false format-patch -q -1 --zero-commit --no-signature --suffix=.patch \
    --stdout >"$tmp/patches/dep/0001-hw-core-add-w.patch"
printf '\n# dep\ndep/0001-hw-core-add-w.patch\n' >>"$tmp/patches/series"
"$top/scripts/prepare-tree.sh" --force >/dev/null
git -C "$tree" tag -f orig base >/dev/null
printf 'hw/core: w\n\nThe w body line.\n' >"$tmp/covers/dep.txt"
refused "a topic that needs another was written without Based-on"
grep -q "topic 'dep' does not apply on the base alone: patches/dep/0001-hw-core-add-w.patch" "$tmp/log" ||
    { cat "$tmp/log"; fail "the topic that does not apply alone is not named"; }
printf 'hw/core: w\n\nThe w body line.\n\nBased-on: nosuch\n' >"$tmp/covers/dep.txt"
refused "a Based-on topic that does not exist was accepted"
grep -q "topic 'dep' is based on 'nosuch', which is not a submitted topic before it" "$tmp/log" ||
    { cat "$tmp/log"; fail "the unknown Based-on topic is not named"; }
printf 'hw/core: w\n\nThe w body line.\n\nBased-on: core\n' >"$tmp/covers/dep.txt"
as "Jane Submitter" jane@submitter.dev submit || { cat "$tmp/log"; fail "submit of a topic based on another"; }
dd=$tmp/out/dep
[ "$(ls "$dd")" = "$(printf 'v2-0000-cover-letter.patch\nv2-0001-hw-core-add-w.patch')" ] || fail "dep: $(ls "$dd")"
grep -q '^Subject: \[PATCH v2 0/1\] hw/core: w$' "$dd/v2-0000-cover-letter.patch" &&
    grep -q '^This series depends on the series "hw/core: y and z", posted with it\.$' "$dd/v2-0000-cover-letter.patch" &&
    grep -q "^This series applies to QEMU v$upver with the series above\.\$" "$dd/v2-0000-cover-letter.patch" ||
    { cat "$dd/v2-0000-cover-letter.patch"; fail "the dep cover letter"; }
grep -q '^+int w;$' "$dd/v2-0001-hw-core-add-w.patch" && ! grep -q '^+int z;$' "$dd/v2-0001-hw-core-add-w.patch" ||
    fail "the dep patch holds more than its own change"
ok "a topic with 'Based-on: TOPIC' is applied on that topic; alone it is refused; an unknown one is named"
