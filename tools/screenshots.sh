#!/usr/bin/env bash
# make screenshots: the README's pictures (docs/img/*.png) from a fresh `make run` demo in
# headless Chromium. It runs `make run` on its own database and ports (XERO_SHOTS_DB,
# XERO_SHOTS_ODOO_PORT, XERO_SHOTS_EMULATOR_PORT), so a `make run` of yours is left alone,
# takes the pictures (tools/screenshots.py), then stops what it started and drops that database.
# XERO_SHOTS_URL=http://127.0.0.1:8069 XERO_SHOTS_DB=xero_demo: take them from a running demo instead.
source "$(dirname "$0")/lib.sh"

OUT="${XERO_SHOTS_DIR:-$REPO/docs/img}"
DB="${XERO_SHOTS_DB:-xero_screenshots}"
require_odoo
ensure_python_deps
ensure_chromium
if [ -n "${XERO_SHOTS_URL:-}" ]; then
    exec "$ODOO_PYTHON" "$REPO/tools/screenshots.py" --url "$XERO_SHOTS_URL" --db "$DB" --out "$OUT"
fi

ODOO_PORT="${XERO_SHOTS_ODOO_PORT:-8269}"
EMU_PORT="${XERO_SHOTS_EMULATOR_PORT:-8299}"
URL="http://127.0.0.1:$ODOO_PORT"
LOG="$XERO_STATE_DIR/screenshots-run.log"
ensure_postgres
shots_pg_started="$PG_STARTED_HERE"
# a fresh demo every time: the same pictures from the same code
drop_db "$DB"
rm -f "$XERO_STATE_DIR/emulator-state-$DB.json"
say "starting the demo on $URL (database $DB; log: $LOG)"
XERO_RUN_DB="$DB" XERO_ODOO_PORT="$ODOO_PORT" XERO_EMULATOR_PORT="$EMU_PORT" bash "$REPO/tools/run.sh" >"$LOG" 2>&1 &
run_pid=$!
finish() {
    XERO_RUN_DB="$DB" bash "$REPO/tools/run.sh" --stop >/dev/null 2>&1 || true
    wait "$run_pid" 2>/dev/null || true
    drop_db "$DB" || true
    rm -rf "$XERO_STATE_DIR/emulator-state-$DB.json" "$XERO_STATE_DIR/run-$DB" "$XERO_STATE_DIR/filestore/$DB"
    [ "$shots_pg_started" = 1 ] && stop_postgres
    return 0
}
trap finish EXIT
for _ in $(seq 1 600); do
    kill -0 "$run_pid" 2>/dev/null || die "the demo did not start: see $LOG"
    "$ODOO_PYTHON" -c "import urllib.request as u; u.urlopen('$URL/web/login', timeout=2)" 2>/dev/null && break
    sleep 1
done
"$ODOO_PYTHON" "$REPO/tools/screenshots.py" --url "$URL" --db "$DB" --out "$OUT"
say "pictures in $OUT"
