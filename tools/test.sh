#!/usr/bin/env bash
# make test: every test of the addon on a fresh database copied from a cached
# template (account installed), the emulator's own suite, and an
# uninstall/reinstall check. Fails (exit != 0) on any failure, error or skip.
# Usage: tools/test.sh [--addon-only|--emulator-only] [--tags TEST_TAGS]
source "$(dirname "$0")/lib.sh"

MODE=all
TAGS=/account_xero
while [ $# -gt 0 ]; do
    case "$1" in
        --addon-only) MODE=addon ;;
        --emulator-only) MODE=emulator ;;
        --tags) TAGS="$2"; shift ;;
        *) die "unknown option $1" ;;
    esac
    shift
done

require_odoo
ensure_python_deps
"$ODOO_PYTHON" -c 'import websocket' 2>/dev/null \
    || die "websocket-client is missing from Odoo's virtualenv: browser tests would be skipped."
[ -d "$REPO/xero_emulator" ] || die "the emulator (xero_emulator/) is missing: the addon's tests need it."

LOGDIR="${XERO_LOG_DIR:-$XERO_STATE_DIR/test-logs/$(basename "$ADDONS_LINK_DIR")}"  # one per checkout
mkdir -p "$LOGDIR"
passed=0
failed=0
summary=()

if [ "$MODE" != addon ]; then
    say "emulator tests (pytest)"
    # tools/spec.py prints the folder of Xero's OpenAPI spec, or says how to provide it
    if spec="$(XERO_STATE_DIR="$XERO_STATE_DIR" "$ODOO_PYTHON" "$REPO/tools/spec.py")"; then
        set +e
        (cd "$REPO" && XERO_OPENAPI_DIR="$spec" "$ODOO_PYTHON" -m pytest -q -p no:cacheprovider xero_emulator/tests 2>&1) \
            | tee "$LOGDIR/emulator.log"
        rc=${PIPESTATUS[0]}
        set -e
        # pytest's last line, e.g. "1 failed, 2 passed, 3 errors in 4.56s" (collection errors included)
        line="$(grep -E '^=* ?([0-9]+ [a-z]+(, )?)+ in [0-9.]+s|no tests ran' "$LOGDIR/emulator.log" | tail -1 || true)"
        count() { { grep -oE "[0-9]+ $1" <<<"$line" || echo 0; } | head -1 | cut -d' ' -f1; }
        p="$(count passed)"; f="$(count failed)"; e="$(count 'errors?')"; s="$(count skipped)"
        passed=$((passed + p)); failed=$((failed + f + e + s))
        [ "$s" = 0 ] || summary+=("emulator: $s test(s) SKIPPED — a skip is a failure here")
        if [ "$rc" != 0 ] && [ $((f + e + s)) = 0 ]; then
            failed=$((failed + 1)); summary+=("emulator: pytest exited $rc, no failed test counted — see $LOGDIR/emulator.log")
        fi
        summary+=("emulator: $p passed, $f failed, $e errors (pytest exit $rc)")
    else
        echo "not run: Xero's OpenAPI spec is missing" >"$LOGDIR/emulator.log"
        failed=$((failed + 1))
        summary+=("emulator: NOT RUN — Xero's OpenAPI spec is missing (how to provide it: first message of this run)")
    fi
fi

if [ "$MODE" != emulator ]; then
    ensure_chromium
    ensure_postgres
    ensure_template
    DB="xero_test_$$"
    drop_db "$DB"
    psql_admin -qc "CREATE DATABASE \"$DB\" TEMPLATE \"$TEMPLATE_DB\" OWNER $PGUSER_ODOO"
    trap 'drop_db "$DB" >/dev/null 2>&1 || true' EXIT
    PORT="$(free_port)"
    say "addon tests on database $DB (Odoo's runner, tags $TAGS, HTTP port $PORT)"
    set +e
    # shellcheck disable=SC2046
    $(odoo_cmd "$DB" -i account_xero --test-enable --test-tags "$TAGS" --stop-after-init \
        --http-interface=127.0.0.1 --http-port="$PORT" --gevent-port="$(free_port)" \
        --log-level=test --log-handler=werkzeug:WARNING) >"$LOGDIR/addon.log" 2>&1
    rc=$?
    set -e
    grep -E "(ERROR|FAIL|CRITICAL)[: ]|odoo\.tests\.(result|stats)|Ran [0-9]+ test" "$LOGDIR/addon.log" | tail -40 || true
    res="$(grep -E 'odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$LOGDIR/addon.log" | tail -1 || true)"
    read -r f e n < <(sed -nE 's/.*result: ([0-9]+) failed, ([0-9]+) error.* of ([0-9]+) tests.*/\1 \2 \3/p' <<<"$res"; echo 0 0 0)
    skipped="$(grep -cE ' INFO [^ ]+ [^ ]+: skipped .* : ' "$LOGDIR/addon.log" || true)"
    # tests that failed, each once: a test logs one FAIL/ERROR per failed subtest or tearDown
    bad="$({ grep -E ' odoo\.addons\.[^ ]+: (FAIL|ERROR): ' "$LOGDIR/addon.log" || true; } \
        | sed -E 's/.*: (FAIL|ERROR): //; s/^Subtest ([^ ]+) .*/\1/' | sort -u | wc -l)"
    ok=$((n - bad - skipped)); [ "$ok" -ge 0 ] || ok=0
    passed=$((passed + ok)); failed=$((failed + f + e + skipped))
    why=""
    if [ -z "$res" ]; then why="no test result line"
    elif [ "$n" = 0 ]; then why="ran no test"
    elif [ "$rc" != 0 ] && [ $((f + e)) = 0 ]; then why="Odoo failed, no failed test counted"
    fi
    if [ -n "$why" ]; then
        failed=$((failed + 1)); summary+=("addon: $why (Odoo exit $rc) — see $LOGDIR/addon.log")
        tail -30 "$LOGDIR/addon.log"
    fi
    if [ "$skipped" -gt 0 ]; then
        grep -E ' INFO [^ ]+ [^ ]+: skipped .* : ' "$LOGDIR/addon.log" | sed 's/^/  /'
        summary+=("addon: $skipped test(s) SKIPPED (missing Chromium, websocket-client or HTTP server?) — a skip is a failure here")
    fi
    summary+=("addon: $ok passed, $f failed, $e errors, $skipped skipped of $n (Odoo exit $rc)")

    if [ "$TAGS" = /account_xero ]; then
        say "uninstall and reinstall check"
        set +e
        "$ODOO_PYTHON" "$REPO/tools/uninstall_check.py" "$ODOO_BIN" "$ADDONS_PATH" "$PGHOST" "$PGPORT" \
            "$PGUSER_ODOO" "$DB" "$XERO_STATE_DIR/filestore" >"$LOGDIR/uninstall.log" 2>&1
        urc=$?
        set -e
        if [ "$urc" = 0 ]; then
            passed=$((passed + 1)); summary+=("uninstall/reinstall: passed")
        else
            failed=$((failed + 1)); summary+=("uninstall/reinstall: FAILED — see $LOGDIR/uninstall.log")
            tail -20 "$LOGDIR/uninstall.log"
        fi
    fi
    if [ "$TAGS" = /account_xero ]; then
        say "the sync as queue_job jobs in real worker processes (tools/jobs_check.py)"
        set +e
        "$ODOO_PYTHON" "$REPO/tools/jobs_check.py" --odoo-bin "$ODOO_BIN" --addons-path "$ADDONS_PATH" \
            --template "$TEMPLATE_DB" --logdir "$LOGDIR" >"$LOGDIR/jobs.log" 2>&1
        jrc=$?
        set -e
        grep -E '^jobs check|PROBLEM' "$LOGDIR/jobs.log" || true
        if [ "$jrc" = 0 ]; then
            passed=$((passed + 1)); summary+=("queue_job jobs in real workers: passed")
        else
            failed=$((failed + 1)); summary+=("queue_job jobs in real workers: FAILED — see $LOGDIR/jobs.log")
            tail -20 "$LOGDIR/jobs.log"
        fi
    fi
fi

if [ "$MODE" = all ]; then
    say "lint (ruff + pylint-odoo)"
    if bash "$REPO/tools/lint.sh" >"$LOGDIR/lint.log" 2>&1; then
        passed=$((passed + 1)); summary+=("lint: ruff and pylint-odoo report nothing")
    else
        failed=$((failed + 1)); summary+=("lint: FAILED — see $LOGDIR/lint.log"); tail -30 "$LOGDIR/lint.log"
    fi
fi

echo
printf '  %s\n' "${summary[@]}"
echo "account_xero: $passed passed, $failed failed"
[ "$failed" = 0 ]
