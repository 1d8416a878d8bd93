"""Parallel organisations: many organisations at once, through queue_job.

    python bench/bench_parallel.py                      # 20 organisations x 1,000 invoices
    python bench/bench_parallel.py --orgs 20 --invoices 250 --workers 1,2,4 --seconds 240

The same dataset (``--orgs`` companies, each connected to its own Xero
organisation, ``--invoices`` posted invoices each) is sent four ways, each
on a fresh copy of the bench template against a fresh emulator process:

* **serial cron** — without queue_job: the scheduled action walks the due
  connections one after another (``scheduler.cron_sync``, called again while
  work is due, as Odoo's cron worker does with a handover);
* **1, 2, 4 workers** — queue_job installed, an Odoo server with HTTP
  workers and ``--load=base,web,queue_job``, channel ``root.xero`` of that
  capacity: the scheduled action dispatches one job per organisation.

The emulator enforces Xero's limits per organisation (60 calls a rolling
minute, 5 in flight, the day) and an app-wide limit lowered to
``--app-limit`` calls a minute (Xero's is 10,000) so that the shared
governor's app-wide count is what is proven; every accounting call is
answered after ``--latency`` seconds, Xero's time to answer a batch of 50
invoices (the emulator answers in milliseconds, and then one process alone
reaches any app-wide limit: nothing to share). Each run lasts until the
work is done or ``--seconds`` pass.

Figures per run: invoices in Xero, invoices per minute (whole run, and the
mean of the whole minutes after the first, from Xero's ``UpdatedDateUTC``),
calls, 429s, the most calls one organisation had in any rolling minute and
the most the app had (from the emulator's request log), duplicates (an
invoice number twice in one organisation). Results: printed, and
``bench/results/parallel.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dataset
from common import log

VERSION = 1


def template_name(orgs, invoices):
    return f"xero_bench_{common.TAG}_par_{orgs}x{invoices}_v{VERSION}_{dataset.code_hash()}"


def ensure_template(orgs, invoices):
    name = template_name(orgs, invoices)
    if os.environ.get("XERO_BENCH_REUSE") == "1":
        ready = [db for db in common.list_dbs(f"xero_bench_{common.TAG}_par_{orgs}x{invoices}_v{VERSION}_")
                 if not db.endswith("_building")]
        if ready:
            log(f"XERO_BENCH_REUSE=1: reusing {ready[-1]} (its code hash may be stale)")
            return ready[-1]
    if common.db_exists(name):
        return name
    building = name + "_building"
    log(f"building {name}: {orgs} organisations x {invoices} invoices (a cold run)")
    common.copy_db(common.ACCOUNT_TEMPLATE, building)
    logfile = common.STATE_DIR / "bench-logs" / f"install-{building}.log"
    common.install_addon(building, logfile)
    with common.EmulatorProcess(name="parallel-build") as emu:
        emu.set_limits(minute=100_000, day=1_000_000, concurrent=50)
        report = common.run_worker(["par_build", "--db", building, "--emulator", emu.base_url, "--orgs", orgs,
                                    "--invoices", invoices], timeout=4 * 3600)
    common.pg_admin("VACUUM ANALYZE", dbname=building)
    common.pg_admin(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    log(f"template {name} ready: {report}")
    return name


def install_queue_job(db):
    odoo_bin, _addons = common.odoo_paths()
    logfile = common.STATE_DIR / "bench-logs" / f"install-queue_job-{db}.log"
    cmd = [sys.executable, str(odoo_bin), *common.odoo_args(db), "-i", "queue_job", "--stop-after-init",
           "--no-http", "--without-demo=all", "--log-level=warn"]
    with logfile.open("w") as out:
        if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode:
            raise RuntimeError(f"installing queue_job failed: see {logfile}")


def start_server(db, workers, name):
    odoo_bin, _addons = common.odoo_paths()
    port = common.free_port()
    logfile = common.STATE_DIR / "bench-logs" / f"server-{name}.log"
    cmd = [sys.executable, str(odoo_bin), *common.odoo_args(db), f"--workers={workers + 1}", "--max-cron-threads=0",
           "--load=base,web,queue_job", "--http-interface=127.0.0.1", f"--http-port={port}",
           f"--gevent-port={common.free_port()}", f"--db-filter=^{db}$", "--log-level=info",
           "--log-handler=werkzeug:WARNING", "--limit-time-real=600", "--limit-time-cpu=300"]
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=f"root:{workers},root.xero:{workers}")
    proc = subprocess.Popen(cmd, stdout=logfile.open("w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Odoo server exited: see {logfile}")
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=5):
            return proc
        time.sleep(0.5)
    raise RuntimeError(f"the Odoo server did not answer: see {logfile}")


def stop_server(proc):
    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_done(db, seconds):
    """Until nothing waits or is in flight (True), or ``seconds`` passed."""
    deadline = time.monotonic() + seconds
    while True:
        left = common.pg_admin("SELECT count(*) FROM xero_queue WHERE state IN ('waiting', 'sending')",
                               fetch=True, dbname=db)[0][0]
        if not left:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(2)


def run_mode(template, mode, workers, args):
    """One way of sending the dataset; its figures."""
    name = f"par_{mode}"
    db = common.db_name(name)
    common.copy_db(template, db)
    server = None
    log(f"run {mode}: copying done, starting")
    try:
        if workers:
            install_queue_job(db)
        with common.EmulatorProcess(name=name) as emu:
            emu.set_limits(app_minute=args.app_limit)
            tenants = common.run_worker(["par_prepare", "--db", db, "--emulator", emu.base_url,
                                         "--app-limit", args.app_limit])["tenants"]
            if args.latency:
                emu.fault("delay", count=1_000_000, delay_seconds=args.latency, path="/api.xro/2.0/(Invoices|Contacts)")
            started = time.monotonic()
            if workers:
                server = start_server(db, workers, name)
                started = time.monotonic()
                common.run_worker(["par_dispatch", "--db", db])
                finished = wait_done(db, args.seconds)
            else:
                common.run_worker(["par_cron", "--db", db, "--seconds", args.seconds], timeout=args.seconds + 600)
                finished = wait_done(db, 0)
            wall = time.monotonic() - started
            stop_server(server)
            server = None
            emu.clear_faults()
            return measure(emu, mode, workers, tenants, wall, finished, args)
    finally:
        stop_server(server)
        if not args.keep:
            common.drop_db(db)


def measure(emu, mode, workers, tenants, wall, finished, args):
    state = emu.admin("GET", "/state", timeout=600)
    counters = emu.admin("GET", "/counters")
    log_entries = emu.admin("GET", "/requests", timeout=120)["requests"]
    stamps, duplicated, sent = [], 0, 0
    for tenant in tenants.values():
        docs = [d for d in (state.get(tenant) or {}).get("Invoices", []) if d.get("InvoiceNumber")]
        numbers = Counter(d["InvoiceNumber"] for d in docs)
        duplicated += sum(n - 1 for n in numbers.values() if n > 1)
        sent += len(numbers)
        stamps += [common.xero_ms(d.get("UpdatedDateUTC")) for d in docs]
    stamps = sorted(filter(None, stamps))
    accounting = [e for e in log_entries if e["path"].startswith("/api.xro/")]
    limited = Counter()
    for tenant in tenants.values():
        limited.update((counters.get(tenant) or {}).get("rate_limited", {}))
    out = {"mode": mode, "workers": workers, "invoices_in_xero": sent, "finished": finished,
           "expected": args.orgs * args.invoices, "wall_s": round(wall, 1),
           "per_min_overall": round(sent / wall * 60, 1) if wall else None, "duplicated": duplicated,
           "calls": len(accounting), "http_429": dict(limited),
           "max_org_calls_per_min": max(window_max([e["time"] for e in accounting if e["tenant_id"] == t])
                                        for t in tenants.values()),
           "max_app_calls_per_min": window_max([e["time"] for e in accounting]),
           "max_concurrent_per_org": max((counters.get(t) or {}).get("max_concurrent", 0) for t in tenants.values()),
           "bytes_received": sum(e.get("response_length", 0) for e in accounting)}
    out.update(steady(stamps))
    log(f"run {mode}: {out}")
    return out


def window_max(times):
    """The most of ``times`` (seconds) in any rolling 60 s window."""
    times = sorted(times)
    most, start = 0, 0
    for end, when in enumerate(times):
        while when - times[start] >= 60:
            start += 1
        most = max(most, end - start + 1)
    return most


def steady(stamps):
    """Invoices a minute in the whole minutes after the first (Xero's
    ``UpdatedDateUTC``), as the export benchmark counts them."""
    counts = common.whole_minutes(stamps)
    if not counts:
        return {"per_min_steady": None}
    return {"per_min_steady": round(sum(counts) / len(counts), 1), "steady_windows": counts}


def table(runs, args):
    base = next((r for r in runs if r["workers"] == 1), None)
    lines = [f"{'run':<14}{'in Xero':>10}{'inv/min':>10}{'steady':>10}{'x 1 worker':>12}{'429':>6}"
             f"{'dup':>5}{'org max/min':>13}{'app max/min':>13}"]
    for r in runs:
        rate = r["per_min_steady"] or r["per_min_overall"]
        base_rate = (base["per_min_steady"] or base["per_min_overall"]) if base else None
        ratio = f"{rate / base_rate:.2f}x" if base_rate and rate else "-"
        lines.append(f"{r['mode']:<14}{r['invoices_in_xero']:>10}{r['per_min_overall']:>10}"
                     f"{r['per_min_steady'] or '-':>10}{ratio:>12}{sum(r['http_429'].values()):>6}"
                     f"{r['duplicated']:>5}{r['max_org_calls_per_min']:>13}{r['max_app_calls_per_min']:>13}")
    lines.append(f"(app-wide limit {args.app_limit} calls/min = {args.app_limit * 50} invoices/min at 50 a call;"
                 f" Xero's answer time {args.latency} s a call)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=1000, help="invoices per organisation")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--no-serial", action="store_true")
    parser.add_argument("--app-limit", type=int, default=150,
                        help="app-wide calls a minute (Xero: 10,000); at 150 four workers (about 106 calls a "
                             "minute) fit under it, at 100 it is what holds them")
    parser.add_argument("--latency", type=float, default=2.0, help="seconds Xero takes to answer a write")
    parser.add_argument("--seconds", type=int, default=600, help="the longest a run may last")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke sizes: 4 organisations x 250, 120 s a run")
    args = parser.parse_args(argv)
    if args.quick:
        args.orgs, args.invoices, args.seconds = 4, 250, 120
    started = time.monotonic()
    template = ensure_template(args.orgs, args.invoices)
    modes = [] if args.no_serial else [("serial cron", 0)]
    modes += [(f"{n} worker{'s' if n > 1 else ''}", n) for n in map(int, args.workers.split(","))]
    runs = [run_mode(template, mode.replace(" ", "_"), workers, args) | {"mode": mode} for mode, workers in modes]
    text = table(runs, args)
    print("\n== parallel organisations\n" + text)
    result = {"benchmark": "parallel", "machine": common.machine_info(), "args": vars(args), "runs": runs,
              "table": text, "total_s": round(time.monotonic() - started, 1)}
    path = common.write_result("parallel" + ("_quick" if args.quick else ""), result)
    log(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
