#!/usr/bin/env bash
# make bench: the benchmarks and fault runs of bench/README.md, then the
# summary table. Not part of make test. Each step can be run alone (see the
# README); this script runs them in an order that reuses what the previous
# one left (the bench template, the exported database).
# Usage: bench/run.sh [--quick]     (--quick: smoke sizes, a few minutes)
source "$(dirname "$0")/../tools/lib.sh"

QUICK=()
if [ "${1:-}" = "--quick" ]; then QUICK=(--quick); fi

require_odoo
ensure_python_deps
ensure_postgres
ensure_template
export XERO_STATE_DIR XERO_PGPORT="$PGPORT"

LOGDIR="${XERO_LOG_DIR:-$XERO_STATE_DIR/bench-logs}"
mkdir -p "$LOGDIR" "$REPO/bench/results"
cd "$REPO"
started=$(date +%s)
failed=()

step() {  # step NAME COMMAND...: run one benchmark, its figures on stdout, its log in $LOGDIR/NAME.log
    local name="$1"; shift
    say "$name: $* (log: $LOGDIR/$name.log)"
    local t0; t0=$(date +%s)
    if "$@" 2>"$LOGDIR/$name.log"; then
        say "$name: done in $(( $(date +%s) - t0 )) s"
    else
        failed+=("$name")
        say "$name: FAILED after $(( $(date +%s) - t0 )) s — last lines of $LOGDIR/$name.log:"
        grep -v -e '^\s*$' -e 'Warning' "$LOGDIR/$name.log" | tail -15 >&2
    fi
}

step export "$ODOO_PYTHON" bench/bench_export.py "${QUICK[@]}"
step po_export "$ODOO_PYTHON" bench/bench_po_export.py "${QUICK[@]}"
step import "$ODOO_PYTHON" bench/bench_import.py "${QUICK[@]}"
step parallel "$ODOO_PYTHON" bench/bench_parallel.py --seconds 240 "${QUICK[@]}"
step fault_kill "$ODOO_PYTHON" bench/fault_kill.py "${QUICK[@]}"
step fault_storm "$ODOO_PYTHON" bench/fault_storm.py "${QUICK[@]}"

# The bad-inputs corpus is an Odoo test class (also part of make test).
say "corpus: tools/test.sh --addon-only --tags /account_xero:TestBadInputsCorpus"
set +e
XERO_LOG_DIR="$LOGDIR/corpus" bash tools/test.sh --addon-only --tags /account_xero:TestBadInputsCorpus \
    >"$LOGDIR/corpus.out" 2>&1
crc=$?
set -e
cline="$(grep -E 'odoo.tests.result: [0-9]+ failed' "$LOGDIR/corpus/addon.log" 2>/dev/null | tail -1 | sed 's/.*odoo.tests.result: //')"
cases="$(grep -oE '\([0-9]+ bad inputs' "$LOGDIR/corpus/addon.log" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || true)"
"$ODOO_PYTHON" - "$crc" "${cline:-no result line}" "${cases:-0}" <<'EOF'
import json, sys
from pathlib import Path
rc, line, cases = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
Path("bench/results/corpus.json").write_text(json.dumps({"ok": rc == 0, "line": line, "cases": cases}))
EOF
[ "$crc" = 0 ] || failed+=(corpus)

say "all steps done in $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s"
set +e
"$ODOO_PYTHON" bench/summary.py "${QUICK[@]}"
src=$?
set -e
if [ ${#failed[@]} -gt 0 ]; then
    echo "steps that failed: ${failed[*]} (logs in $LOGDIR)"
    exit 2
fi
exit $src
