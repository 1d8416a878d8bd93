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

LOGDIR="${XERO_LOG_DIR:-$XERO_STATE_DIR/test-logs}"
mkdir -p "$LOGDIR"
passed=0
failed=0
summary=()

if [ "$MODE" != addon ]; then
    say "emulator tests (pytest)"
    set +e
    (cd "$REPO" && "$ODOO_PYTHON" -m pytest -q -p no:cacheprovider xero_emulator/tests 2>&1) \
        | tee "$LOGDIR/emulator.log"
    rc=${PIPESTATUS[0]}
    set -e
    line="$(grep -E '^[=]* ?[0-9]+ (passed|failed)' "$LOGDIR/emulator.log" | tail -1 || true)"
    p="$(sed -nE 's/.*[^0-9]([0-9]+) passed.*/\1/p; s/^([0-9]+) passed.*/\1/p' <<<"$line" | head -1)"
    f="$(sed -nE 's/.*[^0-9]([0-9]+) failed.*/\1/p; s/^([0-9]+) failed.*/\1/p' <<<"$line" | head -1)"
    e="$(sed -nE 's/.*[^0-9]([0-9]+) errors?.*/\1/p' <<<"$line" | head -1)"
    s="$(sed -nE 's/.*[^0-9]([0-9]+) skipped.*/\1/p' <<<"$line" | head -1)"
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
    [ "${s:-0}" = 0 ] || { failed=$((failed + s)); summary+=("emulator: $s test(s) SKIPPED — a skip is a failure here"); }
    [ "$rc" = 0 ] || [ "${f:-0}${e:-0}" != "00" ] || failed=$((failed + 1))
    summary+=("emulator: ${p:-0} passed, ${f:-0} failed, ${e:-0} errors (pytest exit $rc)")
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
    if [ -z "$res" ]; then
        failed=$((failed + 1))
        summary+=("addon: no test result line (Odoo exit $rc) — see $LOGDIR/addon.log")
        tail -30 "$LOGDIR/addon.log"
    else
        f="$(sed -nE 's/.*result: ([0-9]+) failed, ([0-9]+) error.* of ([0-9]+) tests.*/\1/p' <<<"$res")"
        e="$(sed -nE 's/.*result: ([0-9]+) failed, ([0-9]+) error.* of ([0-9]+) tests.*/\2/p' <<<"$res")"
        n="$(sed -nE 's/.*result: ([0-9]+) failed, ([0-9]+) error.* of ([0-9]+) tests.*/\3/p' <<<"$res")"
        skipped="$(grep -cE ' skipped .* : ' "$LOGDIR/addon.log" || true)"
        passed=$((passed + n - f - e - skipped)); failed=$((failed + f + e + skipped))
        [ "$n" -gt 0 ] || { failed=$((failed + 1)); summary+=("addon: ran no test"); }
        [ "$rc" = 0 ] || [ $((f + e)) -gt 0 ] || { failed=$((failed + 1)); summary+=("addon: Odoo exited $rc"); }
        if [ "$skipped" -gt 0 ]; then
            grep -E ' skipped .* : ' "$LOGDIR/addon.log" | sed 's/^/  /'
            summary+=("addon: $skipped test(s) SKIPPED (missing Chromium, websocket-client or HTTP server?) — a skip is a failure here")
        fi
        summary+=("addon: $((n - f - e - skipped)) passed, $f failed, $e errors, $skipped skipped of $n (Odoo exit $rc)")
    fi

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
