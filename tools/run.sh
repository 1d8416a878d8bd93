#!/usr/bin/env bash
# make run: private PostgreSQL on loopback, the local Xero emulator with its demo
# organisation, and Odoo 18 with account_xero and a demo company connected to it.
# Ctrl-C (or `make stop` from another shell) stops all three.
source "$(dirname "$0")/lib.sh"

# XERO_RUN_DB, XERO_ODOO_PORT and XERO_EMULATOR_PORT let a second instance run beside the
# first (the same PostgreSQL cluster): its processes, logs and emulator state are its own.
RUN_DB="${XERO_RUN_DB:-xero_demo}"
ODOO_PORT="${XERO_ODOO_PORT:-8069}"
EMU_PORT="${XERO_EMULATOR_PORT:-8099}"
EMU_URL="http://127.0.0.1:$EMU_PORT"
RUN_TAG="$([ "$RUN_DB" = xero_demo ] || echo "-$RUN_DB")"
PIDS="$XERO_STATE_DIR/run$RUN_TAG"
ODOO_LOG="$XERO_STATE_DIR/odoo$RUN_TAG.log"
EMU_LOG="$XERO_STATE_DIR/emulator$RUN_TAG.log"
EMU_STATE="$XERO_STATE_DIR/emulator-state$RUN_TAG.json"

stop_all() {
    local f pid
    for f in odoo emulator; do
        # read once: 'make stop' and the run's own exit may stop at the same time
        pid="$(cat "$PIDS/$f.pid" 2>/dev/null)" || continue
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$PIDS/$f.pid"
    done
    # PostgreSQL only if this run started it (a test run may be using it)
    if [ -f "$PIDS/postgres.started" ]; then stop_postgres; rm -f "$PIDS/postgres.started"; fi
}

if [ "${1:-}" = "--stop" ]; then stop_all; say "stopped"; exit 0; fi

require_odoo
ensure_python_deps
ensure_postgres
mkdir -p "$PIDS"
[ "$PG_STARTED_HERE" = 1 ] && touch "$PIDS/postgres.started"
trap 'say "stopping"; stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

if ! "$ODOO_PYTHON" -c "import urllib.request as u; u.urlopen('$EMU_URL/_emulator/health', timeout=2)" 2>/dev/null; then
    say "starting the local Xero emulator on $EMU_URL"
    (cd "$REPO" && exec "$ODOO_PYTHON" -m xero_emulator --host 127.0.0.1 --port "$EMU_PORT" \
        --state-file "$EMU_STATE") >"$EMU_LOG" 2>&1 &
    echo $! >"$PIDS/emulator.pid"
    for _ in $(seq 1 50); do
        "$ODOO_PYTHON" -c "import urllib.request as u; u.urlopen('$EMU_URL/_emulator/health', timeout=2)" 2>/dev/null && break
        sleep 0.2
    done
fi

if ! db_exists "$RUN_DB"; then
    ensure_template
    say "creating database $RUN_DB (account + account_xero)"
    psql_admin -qc "CREATE DATABASE \"$RUN_DB\" TEMPLATE \"$TEMPLATE_DB\" OWNER $PGUSER_ODOO"
fi
# install or update the addon (idempotent), then connect the demo company
installed="$(psql_admin -d "$RUN_DB" -tAc "SELECT 1 FROM ir_module_module WHERE name='account_xero' AND state='installed'" || true)"
# shellcheck disable=SC2046
$(odoo_cmd "$RUN_DB" "$([ "$installed" = 1 ] && echo -u || echo -i)" account_xero --stop-after-init --no-http --log-level=warn) \
    || die "installing account_xero into $RUN_DB failed"
# shellcheck disable=SC2046
XERO_EMULATOR_URL="$EMU_URL" $(odoo_cmd "$RUN_DB" shell --no-http --log-level=warn) \
    <"$REPO/tools/demo_setup.py" | grep XERO_DEMO || die "connecting the demo company failed (see above)"

say "Odoo:  http://127.0.0.1:$ODOO_PORT/odoo   login: admin   password: admin"
say "Xero:  $EMU_URL (local emulator, demo organisation)   logs: $ODOO_LOG, $EMU_LOG"
say "Ctrl-C (or 'make stop', with the same XERO_RUN_DB) stops Odoo, the emulator and PostgreSQL"
# shellcheck disable=SC2046
$(odoo_cmd "$RUN_DB" --http-interface=127.0.0.1 --http-port="$ODOO_PORT" --gevent-port="$(free_port)" \
    --log-level=info) >"$ODOO_LOG" 2>&1 &
echo $! >"$PIDS/odoo.pid"
wait "$(cat "$PIDS/odoo.pid")"
