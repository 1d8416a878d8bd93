"""make test: the sync as OCA queue_job jobs, in real worker processes.

Odoo's test runner never starts queue_job's job runner and never commits, so
this check runs the real thing: a scratch database copied from the test
template with ``account_xero`` and ``queue_job`` installed, three companies
each connected to its own organisation of a local Xero (the emulator, in its
own process, every call held a second so that the jobs last), 120 posted
invoices each, committed. Then an Odoo server with HTTP workers and
``--load=base,web,queue_job`` (channel ``root.xero`` of capacity 3) runs the
jobs that the sync's scheduled action dispatches.

Passes when every invoice is in Xero exactly once, the three organisations'
jobs ran in distinct worker processes overlapping in time, no organisation
went over Xero's limits and no call met a 429. With ``--kill`` (not part of
make test: queue_job looks for dead jobs about once a minute), a worker is
killed while its job's request is in flight: queue_job must run the job
again, and the outbox replay it, nothing sent twice.

    python tools/jobs_check.py --odoo-bin BIN --addons-path PATH --template DB [--keep] [--kill]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import common  # noqa: E402 - bench/common.py: emulator process, PostgreSQL helpers
from common import log  # noqa: E402

ORGS = 3
INVOICES = 120
CUSTOMERS = 4
WORKERS = 4
CHANNELS = f"root:{ORGS},root.xero:{ORGS}"
#: every accounting call held this long by the emulator: a job lasts seconds
CALL_DELAY = 1.0
TIMEOUT = 240


def odoo_init(args, db):
    from odoo.tools import config

    config.parse_config([f"--addons-path={args.addons_path}", f"--db_host={common.PGHOST}",
                         f"--db_port={common.PGPORT}", f"--db_user={common.PGUSER_ODOO}",
                         f"--data-dir={common.STATE_DIR / 'filestore'}", "--log-level=warn", "--no-http",
                         "--workers=0", "--max-cron-threads=0", f"--database={db}"])
    common._ODOO_READY = True  # configured here, with make test's addons path


def run_odoo(args, db, *extra, logfile, wait=True):
    cmd = [sys.executable, args.odoo_bin, f"--addons-path={args.addons_path}", f"--db_host={common.PGHOST}",
           f"--db_port={common.PGPORT}", f"--db_user={common.PGUSER_ODOO}", "-d", db,
           f"--data-dir={common.STATE_DIR / 'filestore'}", *extra]
    out = Path(logfile).open("w")
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=CHANNELS)
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    if wait and proc.wait():
        raise RuntimeError(f"odoo {' '.join(extra)} failed: see {logfile}")
    return proc


# ---------------------------------------------------------------- set-up, in this process
def set_up(env, emulator):
    """Three companies, each with its connection to its own organisation and
    INVOICES posted invoices (queued by the addon's own hook)."""
    import dataset

    from odoo.addons.account_xero.sync import scheduler

    tenants = [common.DEMO_TENANT_ID] + [
        emulator.admin("POST", "/organisations", {"name": f"Jobs Org {i}"})["tenant_id"] for i in range(1, ORGS)]
    main = env.ref("base.main_company")
    companies = [main]
    for i in range(1, ORGS):
        company = env["res.company"].create({"name": f"Jobs Company {i}", "currency_id": main.currency_id.id})
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        companies.append(company)
    env.user.company_ids = [(4, c.id) for c in companies]
    connections = env["xero.connection"]
    for company, tenant in zip(companies, tenants, strict=True):
        cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
        conn = cenv["xero.connection"].create({
            "company_id": company.id, "tenant_id": tenant, "tenant_name": f"Org of {company.name}",
            "client_id": common.DEMO_CLIENT_ID, "client_secret": common.DEMO_CLIENT_SECRET, "state": "connected",
            "api_url": emulator.base_url, "identity_url": emulator.base_url, "login_url": emulator.base_url,
            "import_start_date": dt.date(2025, 1, 1), "send_mode": "manual", "alert_mode": "none"})
        conn._xero_store_token(emulator.admin("POST", "/tokens", {"client_id": common.DEMO_CLIENT_ID,
                                                                 "tenant_ids": [tenant]}))
        conn.action_xero_import_master_data()
        dataset.map_master_data(cenv, conn)
        invoices(cenv, company)
        connections |= conn
    env.cr.commit()
    # what "Send data now" hands over: the scheduled action's connections, due now
    connections.write({"next_sync": dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)})
    scheduler.update_cron(env)
    env.cr.commit()
    return connections


def invoices(env, company):
    Account = env["account.account"].with_company(company)
    income = Account.search([*Account._check_company_domain(company), ("code", "=", "400000")], limit=1)
    tax = env["account.tax"].search([("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
                                     ("amount", "=", 15)], limit=1)
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    partners = env["res.partner"].create([{"name": f"{company.name} customer {i}", "is_company": True,
                                           "company_id": company.id} for i in range(CUSTOMERS)])
    moves = env["account.move"].create([{
        "move_type": "out_invoice", "partner_id": partners[i % CUSTOMERS].id, "journal_id": journal.id,
        "invoice_date": dt.date(2025, 3, 1), "invoice_line_ids": [(0, 0, {
            "name": f"Service {i}", "quantity": 1, "price_unit": 100 + i, "account_id": income.id,
            "tax_ids": [(6, 0, tax.ids)]})],
    } for i in range(INVOICES)])
    moves.action_post()


# ---------------------------------------------------------------- the run
def wait_http(port, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the Odoo server exited at start")
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=5):
            return
        time.sleep(0.5)
    raise RuntimeError("the Odoo server did not answer")


def wait_done(db, timeout=TIMEOUT):
    """Until no queue row waits or is in flight, and no job of ours is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left, = common.pg_admin("SELECT count(*) FROM xero_queue WHERE state IN ('waiting', 'sending')",
                                fetch=True, dbname=db)[0]
        jobs, = common.pg_admin("SELECT count(*) FROM queue_job WHERE channel = 'root.xero' "
                                "AND state NOT IN ('done', 'failed', 'cancelled')", fetch=True, dbname=db)[0]
        if not left and not jobs:
            return True
        time.sleep(1)
    return False


def kill_one(db, timeout=60):
    """SIGKILL the worker running a send job while its request is in flight
    (``sending``); return that job's uuid (queue_job must run it again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = common.pg_admin(
            """SELECT j.uuid, j.worker_pid FROM queue_job j
                WHERE j.method_name = '_xero_job_send' AND j.state = 'started' AND j.worker_pid IS NOT NULL
                  AND EXISTS (SELECT 1 FROM xero_request r WHERE r.state = 'sending'
                                 AND (j.args #>> '{}') = '[' || r.connection_id || ']')
                LIMIT 1""", fetch=True, dbname=db)
        if rows:
            uuid, pid = rows[0]
            os.kill(pid, signal.SIGKILL)
            log(f"jobs check: worker {pid} killed while job {uuid} had a request in flight")
            return uuid
        time.sleep(0.2)
    raise RuntimeError("no send job with a request in flight to kill")


def check_killed(db, uuid):
    """The killed job must have been run again (a retry) and be done."""
    rows = common.pg_admin("SELECT state, retry FROM queue_job WHERE uuid = %s", (uuid,), fetch=True, dbname=db)
    if not rows or rows[0][0] != "done" or not rows[0][1]:
        return [f"the killed job was not run again by queue_job: {rows}"]
    return []


def check(db, emulator, tenants, killed=None):
    """``(problems, figures)`` of the run."""
    problems = check_killed(db, killed) if killed else []
    jobs = common.pg_admin(
        """SELECT j.state, j.worker_pid, j.date_started, j.date_done, j.args::text, j.exc_info
             FROM queue_job j WHERE j.channel = 'root.xero' AND j.method_name = '_xero_job_send' ORDER BY id""",
        fetch=True, dbname=db)
    failed = [j for j in jobs if j[0] != "done"]
    if failed:
        problems.append(f"{len(failed)} job(s) not done: {[(j[0], (j[5] or '')[-300:]) for j in failed]}")
    done = [j for j in jobs if j[0] == "done"]
    pids = {j[1] for j in done}
    by_conn = {}
    for job in done:
        by_conn.setdefault(job[4], []).append(job)
    if len(by_conn) < ORGS:
        problems.append(f"jobs of {len(by_conn)} organisation(s), not {ORGS}")
    # the most jobs running at the same instant, each in its own process
    events = sorted([(j[2], 1, j[1]) for j in done] + [(j[3], -1, j[1]) for j in done])
    running, most, overlapping_pids = {}, 0, set()
    for _when, step, pid in events:
        running[pid] = running.get(pid, 0) + step
        active = {p for p, n in running.items() if n > 0}
        if len(active) > most:
            most, overlapping_pids = len(active), active
    need = ORGS - 1 if killed else ORGS  # the killed job's record shows its second run only
    if most < need:
        problems.append(f"at most {most} job(s) ran at once in distinct processes, not {need}")
    state = emulator.admin("GET", "/state", timeout=120)
    counters = emulator.admin("GET", "/counters")
    numbers = {n for (n,) in common.pg_admin(
        "SELECT name FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'", fetch=True, dbname=db)}
    in_xero = 0
    for tenant in tenants:
        docs = [d["InvoiceNumber"] for d in (state.get(tenant) or {}).get("Invoices", [])]
        duplicated = {n for n in docs if docs.count(n) > 1}
        if duplicated:
            problems.append(f"{tenant}: {len(duplicated)} invoice(s) in Xero twice")
        in_xero += len(set(docs) & numbers)
        tenant_counters = counters.get(tenant) or {}
        if tenant_counters.get("rate_limited"):
            problems.append(f"{tenant}: 429s {tenant_counters['rate_limited']}")
        if tenant_counters.get("max_calls_per_minute", 0) > 60 or tenant_counters.get("max_concurrent", 0) > 5:
            problems.append(f"{tenant}: over Xero's limits {tenant_counters}")
    if in_xero != ORGS * INVOICES:
        problems.append(f"{in_xero} of {ORGS * INVOICES} invoices in Xero")
    return problems, {"jobs": len(jobs), "processes": len(pids), "most_at_once": most,
                      "overlapping_pids": sorted(overlapping_pids), "invoices_in_xero": in_xero}


def exercise(args, db, emulator, servers, logdir):
    """Set up, start the server, dispatch, wait; ``(problems, figures)``."""
    started = time.monotonic()
    common.copy_db(args.template, db)
    run_odoo(args, db, "-i", "account_xero,queue_job", "--stop-after-init", "--no-http", "--without-demo=all",
             "--log-level=warn", logfile=logdir / "jobs-install.log")
    emulator.start()
    odoo_init(args, db)
    with common.odoo_env(db) as env:
        tenants = set_up(env, emulator).mapped("tenant_id")
    log(f"jobs check: {ORGS} organisations x {INVOICES} invoices ready ({time.monotonic() - started:.0f} s)")
    emulator.fault("delay", count=10_000, delay_seconds=CALL_DELAY, path="/api.xro/")
    port = common.free_port()
    servers.append(run_odoo(
        args, db, f"--workers={WORKERS}", "--max-cron-threads=0", "--load=base,web,queue_job",
        "--http-interface=127.0.0.1", f"--http-port={port}", f"--gevent-port={common.free_port()}",
        f"--db-filter=^{db}$", "--log-level=info", "--log-handler=werkzeug:WARNING",
        logfile=logdir / "jobs-server.log", wait=False))
    wait_http(port, servers[0])
    with common.odoo_env(db) as env:
        from odoo.addons.account_xero.sync import jobs, scheduler

        if not jobs.available(env):
            raise RuntimeError("queue_job is installed but the addon does not see it")
        scheduler.cron_sync(env)  # the scheduled action: it dispatches one job per organisation
    t0 = time.monotonic()
    killed = kill_one(db) if args.kill else None
    finished = wait_done(db)
    took = time.monotonic() - t0
    emulator.clear_faults()
    problems, figures = check(db, emulator, tenants, killed)
    if not finished:
        problems.insert(0, f"work left after {TIMEOUT} s")
    figures.update(seconds=round(took, 1), total_seconds=round(time.monotonic() - started, 1))
    return problems, figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--template", default=common.ACCOUNT_TEMPLATE)
    parser.add_argument("--logdir", default=str(common.STATE_DIR / "test-logs"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--kill", action="store_true",
                        help="also SIGKILL a worker in the middle of a job: queue_job runs it again, nothing twice")
    args = parser.parse_args(argv)
    logdir = Path(args.logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    db = f"xero_jobs_{os.getpid()}"
    servers = []
    emulator = common.EmulatorProcess(name="jobs-emulator")
    try:
        problems, figures = exercise(args, db, emulator, servers, logdir)
        print(f"jobs check: {figures}")
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        print("jobs check: " + ("FAILED" if problems else "passed"))
        return 1 if problems else 0
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
        emulator.stop()
        if not args.keep:
            with contextlib.suppress(Exception):
                common.drop_db(db)


if __name__ == "__main__":
    sys.exit(main())
