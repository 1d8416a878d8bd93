#!/usr/bin/env bash
# ruff + pylint-odoo (OCA-style checks) on the addon and the emulator.
# The linters live in their own virtualenv under $XERO_STATE_DIR (not Odoo's).
source "$(dirname "$0")/lib.sh"
LINT_VENV="$XERO_STATE_DIR/lint-venv"
if [ ! -x "$LINT_VENV/bin/pylint" ] || [ ! -x "$LINT_VENV/bin/ruff" ]; then
    say "installing ruff and pylint-odoo into $LINT_VENV"
    python3 -m venv "$LINT_VENV"
    "$LINT_VENV/bin/pip" install -q ruff pylint-odoo || die "pip could not install ruff/pylint-odoo"
fi
cd "$REPO"
rc=0
"$LINT_VENV/bin/ruff" check . || rc=1
# pylint-odoo looks at the addon as a module: run it on the folder named account_xero
mkdir -p "$ADDONS_LINK_DIR"; ln -sfn "$REPO" "$ADDONS_LINK_DIR/account_xero"
(cd "$ADDONS_LINK_DIR" && "$LINT_VENV/bin/pylint" --rcfile="$REPO/.pylintrc" account_xero) || rc=1
[ "$rc" = 0 ] && say "lint: ruff and pylint-odoo report nothing"
exit $rc
