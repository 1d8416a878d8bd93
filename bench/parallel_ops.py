"""Inside Odoo (run by ``worker.py``): the parallel-organisations dataset and
the steps of one run of ``bench_parallel.py``.

The dataset: ``orgs`` companies (the main one and ``orgs - 1`` new ones with
Odoo's generic chart), each with its connection, its master data imported
from the emulator and mapped, ``customers`` customers and ``invoices``
posted customer invoices of one line (15 % tax) — queued by the addon's own
posting hook. Connections start manual and point nowhere: each run points
them at its own emulator, whose organisations get their tenant ids.
"""

from __future__ import annotations

import datetime as dt
import time

import common
import dataset
from common import log

CUSTOMERS = 20
START = dt.date(2025, 1, 1)


def build(env, emulator_url, orgs, invoices, chunk=250):
    """Create the companies, connections and invoices; return timings."""
    emulator = common.EmulatorProcess.attach(emulator_url)
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True,
                           xero_no_push=True))
    t0 = time.monotonic()
    main = env.ref("base.main_company")
    main.tax_calculation_rounding_method = "round_per_line"
    companies = [main]
    for i in range(1, orgs):
        company = env["res.company"].create({"name": f"Organisation {i:02d}", "currency_id": main.currency_id.id,
                                             "tax_calculation_rounding_method": "round_per_line"})
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        env.cr.commit()
        companies.append(company)
    env.user.company_ids = [(4, c.id) for c in companies]
    charts_s = time.monotonic() - t0
    for index, company in enumerate(companies):
        cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
        tenant = common.DEMO_TENANT_ID if index == 0 else emulator.admin(
            "POST", "/organisations", {"name": company.name})["tenant_id"]
        conn = cenv["xero.connection"].create({
            "company_id": company.id, "tenant_id": tenant, "tenant_name": company.name,
            "client_id": common.DEMO_CLIENT_ID, "client_secret": common.DEMO_CLIENT_SECRET, "state": "connected",
            "api_url": emulator.base_url, "identity_url": emulator.base_url, "login_url": emulator.base_url,
            "import_start_date": START, "send_mode": "manual", "alert_mode": "none"})
        conn._xero_store_token(token(emulator, tenant))
        conn.action_xero_import_master_data()
        dataset.map_master_data(cenv, conn)
        _invoices(cenv, company, index, invoices, chunk)
        env.cr.commit()
        log(f"  organisation {index + 1}/{orgs}: {invoices} invoices posted ({time.monotonic() - t0:.0f} s)")
    queued = env["xero.queue"].search_count([("action", "=", "upsert"), ("state", "=", "waiting")])
    return {"orgs": orgs, "invoices_per_org": invoices, "queued": queued, "charts_s": round(charts_s, 1),
            "total_s": round(time.monotonic() - t0, 1)}


def token(emulator, tenant):
    return emulator.admin("POST", "/tokens", {"client_id": common.DEMO_CLIENT_ID, "tenant_ids": [tenant]})


def _invoices(env, company, index, count, chunk):
    Account = env["account.account"].with_company(company)
    income = Account.search([*Account._check_company_domain(company), ("code", "=", "400000")], limit=1)
    tax = env["account.tax"].search([("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
                                     ("amount", "=", 15)], limit=1)
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    partners = env["res.partner"].create([{
        "name": f"Customer {index:02d}-{i:03d}", "is_company": True, "company_id": company.id,
        "email": f"ap{i:03d}@org{index:02d}.example", "city": "Springfield"} for i in range(CUSTOMERS)])
    for start in range(0, count, chunk):
        moves = env["account.move"].create([{
            "move_type": "out_invoice", "partner_id": partners[i % CUSTOMERS].id, "journal_id": journal.id,
            "invoice_date": START + dt.timedelta(days=i * 300 // max(count, 1)), "ref": f"PO-{index:02d}-{i:05d}",
            "invoice_line_ids": [(0, 0, {"name": f"Services #{index}-{i}", "quantity": 1 + i % 5,
                                         "price_unit": 10 + (i * 37) % 900, "account_id": income.id,
                                         "tax_ids": [(6, 0, tax.ids)]})],
        } for i in range(start, min(count, start + chunk))])
        moves.action_post()
        env.cr.commit()
        env.invalidate_all()


def prepare(env, emulator_url, app_limit):
    """Point every connection at this run's emulator: its organisations (one
    per connection, created now), fresh tokens, the app-wide limit, and the
    work handed to the scheduled action (``next_sync`` now). Returns
    ``{connection id: tenant id}``."""
    from odoo.addons.account_xero.sync import rate, scheduler

    emulator = common.EmulatorProcess.attach(emulator_url)
    conns = env["xero.connection"].sudo().search([], order="id")
    tenants = {}
    for index, conn in enumerate(conns):
        tenant = common.DEMO_TENANT_ID if index == 0 else emulator.admin(
            "POST", "/organisations", {"name": conn.company_id.name})["tenant_id"]
        conn.write({"tenant_id": tenant, "api_url": emulator.base_url, "identity_url": emulator.base_url,
                    "login_url": emulator.base_url, "state": "connected"})
        conn._xero_store_token(token(emulator, tenant))
        tenants[conn.id] = tenant
    env["ir.config_parameter"].sudo().set_param(rate.APP_LIMIT_PARAM, str(app_limit))
    env["xero.rate.call"].sudo().search([]).unlink()
    env["xero.rate.state"].sudo().search([]).unlink()
    conns.write({"next_sync": dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)})
    scheduler.update_cron(env)
    env.cr.commit()
    return tenants


def cron(env, seconds):
    """The serial scheduled action, called again as long as work is due
    (what Odoo's cron worker does with a handover), for at most ``seconds``."""
    from odoo.addons.account_xero.sync import scheduler

    deadline = time.monotonic() + seconds
    calls = 0
    while time.monotonic() < deadline:
        scheduler.cron_sync(env)
        env.cr.commit()
        calls += 1
        if not due(env):
            break
    return {"cron_calls": calls}


def dispatch(env):
    """The scheduled action with queue_job installed: it dispatches jobs."""
    from odoo.addons.account_xero.sync import jobs, scheduler

    if not jobs.available(env):
        raise RuntimeError("queue_job is not installed in this database")
    scheduler.cron_sync(env)
    env.cr.commit()
    return {"dispatched": True}


def due(env):
    env.cr.execute("SELECT count(*) FROM xero_queue WHERE state IN ('waiting', 'sending')")
    return env.cr.fetchone()[0]
