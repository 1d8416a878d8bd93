"""Import benchmark: 10,000 contacts from Xero, and the reconciliation report
over the 10,000 invoices the export benchmark sent.

    python bench/bench_import.py --contacts 10000
    python bench/bench_import.py --quick            # 1,000 contacts; report over the --quick export

Contacts: on a company with no partners of its own (bench template of 0
invoices), the emulator is filled with N contacts first (set-up, with the
minute limit lifted, then the clock moved past the window and Xero's limits
restored); the product's import (a background job reading pages of 1,000,
then the "changes" pass) runs under the real limits: wall time, calls,
partners created, CPU, peak memory.

Reconciliation: the report (``xero.reconciliation``: estimate, then run)
over the database and the emulator state ``bench_export.py`` left behind
(``xero_bench_exported``); when they are missing, that export is run first.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dataset
from common import log


# ---------------------------------------------------------------- inside Odoo (called by worker.py)
def run_contact_import(env, conn):
    """The product's full contact import, driven as its cron drives it."""
    from odoo.addons.account_xero.sync.importers import contacts as contact_import

    job = contact_import.start_import(conn, full=True)
    env.cr.commit()
    pages = 0
    for _i in range(1000):
        job.invalidate_recordset()
        if job.state != "running":
            break
        if job.next_attempt:
            wait = (job.next_attempt - job.next_attempt.now()).total_seconds()
            if wait > 0:
                log(f"  import paused: {job.message}; waiting {wait:.0f} s")
                time.sleep(min(wait, 120))
            job.next_attempt = False
        pages += contact_import.run_job(job)
        env.cr.commit()
    job.invalidate_recordset()
    counts = {f: job[f] for f in job._fields if f.startswith("count_")}
    return {"state": job.state, "message": job.message or "", "pages": pages, "api_calls": job.api_calls,
            **counts}


def run_reconciliation(env, conn):
    """The product's reconciliation report: estimate, then run."""
    wizard = env["xero.reconciliation"].create({
        "connection_id": conn.id, "date_from": dataset.START_DATE, "date_to": "2025-12-31"})
    wizard.action_estimate()
    env.cr.commit()
    estimate = {"count_invoices": wizard.count_invoices, "estimate_calls": wizard.estimate_calls,
                "probe_calls": wizard.probe_calls}
    wizard.action_run()
    env.cr.commit()
    kinds = {}
    for line in wizard.line_ids:
        kinds[line.kind] = kinds.get(line.kind, 0) + 1
    return {**estimate, "api_calls": wizard.api_calls, "lines": len(wizard.line_ids), "kinds": kinds,
            "fully_reconciled": wizard.fully_reconciled, "summary": wizard.summary or ""}


# ---------------------------------------------------------------- set-up of the emulator
def seed_contacts(emu, count, chunk=500):
    """Put ``count`` contacts into the emulator quickly (set-up, not measured)."""
    emu.set_limits(minute=1_000_000, day=1_000_000, concurrent=50)
    token = emu.token()["access_token"]
    for start in range(0, count, chunk):
        contacts = [{
            "Name": f"Imported Contact {i:05d}", "FirstName": "Pat", "LastName": f"Buyer{i:05d}",
            "EmailAddress": f"pat{i:05d}@imported{i:05d}.example", "AccountNumber": f"C{i:05d}",
            "Addresses": [{"AddressType": "POBOX", "AddressLine1": f"{i} Harbour Road", "City": "Wellington",
                           "PostalCode": f"{6000 + i % 1000}", "Country": "New Zealand"}],
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"{5550000 + i}", "PhoneAreaCode": "04",
                        "PhoneCountryCode": "64"}],
            "IsCustomer": i % 3 != 0, "IsSupplier": i % 3 == 0,
        } for i in range(start, min(count, start + chunk))]
        req = urllib.request.Request(  # noqa: S310 - the local emulator
            emu.base_url + "/api.xro/2.0/Contacts", data=json.dumps({"Contacts": contacts}).encode(), method="PUT",
            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": common.DEMO_TENANT_ID,
                     "Content-Type": "application/json", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as resp:  # noqa: S310
            resp.read()
    emu.advance_clock(61)  # the seeding calls leave the rolling minute
    emu.set_limits(minute=60, day=5000, concurrent=5)


def contacts_phase(template, count):
    db = common.db_name("contacts")
    common.copy_db(template, db)
    try:
        with common.EmulatorProcess(name="contacts") as emu:
            log(f"phase contacts: seeding {count} contacts into the emulator")
            seed_contacts(emu, count)
            log("phase contacts: importing")
            res = common.run_worker(["import_contacts", "--db", db, "--emulator", emu.base_url])
    finally:
        common.drop_db(db)
    log(f"phase contacts: {res['details']} in {res['wall_s']:.0f} s")
    return res


def reconcile_phase(invoices):
    import bench_export

    if not common.db_exists(bench_export.EXPORTED_DB) or not bench_export.EXPORTED_STATE.exists():
        log("no exported database: running the export first")
        template, _build = dataset.ensure_template(invoices, max(100, invoices // 10), 7)
        bench_export.export_phase("batch", template, invoices, state_file=bench_export.EXPORTED_STATE,
                                  keep_db=bench_export.EXPORTED_DB)
    db = common.db_name("recon")
    common.copy_db(bench_export.EXPORTED_DB, db)
    state = common.STATE_DIR / f"bench-recon-state-{common.TAG}.json"
    shutil.copyfile(bench_export.EXPORTED_STATE, state)
    try:
        with common.EmulatorProcess(name="recon", state_file=state) as emu:
            invoices_in_xero = len(emu.state().get("Invoices", []))
            log(f"phase reconcile: {invoices_in_xero} invoices in Xero")
            res = common.run_worker(["reconcile", "--db", db, "--emulator", emu.base_url])
    finally:
        common.drop_db(db)
        state.unlink(missing_ok=True)
    res["invoices_in_xero"] = invoices_in_xero
    log(f"phase reconcile: {res['details']} in {res['wall_s']:.0f} s")
    return res


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=10_000, help="size of the export to reconcile")
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-contacts", action="store_true")
    parser.add_argument("--no-reconcile", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.contacts, args.invoices, args.customers = 1000, 1000, 100
    started = time.monotonic()
    info = common.machine_info()
    out = {}
    if not args.no_contacts:
        # a company with the addon and a connection, nothing else (cached like the export's)
        template, _build = dataset.ensure_template(0, 0, args.seed)
        out["contacts"] = contacts_phase(template, args.contacts)
    if not args.no_reconcile:
        out["reconcile"] = reconcile_phase(args.invoices)
    rows = []
    if "contacts" in out:
        c = out["contacts"]
        d = c["details"]
        rows += [
            (f"contact import of {args.contacts}", f"{c['wall_s']:.1f} s, {c['emulator']['calls']} calls "
             f"({c['emulator']['calls_by_route']}), {sum(c['emulator']['rate_limited'].values())} x 429"),
            ("  outcome", f"{d['state']}: {d.get('count_created')} created, {d.get('count_updated')} updated, "
             f"{d.get('count_proposed')} to confirm, {d.get('count_failed')} failed; "
             f"partners {c['partners_before']} -> {c['partners_after']}"),
            ("  Odoo CPU / peak RSS", f"{c['cpu_s']:.1f} s ({c['cpu_s'] * 1000 / max(args.contacts, 1):.2f} ms per "
             f"contact) / {c['peak_rss_kb'] / 1024:.0f} MB"),
        ]
    if "reconcile" in out:
        r = out["reconcile"]
        d = r["details"]
        rows += [
            (f"reconciliation of {r['invoices_in_xero']} invoices", f"{r['wall_s']:.1f} s, "
             f"{r['emulator']['calls']} calls ({r['emulator']['calls_by_route']})"),
            ("  outcome", f"{d['lines']} differences {d['kinds']}; fully reconciled: {d['fully_reconciled']}; "
             f"{d['summary']}"),
            ("  Odoo CPU / peak RSS", f"{r['cpu_s']:.1f} s / {r['peak_rss_kb'] / 1024:.0f} MB"),
        ]
    common.print_figures("Import and reconciliation benchmark", rows)
    result = {"benchmark": "import", "machine": info, "args": vars(args), **out,
              "total_s": round(time.monotonic() - started, 1),
              "command": "python bench/bench_import.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    path = common.write_result("import" + ("_quick" if args.quick else ""), result)
    log(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
