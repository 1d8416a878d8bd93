"""The bench dataset: a company with N posted customer invoices, cached as a
PostgreSQL template keyed by the addon's code.

Each invoice has 5 lines on two income accounts (sent as Xero 200 Sales and
260 Other Revenue), three tax treatments (15 % → OUTPUT, 0 % exempt →
EXEMPTOUTPUT, no tax → NONE), discounts on some lines, and tracking (Region
and/or Department analytic accounts at 100 %, → Xero tracking options).
Customers are drawn at random (seeded) among ``customers`` companies, so
contacts are created in Xero while the export goes, as in real life.

Creating the invoices is the slow part of a cold run: they are created by
``create()`` in chunks and posted with ``action_post()`` on each chunk
(posting queues them for Xero, the addon's own hook). The database is then
kept as the template ``xero_bench_<hash>``: the hash covers the addon's code
(models, services, views, data, security, manifest) and this file, so any
change rebuilds it; ``XERO_BENCH_REUSE=1`` keeps the newest template
whatever the hash (quick iterations only, never for published figures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import time

import common
from common import REPO, log

DATASET_VERSION = 3
LINES_PER_INVOICE = 5
START_DATE = dt.date(2025, 1, 1)
CODE_DIRS = ("models", "services", "sync", "demo", "wizard", "views", "data", "security", "controllers", "migrations")
REGIONS = ("North", "South", "East", "West")
DEPARTMENTS = ("Sales", "Marketing", "Operations")
WORDS = ("Consulting", "Licence", "Support", "Training", "Hosting", "Design", "Audit", "Maintenance",
         "Integration", "Delivery")


# ---------------------------------------------------------------- cache key
def code_hash(extra=()):
    """Hash of what changes the bench database: the addon's code, this dataset and ``extra`` files."""
    digest = hashlib.sha256()
    files = [REPO / "__manifest__.py", REPO / "__init__.py", REPO / "bench" / "dataset.py", *extra]
    for folder in CODE_DIRS:
        base = REPO / folder
        if base.is_dir():
            files += sorted(p for p in base.rglob("*") if p.is_file() and p.suffix in (".py", ".xml", ".csv"))
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def template_name(invoices, customers, seed):
    return f"xero_bench_{common.TAG}_{invoices}_{customers}_{seed}_v{DATASET_VERSION}_{code_hash()}"


def ensure_template(invoices=10_000, customers=1_000, seed=7):
    """The name of a ready bench template (built now when missing) and its build report."""
    prefix = f"xero_bench_{common.TAG}_{invoices}_{customers}_{seed}_v{DATASET_VERSION}_"
    return ensure_built(prefix, template_name(invoices, customers, seed),
                        ["build", "--invoices", invoices, "--customers", customers, "--seed", seed],
                        f"{invoices} invoices, {customers} customers")


def ensure_built(prefix, name, build_args, what):
    """``(name, build report)`` of the bench template ``name`` (``prefix`` + the
    code hash), built when missing: ``account_xero`` installed on a copy of the
    account template, then the worker phase ``build_args`` (its name and
    options, without ``--db``); stale templates of ``prefix`` are dropped."""
    if os.environ.get("XERO_BENCH_REUSE") == "1":
        ready = [db for db in common.list_dbs(prefix) if not db.endswith("_building")]
        if ready:
            name = ready[-1]
            log(f"XERO_BENCH_REUSE=1: reusing {name} (its code hash may be stale)")
    report_path = common.RESULTS / f"build_{name}.json"
    if common.db_exists(name):
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        return name, dict(report, cached=True)
    building = name + "_building"
    for old in common.list_dbs(prefix):
        if old.endswith("_building"):
            common.drop_db(old)
    log(f"building bench template {name} ({what}): a cold run")
    started = time.monotonic()
    common.copy_db(common.ACCOUNT_TEMPLATE, building)
    logfile = common.STATE_DIR / "bench-logs" / f"install-{building}.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    common.install_addon(building, logfile)
    installed = time.monotonic() - started
    report = common.run_worker([build_args[0], "--db", building, *build_args[1:]], timeout=4 * 3600)
    common.pg_admin("VACUUM ANALYZE", dbname=building)
    common.pg_admin(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    report.update(install_s=round(installed, 1), total_s=round(time.monotonic() - started, 1), template=name)
    common.write_result(f"build_{name}", report)
    for old in common.list_dbs(prefix):
        if old != name and not old.endswith("_building"):
            log(f"dropping stale bench template {old}")
            common.drop_db(old)
    log(f"template {name} ready in {report['total_s']} s")
    return name, dict(report, cached=False)


# ---------------------------------------------------------------- building (inside Odoo)
def bench_company(env):
    """``(env, company)``: the main company named for the benchmarks, taxes rounded per line, and an
    environment in it that neither tracks, logs nor queues what a dataset creates."""
    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True, "xero_no_push": True}
    env = env(context=dict(env.context, **ctx))
    company = env.ref("base.main_company")
    company.write({"name": "Bench Company", "tax_calculation_rounding_method": "round_per_line"})
    return env(context=dict(env.context, allowed_company_ids=[company.id])), company


def build(env, invoices, customers, seed, chunk=250):
    """Create the company's data and ``invoices`` posted invoices; return timings."""
    rnd = random.Random(seed)
    env, company = bench_company(env)
    timings = {}
    t0 = time.monotonic()
    taxes = _taxes(env, company)
    accounts = _accounts(env, company)
    analytic = _analytic(env, company)
    partners = bench_partners(env, customers, "Customer", "Market Street", 10000)
    bench_connection(env, company)
    timings["setup_s"] = round(time.monotonic() - t0, 1)
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    create_s, post_s = create_in_chunks(
        env["account.move"], invoices,
        lambda index: _invoice_vals(rnd, index, invoices, partners, journal, taxes, accounts, analytic),
        lambda moves: moves.action_post(), "invoices created and posted", chunk)
    queued = env["xero.queue"].search_count([("action", "=", "upsert"), ("state", "=", "waiting")])
    return {"invoices": invoices, "customers": customers, "seed": seed, "lines_per_invoice": LINES_PER_INVOICE,
            "queued": queued, "create_s": round(create_s, 1), "post_s": round(post_s, 1),
            "ms_per_invoice": round((create_s + post_s) * 1000 / max(invoices, 1), 1), **timings}


def bench_partners(env, count, kind, street, first_zip):
    """``count`` companies named "Bench <kind> 0000"…, with an address."""
    usa = env.ref("base.us")
    return env["res.partner"].create([{
        "name": f"Bench {kind} {i:04d}", "is_company": True, "email": f"ap{i:04d}@{kind.lower()}{i:04d}.example",
        "street": f"{i} {street}", "city": "Springfield", "zip": f"{first_zip + i}", "country_id": usa.id,
        "phone": f"+1 555 {i:04d}",
    } for i in range(count)])


def bench_connection(env, company, **values):
    """The company's connection to the demo organisation, pointed nowhere yet
    (each run points it at its emulator); committed."""
    env["xero.connection"].create({
        "company_id": company.id, "tenant_id": common.DEMO_TENANT_ID, "tenant_name": "Demo Company (Global)",
        "client_id": common.DEMO_CLIENT_ID, "client_secret": common.DEMO_CLIENT_SECRET, "state": "connected",
        "api_url": "http://127.0.0.1:9", "identity_url": "http://127.0.0.1:9", "login_url": "http://127.0.0.1:9",
        "import_start_date": START_DATE, "send_mode": "manual", "alert_mode": "none", **values,
    })
    env.cr.commit()


def create_in_chunks(model, count, vals_of, validate, label, chunk=250):
    """Create ``count`` records of ``model`` (``vals_of(index)``) by chunks,
    ``validate`` each chunk (post, confirm: the addon's own hook queues
    them) and commit it; returns the seconds spent creating and validating."""
    env = model.env
    create_s = validate_s = 0.0
    done = 0
    while done < count:
        size = min(chunk, count - done)
        vals_list = [vals_of(done + k) for k in range(size)]
        t1 = time.monotonic()
        records = model.create(vals_list)
        t2 = time.monotonic()
        validate(records)
        env.cr.commit()
        env.invalidate_all()
        create_s += t2 - t1
        validate_s += time.monotonic() - t2
        done += size
        if done % 1000 == 0 or done == count:
            log(f"  {done}/{count} {label} ({create_s + validate_s:.0f} s)")
    return create_s, validate_s


def _taxes(env, company):
    Tax = env["account.tax"]
    sale15 = Tax.search([("company_id", "=", company.id), ("type_tax_use", "=", "sale"), ("amount", "=", 15),
                         ("amount_type", "=", "percent"), ("price_include_override", "!=", "tax_included")],
                        limit=1)
    if not sale15:
        sale15 = Tax.create({"name": "Sales tax 15%", "amount": 15, "type_tax_use": "sale",
                             "company_id": company.id})
    exempt = Tax.create({"name": "Exempt sales 0%", "amount": 0, "type_tax_use": "sale", "company_id": company.id,
                         "tax_group_id": sale15.tax_group_id.id})
    return {"OUTPUT": sale15, "EXEMPTOUTPUT": exempt}


def _accounts(env, company):
    Account = env["account.account"].with_company(company)
    domain = Account._check_company_domain(company)
    sales = Account.search([*domain, ("code", "=", "400000")], limit=1) or \
        Account.search([*domain, ("account_type", "=", "income")], limit=1)
    other = Account.search([*domain, ("code", "=", "450000")], limit=1) or Account.create(
        {"code": "450000", "name": "Other Income", "account_type": "income_other"})
    return {"200": sales, "260": other}


def _analytic(env, company):
    Plan = env["account.analytic.plan"]
    Analytic = env["account.analytic.account"]
    out = {}
    for plan_name, names in (("Region", REGIONS), ("Department", DEPARTMENTS)):
        plan = Plan.search([("name", "=", plan_name), ("parent_id", "=", False)], limit=1) or \
            Plan.create({"name": plan_name})
        out[plan_name] = [Analytic.create({"name": n, "plan_id": plan.id, "company_id": company.id})
                          for n in names]
    return out


def _invoice_vals(rnd, index, total, partners, journal, taxes, accounts, analytic):
    date = START_DATE + dt.timedelta(days=index * 300 // max(total, 1))
    lines = []
    for k in range(LINES_PER_INVOICE):
        treatment = rnd.choices(("OUTPUT", "EXEMPTOUTPUT", "NONE"), weights=(6, 2, 2))[0]
        distribution = {}
        if k % 2 == 0:
            distribution[str(rnd.choice(analytic["Region"]).id)] = 100.0
        if k % 3 == 0:
            distribution[str(rnd.choice(analytic["Department"]).id)] = 100.0
        lines.append((0, 0, {
            "name": f"{rnd.choice(WORDS)} {rnd.choice(WORDS).lower()} #{index}-{k}",
            "quantity": rnd.choice((1, 1, 2, 3, 5, 10, 12.5)),
            "price_unit": round(rnd.uniform(5, 900), 2),
            "discount": rnd.choice((0, 0, 0, 0, 5, 10)),
            "account_id": accounts["260" if k == 4 else "200"].id,
            "tax_ids": [(6, 0, taxes[treatment].ids if treatment in taxes else [])],
            "analytic_distribution": distribution or False,
        }))
    return {
        "move_type": "out_invoice", "partner_id": partners[rnd.randrange(len(partners))].id,
        "journal_id": journal.id, "invoice_date": date, "ref": f"PO-{100000 + index}",
        "invoice_line_ids": lines,
    }


# ---------------------------------------------------------------- mapping (per run, after the import)
def map_master_data(env, conn):
    """Map the imported Xero master data to the bench company's records.

    Accounts: Odoo 400000 → Xero 200, 450000 → 260 (mirror rows and the
    account's own Xero code); taxes: 15 % → OUTPUT, 0 % → EXEMPTOUTPUT;
    tracking: the analytic plans Region/Department and their accounts,
    linked by name by the import itself (and created when missing)."""
    company = conn.company_id
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    Account = env["account.account"].with_company(company)
    domain = Account._check_company_domain(company)
    by_code = {"200": Account.search([*domain, ("code", "=", "400000")], limit=1),
               "260": Account.search([*domain, ("code", "=", "450000")], limit=1)}
    for xero_code, account in by_code.items():
        if "xero_code" in account._fields:
            account.xero_code = xero_code
        if "xero.account" in env:
            mirror = env["xero.account"].search([("connection_id", "=", conn.id), ("code", "=", xero_code)])
            if mirror and mirror.account_id != account:
                env["xero.account"].search([("connection_id", "=", conn.id),
                                            ("account_id", "=", account.id)]).account_id = False
                mirror.account_id = account
    if "xero.tax.rate" in env:
        Tax = env["account.tax"]
        tax_domain = [("company_id", "=", company.id), ("type_tax_use", "=", "sale")]
        wanted = {"OUTPUT": Tax.search([*tax_domain, ("amount", "=", 15)], limit=1),
                  "EXEMPTOUTPUT": Tax.search([*tax_domain, ("name", "=", "Exempt sales 0%")], limit=1)}
        for tax_type, tax in wanted.items():
            rate = env["xero.tax.rate"].search([("connection_id", "=", conn.id), ("tax_type", "=", tax_type)])
            if rate and tax and rate.tax_ids != tax:
                rate.tax_ids = tax
    if "xero.tracking.category" in env:
        cats = env["xero.tracking.category"].search([("connection_id", "=", conn.id), ("status", "=", "ACTIVE")])
        cats.action_xero_create_analytic()
