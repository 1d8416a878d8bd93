"""The demo company of ``make run``, of the demo tour and of the
screenshots: a small field-service business (boiler servicing and repairs)
connected to Xero's demo organisation, its suggested mappings accepted and
work waiting to be sent.

:func:`seed_demo` is the one function they all call (``tools/demo_setup.py``,
``tests/test_tour_demo.py``, ``tests/test_mapping_suggestions.py``, and
``make screenshots`` through ``make run``). Not a data file: it needs a
connected organisation, and it sends one invoice.
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


#: (reference suffix, type, customer or supplier, days before today, [(product, quantity)])
DOCUMENTS = [
    ("01", "out_invoice", CUSTOMERS[0], 21, [("FS-SERVICE", 6)]),
    ("02", "out_invoice", CUSTOMERS[1], 12, [("FS-CALL", 1), ("FS-HOUR", 3)]),
    ("03", "out_invoice", CUSTOMERS[2], 6, [("FS-THERMO", 2), ("FS-HOUR", 2)]),
    ("04", "out_invoice", CUSTOMERS[0], 2, [("FS-CALL", 1), ("FS-HOUR", 1.5)]),
    ("B1", "in_invoice", SUPPLIER, 9, [("FS-THERMO", 4)]),
    ("C1", "out_refund", CUSTOMERS[1], 4, [("FS-CALL", 1)]),
]


def seed_demo(connection, accept=True, today=None):
    """Give the connected company of ``connection`` its demo work.

    Imports Xero's chart and tax rates when they never were. Until the first
    demo invoice is in Xero, with ``accept``, accepts every suggested mapping
    (``sync/mappings.py``) exactly as "Accept all suggestions" does; after
    that the mappings are the user's and are left as they are. Sets the start
    date a month back and payments sent (when it makes the first document),
    and makes what is missing of: four service products, three customers, a
    supplier, four posted invoices, a vendor bill and a credit note (found
    again by their reference: a second call adds nothing, a call after a
    failure finishes the work). With ``accept`` the first invoice is sent to
    Xero at once and then paid in Odoo, so the payment waits in the queue
    with the five other documents; without (the test of the suggestions)
    nothing is sent, and the payment follows its invoice when it is.

    Returns ``{"moves", "payment", "mapped", "created"}`` (created: whether
    any document was made). Raises UserError when Xero's data cannot be
    imported or the first invoice is refused."""
    conn = connection.sudo()
    company = conn.company_id
    env = conn.with_company(company).env
    today = today or fields.Date.context_today(conn)
    if not conn.master_import_date:
        notification = scheduler.import_master_data(conn)
        if not conn.master_import_date:
            raise UserError(notification["params"]["message"])
    Move = env["account.move"]
    found = {move.ref: move for move in Move.search([("company_id", "=", company.id),
                                                     ("ref", "=like", f"{DEMO_REF}-%")])}
    if not found:
        conn.write({"import_start_date": today - timedelta(days=30), "send_payments": True,
                    "invoice_status": "AUTHORISED"})
    first_ref = f"{DEMO_REF}-{DOCUMENTS[0][0]}"
    sent_before = bool(found.get(first_ref) and found[first_ref].xero_id)
    mapped = mappings.accept_all(conn) if accept and not sent_before else 0
    products = _products(env, company)
    moves = Move
    for number, move_type, partner, days_ago, lines in DOCUMENTS:
        ref = f"{DEMO_REF}-{number}"
        move = found.get(ref) or Move.create({
            "move_type": move_type, "partner_id": _partner(env, partner).id, "ref": ref,
            "invoice_date": today - timedelta(days=days_ago),
            "invoice_line_ids": [Command.create({"product_id": products[code].id, "quantity": qty})
                                 for code, qty in lines],
        })
        if move.state == "draft":
            move.action_post()
        if ref == first_ref and accept and not move.xero_id:
            conn._xero_sync(trigger="manual")
            if not move.xero_id:
                raise UserError(env._("The first demo invoice was not sent to Xero: %(message)s",
                                      message=move.xero_message or "?"))
        moves |= move
    first = moves[:1]
    payment = first._get_reconciled_payments()
    if not payment:
        bank = env["account.journal"].search([*env["account.journal"]._check_company_domain(company),
                                              ("type", "=", "bank")], limit=1)
        payment = env["account.payment.register"].with_context(
            active_model="account.move", active_ids=first.ids).create({
                "payment_date": today - timedelta(days=3), "journal_id": bank.id})._create_payments()
    return {"moves": moves, "payment": payment, "mapped": mapped, "created": len(found) < len(DOCUMENTS)}


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
