"""Harness shared by the benchmarks and fault runs of ``bench/``.

What it gives:

* :func:`machine_info` and :func:`write_result` (JSON under ``bench/results/``);
* :class:`EmulatorProcess`: the local Xero in **its own process**
  (``python -m xero_emulator``), driven through its admin API — it survives
  the SIGKILLs of the Odoo process and is shared by the phases of a run;
* PostgreSQL helpers (:func:`pg_admin`, :func:`copy_db`, :func:`drop_db`) on
  the private cluster of ``tools/lib.sh``;
* :func:`odoo_init` / :func:`odoo_env`: Odoo 18 in this Python process
  (``odoo.tools.config`` + the registry of one database), no HTTP server;
* :func:`connect_to_emulator`: point a bench database's connection at an
  emulator (fresh token, master data imported and mapped) — the same path as
  ``tools/demo_setup.py``;
* :func:`emulator_documents` / :func:`count_by_number`: what Xero holds,
  to count lost and duplicated documents.

Nothing here is part of the addon; the bench processes import Odoo
themselves (run them with Odoo's virtualenv python).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = BENCH / "results"
STATE_DIR = Path(os.environ.get("XERO_STATE_DIR", "/var/tmp/account_xero"))  # noqa: S108 - as tools/lib.sh
PGHOST = "127.0.0.1"
PGPORT = int(os.environ.get("XERO_PGPORT", "55432"))
PGUSER_ODOO = "odoo"
ACCOUNT_TEMPLATE = os.environ.get("XERO_TEMPLATE_DB", "xero_tmpl_account_18")
DEMO_CLIENT_ID = "ACCOUNT-XERO-DEMO"
DEMO_CLIENT_SECRET = "account-xero-demo-secret"
DEMO_TENANT_ID = "7a1c5d7e-1b2c-4d3e-9f00-00000000d3e0"

if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


def _checkout_tag():
    """``cksum`` of this checkout's path, as tools/lib.sh names its addons link folder."""
    out = subprocess.run(["cksum"], input=str(REPO).encode(), capture_output=True, check=True).stdout
    return out.split()[0].decode()


#: one name space per checkout: two clones (or worktrees) benchmark at once without touching
#: each other's databases, state files or addons link
TAG = os.environ.get("XERO_BENCH_TAG") or _checkout_tag()


def db_name(name):
    """The database ``name`` of this checkout's benchmarks."""
    return f"xero_bench_{TAG}_{name}"


def log(*parts):
    """Progress line on stderr (figures go to stdout)."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}]", *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- machine and results
def machine_info():
    """CPU model, cores, RAM, OS, Python, PostgreSQL and date of this run."""
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    pg_version = "?"
    with contextlib.suppress(Exception):
        pg_version = pg_admin("SHOW server_version", fetch=True)[0][0]
    commit = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False, timeout=10).stdout.strip() or "?"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb,
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "postgresql": pg_version, "git_commit": commit, "host": socket.gethostname(),
    }


def write_result(name, data):
    """Write ``bench/results/<name>.json`` (git-ignored) and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
    return path


def print_figures(title, rows):
    """Print ``[(label, value)]`` as an aligned block on stdout."""
    print(f"\n== {title}")
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    sys.stdout.flush()


# ---------------------------------------------------------------- the emulator process
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorProcess:
    """``python -m xero_emulator`` in a child process, with its admin API."""

    def __init__(self, day_limit=5000, port=None, name="emulator", state_file=None):
        self.day_limit = day_limit
        self.port = port or free_port()
        self.name = name
        self.state_file = state_file
        self.proc = None
        self.log_path = STATE_DIR / "bench-logs" / f"{name}-{self.port}.log"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logfile = self.log_path.open("w")
        cmd = [sys.executable, "-m", "xero_emulator", "--host", "127.0.0.1", "--port", str(self.port),
               "--day-limit", str(self.day_limit)]
        if self.state_file:
            # saved on demand (save()) and at exit only: autosaving a large state would
            # steal CPU from the measured run
            cmd += ["--state-file", str(self.state_file), "--autosave-seconds", "86400"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=str(REPO), stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the emulator exited at start: see {self.log_path}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                if self.admin("GET", "/health").get("status") == "ok":
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"the emulator did not answer within 30 s: see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def admin(self, method, path, body=None, timeout=120):
        """Call ``/_emulator<path>``; returns the decoded JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + "/_emulator" + path, data=data, method=method,  # noqa: S310
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the local emulator
            return json.loads(resp.read() or b"{}")

    @classmethod
    def attach(cls, url):
        """An :class:`EmulatorProcess` for an emulator already running at ``url``."""
        return cls(port=int(url.rstrip("/").rsplit(":", 1)[1]))

    def reset(self):
        return self.admin("POST", "/reset", {"demo": True})

    def save(self):
        return self.admin("POST", "/save", {}, timeout=600)

    def token(self):
        return self.admin("POST", "/tokens", {"client_id": DEMO_CLIENT_ID, "tenant_ids": [DEMO_TENANT_ID]})

    def set_limits(self, **limits):
        return self.admin("POST", "/limits", limits)

    def fault(self, mode, count=1, method=None, path=None, **extra):
        body = {"mode": mode, "count": count, "method": method, "path": path, **extra}
        return self.admin("POST", "/faults", body)

    def clear_faults(self):
        return self.admin("DELETE", "/faults")

    def pending_faults(self):
        return self.admin("GET", "/faults")["faults"]

    def advance_clock(self, seconds):
        return self.admin("POST", "/clock", {"advance_seconds": seconds})

    def counters(self):
        """Counters of the demo organisation (zeros when it was never called)."""
        data = self.admin("GET", "/counters").get(DEMO_TENANT_ID) or {}
        return {"total_calls": data.get("total_calls", 0), "rate_limited": data.get("rate_limited", {}),
                "calls_by_route": data.get("calls_by_route", {}),
                "max_calls_per_minute": data.get("max_calls_per_minute", 0),
                "max_concurrent": data.get("max_concurrent", 0)}

    def last_seq(self):
        """The ``seq`` of the newest request the emulator logged (0 when none)."""
        entries = self.admin("GET", "/requests", timeout=120)["requests"]
        return entries[-1]["seq"] if entries else 0

    def bytes_since(self, seq):
        """``(requests, bytes)`` Xero answered since request ``seq`` (bodies of its answers)."""
        entries = self.admin("GET", f"/requests?since={seq}", timeout=120)["requests"]
        return len(entries), sum(e.get("response_length", 0) for e in entries)

    def state(self):
        return self.admin("GET", "/state", timeout=300).get(DEMO_TENANT_ID) or {}


def whole_minutes(stamps):
    """Counts of ``stamps`` (epoch ms, sorted) in each whole 60-second window
    after the first minute (empty when there is none)."""
    if len(stamps) < 2:
        return []
    end_first = stamps[0] + 60_000
    windows = int((stamps[-1] - end_first) // 60_000)
    return [sum(1 for t in stamps if end_first + i * 60_000 <= t < end_first + (i + 1) * 60_000)
            for i in range(windows)]


def counters_delta(after, before):
    """Calls between two :meth:`EmulatorProcess.counters` snapshots."""
    routes = Counter(after["calls_by_route"])
    routes.subtract(before["calls_by_route"])
    limited = Counter(after["rate_limited"])
    limited.subtract(before["rate_limited"])
    return {"calls": after["total_calls"] - before["total_calls"],
            "rate_limited": {k: v for k, v in limited.items() if v},
            "calls_by_route": {k: v for k, v in routes.items() if v},
            "max_calls_per_minute": after["max_calls_per_minute"],
            "max_concurrent": after["max_concurrent"]}


def xero_ms(value):
    """Epoch ms of a Xero ``/Date(1700000000000+0000)/`` string (None when absent)."""
    if not value or "(" not in value:
        return None
    digits = value.split("(", 1)[1].split("+", 1)[0].split(")", 1)[0].split("-", 1)[0]
    return int(digits) if digits.isdigit() else None


def emulator_documents(state, collection="Invoices", number_field="InvoiceNumber"):
    """The documents of one collection the emulator holds (deleted ones too)."""
    return [doc for doc in state.get(collection, []) if doc.get(number_field)]


def count_by_number(state, numbers, collection="Invoices", number_field="InvoiceNumber"):
    """``(lost, duplicated, present)`` of the expected document numbers.

    lost = expected and absent from Xero; duplicated = expected numbers Xero
    holds more than once (each extra copy counts once)."""
    seen = Counter(doc[number_field] for doc in emulator_documents(state, collection, number_field))
    expected = set(numbers)
    lost = sorted(n for n in expected if not seen.get(n))
    duplicated = {n: seen[n] for n in expected if seen.get(n, 0) > 1}
    extra = sorted(n for n in seen if n not in expected)
    return lost, duplicated, extra


# ---------------------------------------------------------------- PostgreSQL
def pg_admin(sql, params=None, fetch=False, dbname="postgres"):
    """Run SQL as the cluster's superuser (autocommit)."""
    import psycopg2

    cnx = psycopg2.connect(host=PGHOST, port=PGPORT, user="postgres", dbname=dbname)
    try:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if fetch else None
    finally:
        cnx.close()


def db_exists(name):
    return bool(pg_admin("SELECT 1 FROM pg_database WHERE datname = %s", (name,), fetch=True))


def drop_db(name):
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_db(template, name):
    """``name`` as a file copy of ``template`` (dropped first when it exists)."""
    drop_db(name)
    pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER {PGUSER_ODOO} STRATEGY FILE_COPY')


def list_dbs(prefix):
    """Databases whose name starts with ``prefix`` (no LIKE: ``_`` is a wildcard there)."""
    return [r[0] for r in pg_admin("SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1",
                                   (prefix,), fetch=True)]


# ---------------------------------------------------------------- Odoo in this process
def odoo_paths():
    """``(odoo-bin, addons path)`` as ``tools/lib.sh`` computes them."""
    import odoo.release

    src = Path(odoo.release.__file__).resolve().parents[1]
    links = STATE_DIR / "addons" / TAG
    links.mkdir(parents=True, exist_ok=True)
    link = links / "account_xero"
    if not link.is_symlink() or link.resolve() != REPO:
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(REPO)
    return src / "odoo-bin", f"{src}/addons,{src}/odoo/addons,{links}"


def odoo_args(db=None):
    _bin, addons = odoo_paths()
    args = [f"--addons-path={addons}", f"--db_host={PGHOST}", f"--db_port={PGPORT}",
            f"--db_user={PGUSER_ODOO}", f"--data-dir={STATE_DIR / 'filestore'}"]
    if db:
        args.append(f"--database={db}")
    return args


_ODOO_READY = False


def odoo_init(log_level="warn"):
    """Configure Odoo in this process (once): database, addons, logging."""
    global _ODOO_READY  # noqa: PLW0603 - one configuration per process
    if _ODOO_READY:
        return
    from odoo.tools import config

    config.parse_config([*odoo_args(), f"--log-level={log_level}", "--no-http", "--workers=0",
                         "--max-cron-threads=0"])
    _ODOO_READY = True


def registry(db):
    """The (loaded) registry of ``db``."""
    odoo_init()
    from odoo.modules.registry import Registry

    return Registry(db)


@contextlib.contextmanager
def odoo_env(db, commit=True):
    """A superuser environment on a new cursor of ``db``; committed at the end."""
    from odoo import SUPERUSER_ID, api

    reg = registry(db)
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC", "lang": "en_US"})
        yield env
        if commit:
            cr.commit()
        else:
            cr.rollback()


def install_addon(db, logfile):
    """``odoo-bin -i account_xero`` on ``db`` (a separate process, like make test)."""
    odoo_bin, _addons = odoo_paths()
    cmd = [sys.executable, str(odoo_bin), *odoo_args(db), "-i", "account_xero", "--stop-after-init",
           "--no-http", "--without-demo=all", "--log-level=warn"]
    with Path(logfile).open("w") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    if rc:
        raise RuntimeError(f"installing account_xero into {db} failed (exit {rc}): see {logfile}")


# ---------------------------------------------------------------- connection to an emulator
def connect_to_emulator(env, emulator):
    """Point the company's connection at ``emulator`` with a fresh token, import
    the master data (accounts, tax rates, tracking) and map it as the bench
    dataset expects (see :func:`dataset.map_master_data`). Returns the
    connection. The calls it makes are set-up, not counted by the figures."""
    import dataset

    conn = env["xero.connection"].sudo().search([], limit=1)
    token = emulator.token()
    conn.write({"api_url": emulator.base_url, "identity_url": emulator.base_url,
                "login_url": emulator.base_url, "state": "connected", "tenant_id": DEMO_TENANT_ID})
    conn._xero_store_token(token)
    if hasattr(conn, "action_xero_import_master_data"):
        conn.action_xero_import_master_data()
    dataset.map_master_data(env, conn)
    env.cr.commit()
    return conn


# ---------------------------------------------------------------- memory
def rss_kb(field="VmRSS"):
    """A memory figure of this process from /proc/self/status (kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def reset_peak_rss():
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def run_worker(args, timeout=3600):
    """Run ``bench/worker.py`` in a fresh process; return its JSON answer."""
    cmd = [sys.executable, str(BENCH / "worker.py"), *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    sys.stderr.write(proc.stderr[-20000:])
    if proc.returncode:
        raise RuntimeError(f"worker {' '.join(map(str, args))} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"worker {' '.join(map(str, args))} printed no result:\n{proc.stdout[-3000:]}")
    return json.loads(lines[-1])
