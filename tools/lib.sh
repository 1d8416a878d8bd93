# Shared helpers of tools/*.sh. Source it; it sets -euo pipefail.
# Everything it creates lives under $XERO_STATE_DIR (outside the repo).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PYTHON="${ODOO_PYTHON:-/opt/odoo18/venv/bin/python}"
XERO_STATE_DIR="${XERO_STATE_DIR:-/var/tmp/account_xero}"
PGPORT="${XERO_PGPORT:-55432}"
PGHOST=127.0.0.1
PGUSER_ODOO=odoo
PGDATA="$XERO_STATE_DIR/pgdata"
PGLOG="$XERO_STATE_DIR/postgres.log"
# one link folder per checkout: two clones (or worktrees) can test at once
ADDONS_LINK_DIR="$XERO_STATE_DIR/addons/$(printf '%s' "$REPO" | cksum | cut -d' ' -f1)"
export PGHOST PGPORT

say() { printf '\033[1m[account_xero]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[account_xero] ERROR:\033[0m %s\n' "$*" >&2; exit 2; }

# --- Odoo ------------------------------------------------------------------
# Odoo 18 is a prerequisite: ODOO_PYTHON (default /opt/odoo18/venv/bin/python)
# must import odoo 18. Sets ODOO_SRC, ODOO_BIN, ADDONS_PATH.
require_odoo() {
    [ -x "$ODOO_PYTHON" ] || die "Odoo 18 is missing: no Python at ODOO_PYTHON=$ODOO_PYTHON.
  Install Odoo 18.0 from source with its virtualenv (see README, 'Prerequisites') or set
  ODOO_PYTHON to the python of a virtualenv where 'import odoo' gives Odoo 18."
    local out
    out="$("$ODOO_PYTHON" -c 'import os, odoo.release as r; print(r.version_info[0]); print(os.path.dirname(os.path.dirname(os.path.abspath(r.__file__))))' 2>&1)" \
        || die "Odoo 18 is missing: '$ODOO_PYTHON -c \"import odoo\"' failed:
$out"
    local major
    major="$(printf '%s\n' "$out" | sed -n 1p)"
    ODOO_SRC="$(printf '%s\n' "$out" | sed -n 2p)"
    [ "$major" = "18" ] || die "ODOO_PYTHON=$ODOO_PYTHON imports Odoo $major, not Odoo 18."
    ODOO_BIN="$ODOO_SRC/odoo-bin"
    [ -f "$ODOO_BIN" ] || die "Odoo 18 found at $ODOO_SRC but it has no odoo-bin."
    mkdir -p "$ADDONS_LINK_DIR"
    ln -sfn "$REPO" "$ADDONS_LINK_DIR/account_xero"
    ADDONS_PATH="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ADDONS_LINK_DIR"
}

# Python packages the addon, its tests and the emulator tests need, installed
# into Odoo's virtualenv when missing. setuptools stays < 81 (gevent and
# cbor2 need pkg_resources).
ensure_python_deps() {
    if "$ODOO_PYTHON" - <<'EOF' 2>/dev/null
import importlib.util as u, sys
mods = ["xero_python", "pytest", "pytest_odoo", "websocket", "jsonschema", "yaml", "referencing",
        "odoo.addons.queue_job"]
sys.exit(0 if all(u.find_spec(m) for m in mods) else 1)
EOF
    then return 0; fi
    say "installing Python dependencies into $(dirname "$ODOO_PYTHON")"
    PIP_CONSTRAINT="$REPO/tools/constraints.txt" "$ODOO_PYTHON" -m pip install -q \
        -r "$REPO/requirements.txt" -r "$REPO/tools/requirements-test.txt" \
        $([ -f "$REPO/xero_emulator/requirements-test.txt" ] && echo -r "$REPO/xero_emulator/requirements-test.txt") \
        || die "pip could not install the Python dependencies (see above)."
}

# Chromium for HttpCase tours: Debian's package, installed when missing.
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then return 0; fi
    say "installing Debian's chromium (browser tests need it)"
    if [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
            || die "apt-get could not install chromium: browser tests cannot run."
    else
        die "chromium is missing and this user cannot apt-get install it: run 'sudo apt-get install chromium'."
    fi
}

# --- PostgreSQL --------------------------------------------------------------
pg_bin() {
    local b
    for b in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [ -x "$b/pg_ctl" ] && { echo "$b"; return; }
    done
    command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return; }
    die "PostgreSQL server binaries (pg_ctl, initdb) are missing: apt-get install postgresql-15."
}

# Run a PostgreSQL server command as the owner of the cluster (initdb refuses root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Start (or reuse) the private cluster on 127.0.0.1:$PGPORT.
ensure_postgres() {
    local bin; bin="$(pg_bin)"
    mkdir -p "$XERO_STATE_DIR"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in $PGDATA"
        mkdir -p "$PGDATA"
        [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA" "$XERO_STATE_DIR"
        as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    PG_STARTED_HERE=0
    if ! as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        PG_STARTED_HERE=1
        [ "$(id -u)" = 0 ] && { touch "$PGLOG"; chown postgres: "$PGLOG"; }
        as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 \
            -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null || die "PostgreSQL did not start: see $PGLOG"
    fi
    psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='$PGUSER_ODOO'" | grep -q 1 \
        || psql_admin -qc "CREATE ROLE $PGUSER_ODOO LOGIN CREATEDB"
}

stop_postgres() {
    local bin; bin="$(pg_bin)"
    [ -f "$PGDATA/PG_VERSION" ] || return 0
    as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 || return 0
    as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
}

psql_admin() { PGOPTIONS='-c client_min_messages=warning' psql -X -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres "$@"; }

db_exists() { psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }

drop_db() { psql_admin -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }

# Odoo command line for database $1 (more arguments follow; "shell" as $2 is the subcommand).
odoo_cmd() {
    local db="$1" sub=""; shift
    if [ "${1:-}" = shell ]; then sub=shell; shift; fi
    echo "$ODOO_PYTHON" "$ODOO_BIN" $sub --addons-path="$ADDONS_PATH" \
        --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER_ODOO" -d "$db" \
        --data-dir="$XERO_STATE_DIR/filestore" "$@"
}

# The template with 'account' installed (built once, ~80 s), reused by every test run.
TEMPLATE_DB="${XERO_TEMPLATE_DB:-xero_tmpl_account_18}"
ensure_template() {
    if db_exists "$TEMPLATE_DB"; then return 0; fi
    say "building template database $TEMPLATE_DB with 'account' (once, about 80 s)"
    local tmp="${TEMPLATE_DB}_building"
    drop_db "$tmp"
    # shellcheck disable=SC2046
    $(odoo_cmd "$tmp" -i account --without-demo=all --stop-after-init --no-http --log-level=warn) \
        || die "installing 'account' into the template database failed"
    psql_admin -qc "ALTER DATABASE \"$tmp\" RENAME TO \"$TEMPLATE_DB\""
}

free_port() {
    "$ODOO_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
