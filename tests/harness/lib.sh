# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the harness tests.  Each test is a bash script that exits 0
# when every check passed, 1 on the first failed check (with the reason).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ql-test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
# expect_fail LOG CMD...: CMD must exit non-zero; its output goes to LOG.
expect_fail() {
    local log=$1
    shift
    if "$@" >"$log" 2>&1; then
        cat "$log"
        fail "expected '$*' to fail, it succeeded"
    fi
}
