"""The demo company of ``make run``, of the demo tour and of the
screenshots: a small field-service business (boiler servicing and repairs)
connected to Xero's demo organisation, its suggested mappings accepted and
work waiting to be sent.

:func:`seed_demo` is the one function they all call (``tools/demo_setup.py``,
``tests/test_demo.py``, ``tools/screenshots.py`` through ``make run``). Not a
data file: it needs a connected organisation, and it sends one invoice.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError

from ..sync import mappings, scheduler

#: every demo document's reference starts with it: how a second call knows the demo is there
DEMO_REF = "FS-DEMO"
#: (internal reference, name, sales price, cost)
PRODUCTS = [
    ("FS-CALL", "Call-out fee", 95.0, 0.0),
    ("FS-HOUR", "Labour (per hour)", 85.0, 0.0),
    ("FS-SERVICE", "Annual boiler service", 180.0, 0.0),
    ("FS-THERMO", "Smart thermostat, supplied and fitted", 240.0, 130.0),
]
CUSTOMERS = ("Harbour View Apartments", "Greenleaf Bakery", "Oakridge Dental Clinic")
SUPPLIER = "Kestrel Heating Supplies"


def seed_demo(connection, accept=True, today=None):
    """Give the connected company of ``connection`` its demo work.

    Imports Xero's chart and tax rates when they never were; with ``accept``
    accepts every suggested mapping (``sync/mappings.py``), exactly as
    "Accept all suggestions" does. Then, once (a second call finds the
    documents by their reference and adds nothing): the start date a month
    back, payments sent; four service products, three customers, a supplier;
    four posted invoices, a vendor bill and a credit note. With ``accept``
    the first invoice is sent to Xero at once and a payment of it is
    registered, so that payment waits in the queue with the five other
    documents; without (the test of the suggestions) nothing is sent and the
    payment follows its invoice when that one is sent.

    Returns ``{"moves", "payment", "mapped", "created"}``. Raises
    UserError when Xero's data cannot be imported or the first invoice is
    refused."""
    conn = connection.sudo()
    company = conn.company_id
    env = conn.with_company(company).env
    today = today or fields.Date.context_today(conn)
    if not conn.master_import_date:
        notification = scheduler.import_master_data(conn)
        if not conn.master_import_date:
            raise UserError(notification["params"]["message"])
    Move = env["account.move"]
    existing = Move.search([("company_id", "=", company.id), ("ref", "=like", f"{DEMO_REF}%")], order="id")
    if existing:
        mapped = mappings.accept_all(conn) if accept else 0
        return {"moves": existing, "payment": existing._get_reconciled_payments(), "mapped": mapped,
                "created": False}
    conn.write({"import_start_date": today - timedelta(days=30), "send_payments": True,
                "invoice_status": "AUTHORISED"})
    mapped = mappings.accept_all(conn) if accept else 0
    products = _products(env, company)
    customers = [_partner(env, name) for name in CUSTOMERS]
    supplier = _partner(env, SUPPLIER)

    def document(move_type, partner, days_ago, number, lines):
        return Move.create({
            "move_type": move_type, "partner_id": partner.id, "invoice_date": today - timedelta(days=days_ago),
            "ref": f"{DEMO_REF}-{number}",
            "invoice_line_ids": [Command.create({"product_id": products[code].id, "quantity": qty})
                                 for code, qty in lines],
        })

    first = document("out_invoice", customers[0], 21, "01", [("FS-SERVICE", 6)])
    first.action_post()
    if accept:
        conn._xero_sync(trigger="manual")
        if not first.xero_id:
            raise UserError(env._("The first demo invoice was not sent to Xero: %(message)s",
                                  message=first.xero_message or "?"))
    others = (
        document("out_invoice", customers[1], 12, "02", [("FS-CALL", 1), ("FS-HOUR", 3)])
        | document("out_invoice", customers[2], 6, "03", [("FS-THERMO", 2), ("FS-HOUR", 2)])
        | document("out_invoice", customers[0], 2, "04", [("FS-CALL", 1), ("FS-HOUR", 1.5)])
        | document("in_invoice", supplier, 9, "B1", [("FS-THERMO", 4)])
        | document("out_refund", customers[1], 4, "C1", [("FS-CALL", 1)])
    )
    others.action_post()
    bank = env["account.journal"].search([*env["account.journal"]._check_company_domain(company),
                                          ("type", "=", "bank")], limit=1)
    payment = env["account.payment.register"].with_context(
        active_model="account.move", active_ids=first.ids).create({
            "payment_date": today - timedelta(days=3), "journal_id": bank.id})._create_payments()
    return {"moves": first | others, "payment": payment, "mapped": mapped, "created": True}


def _products(env, company):
    """The demo's products by internal reference (made once): the default
    income and expense accounts of their category and the company's default
    taxes, as a newcomer's own products."""
    Product = env["product.product"]
    found = {}
    for code, name, price, cost in PRODUCTS:
        product = Product.search([("default_code", "=", code), ("company_id", "in", [company.id, False])], limit=1)
        found[code] = product or Product.create({
            "name": name, "default_code": code, "type": "service", "list_price": price, "standard_price": cost,
            "purchase_ok": bool(cost),
            "taxes_id": [Command.set(company.account_sale_tax_id.ids)],
            "supplier_taxes_id": [Command.set(company.account_purchase_tax_id.ids)],
        })
    return found


def _partner(env, name):
    Partner = env["res.partner"]
    return Partner.search([("name", "=", name), ("is_company", "=", True)], limit=1) or Partner.create(
        {"name": name, "is_company": True, "email": f"accounts@{name.lower().replace(' ', '')[:18]}.example.com"})
