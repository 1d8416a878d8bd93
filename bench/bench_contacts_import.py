"""Benchmark: import 10,000 Xero contacts into a real Odoo database.

Run from the repository root with Odoo's Python (PostgreSQL and the template
database are set up by tools/lib.sh as for ``make test``):

    /opt/odoo18/venv/bin/python bench/bench_contacts_import.py [--contacts 10000] [--keep-db]

What it does:

1. starts the local Xero (``xero_emulator``) in this process on a free port and
   seeds N active contacts into the demo organisation's state (last changed a
   day ago, like a real organisation's contacts);
2. creates a database from the cached template (``account`` installed) and
   installs ``account_xero`` in it (not timed);
3. in ``odoo-bin shell`` on that database: connects the company to the local
   Xero, starts the contact import and runs the job to the end exactly as the
   cron does (a page of up to 1,000 contacts per call, committed per page),
   then runs a second, full import (which must create nothing);
4. prints the wall time of each import, the API calls it used (the job's own
   count and the emulator's count of ``GET /Contacts``) and the partners created.
"""

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, REPO)

from xero_emulator import DEMO, Emulator  # noqa: E402
from xero_emulator.util import ms_date, new_id  # noqa: E402

MARKER = "BENCH_RESULT "

SHELL_SCRIPT = r"""
import json, time
conn = env["xero.connection"].sudo().create({
    "company_id": env.company.id, "api_url": %(url)r, "identity_url": %(url)r, "login_url": %(url)r,
    "client_id": %(client_id)r, "client_secret": %(client_secret)r, "tenant_id": %(tenant)r,
    "tenant_name": "Benchmark", "state": "connected"})
conn._xero_store_token(%(token)r)
env.cr.commit()
from odoo.addons.account_xero.sync.importers import contacts as contact_import
results = []
for full in (None, True):
    before = env["res.partner"].search_count([])
    job = contact_import.start_import(conn, full=full)
    env.cr.commit()
    start = time.monotonic()
    contact_import.run_job(job)
    elapsed = time.monotonic() - start
    env.cr.commit()
    results.append({"seconds": round(elapsed, 2), "state": job.state, "message": job.message or "",
                    "api_calls": job.api_calls, "read": job.count_read, "created": job.count_created,
                    "updated": job.count_updated, "unchanged": job.count_unchanged,
                    "proposed": job.count_proposed, "failed": job.count_failed,
                    "partners_added": env["res.partner"].search_count([]) - before})
print(%(marker)r + json.dumps(results), flush=True)
"""


def lib(*commands):
    """Run tools/lib.sh functions in bash; return their stdout."""
    script = f'source "{REPO}/tools/lib.sh"; ' + "; ".join(commands)
    return subprocess.run(["bash", "-c", script], check=True, stdout=subprocess.PIPE, text=True).stdout


def seed(emulator, count):
    store = emulator.store
    with store.lock:
        org = store.orgs[DEMO.tenant_id]
        stamp = store.clock.now_ms() - 86_400_000
        for i in range(count):
            cid = new_id()
            org.data["Contacts"][cid] = {
                "ContactID": cid, "ContactStatus": "ACTIVE", "Name": f"Bench Customer {i:05d}",
                "FirstName": "Pat", "LastName": f"Buyer{i:05d}",
                "EmailAddress": f"accounts{i:05d}@bench.example.com", "AccountNumber": f"BENCH-{i:05d}",
                "TaxNumber": f"{i:09d}", "IsCustomer": i % 3 != 0, "IsSupplier": i % 3 == 0,
                "Addresses": [{"AddressType": "POBOX", "AddressLine1": f"{i} Market Street", "City": "Springfield",
                               "Region": "IL", "PostalCode": "62701", "Country": "United States"},
                              {"AddressType": "STREET", "AddressLine1": f"{i} Market Street", "City": "Springfield",
                               "Region": "IL", "PostalCode": "62701", "Country": "United States"}],
                "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"555-{i % 10000:04d}", "PhoneAreaCode": "217",
                            "PhoneCountryCode": "1"}],
                "ContactPersons": [{"FirstName": "Sam", "LastName": f"Clerk{i:05d}",
                                    "EmailAddress": f"sam{i:05d}@bench.example.com", "IncludeInEmails": True}],
                "ContactGroups": [], "BankAccountDetails": "", "HasAttachments": False,
                "HasValidationErrors": False, "UpdatedDateUTC": ms_date(stamp), "_upd": stamp,
            }
        org.reindex()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    emulator = Emulator(host="127.0.0.1", port=0, demo=True).start()
    seed(emulator, args.contacts)
    token = emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])
    db = f"xero_bench_contacts_{os.getpid()}"
    sys.stderr.write(f"[bench] {args.contacts} contacts seeded on {emulator.base_url}; preparing database {db}\n")
    lib("require_odoo", "ensure_postgres", "ensure_template", f'drop_db "{db}"',
        f'psql_admin -qc "CREATE DATABASE \\"{db}\\" TEMPLATE \\"$TEMPLATE_DB\\" OWNER $PGUSER_ODOO"')
    try:
        lib("require_odoo", f'$(odoo_cmd "{db}" -i account_xero --stop-after-init --no-http --log-level=warn) >&2')
        python, odoo_bin, addons, host, port, user, state = lib(
            "require_odoo",
            'echo "$ODOO_PYTHON|$ODOO_BIN|$ADDONS_PATH|$PGHOST|$PGPORT|$PGUSER_ODOO|$XERO_STATE_DIR"',
        ).strip().split("|")
        odoo = [python, odoo_bin, "shell", f"--addons-path={addons}", f"--db_host={host}", f"--db_port={port}",
                f"--db_user={user}", "-d", db, f"--data-dir={state}/filestore", "--no-http", "--log-level=warn"]
        script = SHELL_SCRIPT % {"url": emulator.base_url, "client_id": DEMO.client_id,
                                 "client_secret": DEMO.client_secret, "tenant": DEMO.tenant_id,
                                 "token": token, "marker": MARKER}
        wall = time.monotonic()
        shell = subprocess.run(odoo, input=script, stdout=subprocess.PIPE, text=True, check=True)
        wall = time.monotonic() - wall
        line = next((x for x in shell.stdout.splitlines() if x.startswith(MARKER)), None)
        if line is None:
            sys.stderr.write(shell.stdout[-4000:])
            raise SystemExit("[bench] the Odoo shell printed no result")
        first, second = json.loads(line[len(MARKER):])
        routes = emulator.counters()[DEMO.tenant_id]["calls_by_route"]
        total = args.contacts + 8  # + the demo organisation's contacts (one archived)
        print(f"Contacts in Xero:           {total:,} ({args.contacts:,} seeded + 8 demo)")
        print(f"First import:               {first['seconds']:.1f} s wall time, {first['api_calls']} API calls "
              f"(pages of up to 1,000 + 1 'changed since' call); state {first['state']} {first['message']}")
        print(f"  read {first['read']:,}, created {first['created']:,}, to confirm {first['proposed']}, "
              f"failed {first['failed']}; partners added (with contact persons): {first['partners_added']:,}")
        print(f"Second (full) import:       {second['seconds']:.1f} s, {second['api_calls']} API calls; "
              f"created {second['created']}, updated {second['updated']}, unchanged {second['unchanged']:,}, "
              f"partners added {second['partners_added']}")
        print(f"Emulator GET /Contacts:     {routes.get('GET /Contacts', 0)} calls for both imports")
        print(f"Odoo shell total:           {wall:.1f} s (including Odoo start-up)")
    finally:
        emulator.stop()
        if not args.keep_db:
            lib(f'drop_db "{db}"')


if __name__ == "__main__":
    main()
