"""The purchase order bench dataset: a company with N confirmed purchase
orders for V vendors, cached as a PostgreSQL template keyed by the addon's
code (as :mod:`dataset`).

Each order has 3 lines of 3 purchased products on two expense accounts
(sent as Xero 429 General Expenses and 310 Cost of Goods Sold), the 15 %
purchase tax (→ ``INPUT``) or none, discounts on some lines, a vendor
reference on most, an expected arrival date, short terms. Vendors are drawn
at random (seeded) among ``vendors`` companies, so contacts are created in
Xero while the export goes. Attachments and history notes are off. Orders
are created by ``create()`` in chunks and confirmed with
``button_confirm()`` on each chunk — confirming queues them, the addon's
own hook.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

import common
from dataset import (
    START_DATE,
    bench_company,
    bench_connection,
    bench_partners,
    code_hash,
    create_in_chunks,
    ensure_built,
)

DATASET_VERSION = 1
LINES_PER_ORDER = 3
WORDS = ("Paper", "Toner", "Cable", "Chair", "Desk", "Lamp", "Screen", "Keyboard", "Mouse", "Shelf")


def template_name(orders, vendors, seed):
    prefix = f"xero_bench_po_{common.TAG}_{orders}_{vendors}_{seed}_v{DATASET_VERSION}_"
    return prefix + code_hash(extra=(Path(__file__),))


def ensure_template(orders=5_000, vendors=500, seed=11):
    """The name of a ready purchase order bench template (built now when missing) and its build report."""
    prefix = f"xero_bench_po_{common.TAG}_{orders}_{vendors}_{seed}_v{DATASET_VERSION}_"
    return ensure_built(prefix, template_name(orders, vendors, seed),
                        ["build_po", "--invoices", orders, "--customers", vendors, "--seed", seed],
                        f"{orders} purchase orders, {vendors} vendors")


# ---------------------------------------------------------------- building (inside Odoo)
def build(env, orders, vendors, seed, chunk=250):
    """Create the company's data and ``orders`` confirmed purchase orders; return timings."""
    rnd = random.Random(seed)
    env, company = bench_company(env)
    t0 = time.monotonic()
    tax = env["account.tax"].search([("company_id", "=", company.id), ("type_tax_use", "=", "purchase"),
                                     ("amount", "=", 15), ("amount_type", "=", "percent"),
                                     ("price_include_override", "!=", "tax_included")], limit=1) or \
        env["account.tax"].create({"name": "Purchase tax 15%", "amount": 15, "type_tax_use": "purchase",
                                   "company_id": company.id})
    accounts = _accounts(env, company)
    products = env["product.product"].create([{
        "name": f"Bench supply {k}", "purchase_ok": True, "type": "consu", "purchase_method": "purchase",
        "property_account_expense_id": accounts["310" if k == 2 else "429"].id,
    } for k in range(3)])
    partners = bench_partners(env, vendors, "Vendor", "Supply Road", 20000)
    bench_connection(env, company, send_purchase_orders=True, po_status="AUTHORISED", export_attachments=False,
                     contact_history=False)
    setup_s = round(time.monotonic() - t0, 1)
    create_s, confirm_s = create_in_chunks(
        env["purchase.order"], orders, lambda index: _order_vals(rnd, index, partners, products, tax),
        lambda records: records.button_confirm(), "purchase orders created and confirmed", chunk)
    queued = env["xero.queue"].search_count([("res_model", "=", "purchase.order"), ("action", "=", "upsert"),
                                             ("state", "=", "waiting")])
    return {"orders": orders, "vendors": vendors, "seed": seed, "lines_per_order": LINES_PER_ORDER,
            "queued": queued, "create_s": round(create_s, 1), "confirm_s": round(confirm_s, 1), "setup_s": setup_s,
            "ms_per_order": round((create_s + confirm_s) * 1000 / max(orders, 1), 1)}


def _accounts(env, company):
    Account = env["account.account"].with_company(company)
    domain = Account._check_company_domain(company)
    general = Account.search([*domain, ("code", "=", "600000")], limit=1) or \
        Account.search([*domain, ("account_type", "=", "expense")], limit=1)
    cogs = Account.search([*domain, ("code", "=", "500000")], limit=1) or Account.create(
        {"code": "500000", "name": "Cost of Goods Sold", "account_type": "expense_direct_cost"})
    return {"429": general, "310": cogs}


def _order_vals(rnd, index, partners, products, tax):
    lines = []
    for k in range(LINES_PER_ORDER):
        lines.append((0, 0, {
            "product_id": products[k].id,
            "name": f"{rnd.choice(WORDS)} {rnd.choice(WORDS).lower()} #{index}-{k}",
            "product_qty": rnd.choice((1, 2, 3, 5, 10, 12, 25)),
            "price_unit": round(rnd.uniform(2, 400), 2),
            "discount": rnd.choice((0, 0, 0, 5, 10)),
            "taxes_id": [(6, 0, tax.ids if rnd.random() < 0.8 else [])],
            "date_planned": dt.datetime.combine(START_DATE, dt.time(9)) + dt.timedelta(days=index % 300 + 7),
        }))
    return {
        "partner_id": partners[rnd.randrange(len(partners))].id,
        "partner_ref": f"Q-{200000 + index}" if rnd.random() < 0.8 else False,
        "notes": "<p>Deliver to the loading bay, weekdays 8-16.</p>",
        "order_line": lines,
    }


# ---------------------------------------------------------------- mapping (per run, after the import)
def map_master_data(env, conn):
    """Map the imported Xero master data to the purchase bench company:
    expense accounts 600000 → 429 and 500000 → 310 (the account's own Xero
    code), the 15 % purchase tax → INPUT."""
    company = conn.company_id
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    for code, xero_code in (("600000", "429"), ("500000", "310")):
        account = env["account.account"].with_company(company).search(
            [*env["account.account"]._check_company_domain(company), ("code", "=", code)], limit=1)
        if account:
            account.xero_code = xero_code
    tax = env["account.tax"].search([("company_id", "=", company.id), ("type_tax_use", "=", "purchase"),
                                     ("amount", "=", 15)], limit=1)
    rate = env["xero.tax.rate"].search([("connection_id", "=", conn.id), ("tax_type", "=", "INPUT")])
    if rate and tax and tax not in rate.tax_ids:
        rate.tax_ids |= tax
