"""Xero → Odoo: the chart of accounts, tax rates, tracking categories and
(on request) items, re-runnable: a second run finds everything equal and
writes nothing (nor logs anything).

One run of kind ``master`` per import, holding the connection's sync lock.
Each part (accounts, tax rates, tracking, items) is committed when done, so
a Xero error half-way keeps the parts already imported; the error is the
run's message and the user's notification.

What is skipped, and why: rows Xero no longer lists are not deleted but
marked DELETED (their mappings keep their history); links to Odoo records
are only made when exactly one record fits and it is not linked already
(never a guess); items without a code are not imported (the code is how a
product is found again); products of another company are never touched.
"""

from odoo import fields

from ...services.mappers import master
from ...services.mappers.contact import norm_vat  # letters and digits, upper case: bank numbers too
from ..run import SyncRun, commit

COUNT_KEYS = ("created", "updated", "unchanged")


#: the parts of master data, each imported on its own (``parts`` of :func:`import_master_data`)
PARTS = ("accounts", "tax_rates", "tracking", "items")


def import_master_data(connection, items=False, parts=None):
    """Import accounts, tax rates and tracking, and items when ``items``;
    or only the ``parts`` named (of :data:`PARTS`, in that order); return a
    notification saying what changed (or why it failed).

    Raises UserError when the connection is not connected or another sync
    of it is running."""
    connection.ensure_one()
    env = connection.env
    if parts is None:
        parts = PARTS if items else PARTS[:3]
    parts = [part for part in PARTS if part in parts]
    labels = {"accounts": env._("Accounts"), "tax_rates": env._("Tax rates"), "tracking": env._("Tracking"),
              "items": env._("Items")}
    importers = {"accounts": import_accounts, "tax_rates": import_tax_rates, "tracking": import_tracking,
                 "items": import_items}
    operation = env._("Import master data") if parts in (list(PARTS), list(PARTS[:3])) else env._(
        "Import from Xero: %s", ", ".join(labels[part] for part in parts))
    sync = SyncRun(connection, "master", "manual", operation=operation, one_off=True)
    with sync as ctx:
        counts = {}
        for part in parts:
            counts[labels[part]] = importers[part](ctx)
            commit(ctx.env)
        summary = "; ".join(
            env._("%(what)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged", what=what, **c)
            for what, c in counts.items())
        ctx.connection.master_import_date = fields.Datetime.now()
        ctx.notes.append(summary)
    if sync.state:
        return notification(env, env._("Import from Xero failed: %s", sync.message), "danger")
    return notification(env, sync.run.message, "success")


def notification(env, message, kind):
    return {"type": "ir.actions.client", "tag": "display_notification",
            "params": {"title": env._("Xero"), "message": message, "type": kind, "sticky": kind != "success",
                       "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}


# ------------------------------------------------------------ helpers
def upsert(ctx, Model, records_by_key, key, values_list, xero_object):
    """Create or update mirror rows; ``records_by_key`` are the rows we have.
    Returns ``(counts, {key: record})``; rows equal to Xero's are not
    written, created and updated ones are logged on the run."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    out = {}
    to_create = []
    for values in values_list:
        record = records_by_key.get(values[key])
        if record:
            changes = master.changed_values(record, values)
            if changes:
                record.write(changes)
                counts["updated"] += 1
                log_import(ctx, xero_object, record, ctx.env._("Updated from Xero."))
            else:
                counts["unchanged"] += 1
            out[values[key]] = record
        else:
            to_create.append(values)
    if to_create:
        created = Model.create(to_create)
        for record in created:
            out[record[key]] = record
            log_import(ctx, xero_object, record, ctx.env._("Imported from Xero."))
        counts["created"] = len(created)
    return counts, out


def log_import(ctx, xero_object, record, message):
    ctx.env["xero.sync.log"]._log(ctx.connection, xero_object, "import", "done", record=record, run=ctx.run,
                                  message=message, xero_id=record["xero_id"] if "xero_id" in record else False)


def mark_missing(records, seen_keys, key):
    """Rows Xero no longer lists are marked deleted (kept for their mappings' history)."""
    missing = records.filtered(lambda r: r[key] not in seen_keys and r.status != "DELETED")
    if missing:
        missing.write({"status": "DELETED"})
    return len(missing)


# ------------------------------------------------------------ accounts
def import_accounts(ctx):
    """The chart of accounts; new rows are linked to the Odoo account of the
    same code and bank accounts to an unambiguous Odoo journal."""
    conn = ctx.connection
    Account = ctx.env["xero.account"].sudo()
    existing = Account.search([("connection_id", "=", conn.id)])
    values_list = [dict(master.account_values(a), connection_id=conn.id) for a in ctx.api.accounts()]
    counts, rows = upsert(ctx, Account, {r.xero_id: r for r in existing}, "xero_id", values_list, "account")
    counts["updated"] += mark_missing(existing, set(rows), "xero_id")
    link_accounts(ctx, Account.search([("connection_id", "=", conn.id)]))
    return counts


def link_accounts(ctx, xero_accounts):
    """Map unmapped Xero accounts to the Odoo account with the same code, and
    bank accounts to the Odoo bank journal with the same account number (or
    else the same name) — only when exactly one fits and it is not mapped to
    another Xero account already. Archived accounts are not mapped."""
    env, company = ctx.env, ctx.connection.company_id
    OdooAccount = env["account.account"].sudo().with_company(company)
    taken = set(xero_accounts.account_id.ids)
    for xacc in xero_accounts.filtered(lambda a: not a.account_id and a.code and a.status == "ACTIVE"):
        found = OdooAccount.search([*OdooAccount._check_company_domain(company), ("code", "=", xacc.code)])
        if len(found) == 1 and found.id not in taken:
            xacc.account_id = found
            taken.add(found.id)
    journals = env["account.journal"].sudo().search([
        *env["account.journal"]._check_company_domain(company), ("type", "in", ("bank", "cash"))])
    taken = set(xero_accounts.journal_id.ids)
    for xacc in xero_accounts.filtered(lambda a: a.type == "BANK" and not a.journal_id):
        number = norm_vat(xacc.bank_account_number)
        name = xacc.name.strip().lower()
        candidates = journals.filtered(lambda j, n=number: n and norm_vat(j.bank_account_id.acc_number) == n)
        if not candidates:
            candidates = journals.filtered(lambda j, n=name: j.name.strip().lower() == n)
        if len(candidates) == 1 and candidates.id not in taken:
            xacc.journal_id = candidates
            taken.add(candidates.id)


# ------------------------------------------------------------ tax rates
def import_tax_rates(ctx):
    """Tax rates, never mapped to Odoo taxes by guess (a user maps them)."""
    conn = ctx.connection
    Rate = ctx.env["xero.tax.rate"].sudo()
    existing = Rate.search([("connection_id", "=", conn.id)])
    values_list = [dict(master.tax_rate_values(r), connection_id=conn.id) for r in ctx.api.tax_rates()]
    counts, rows = upsert(ctx, Rate, {r.tax_type: r for r in existing}, "tax_type", values_list, "tax_rate")
    counts["updated"] += mark_missing(existing, set(rows), "tax_type")
    return counts


# ------------------------------------------------------------ tracking
def import_tracking(ctx):
    """Categories (archived ones too) and their options; a category or option
    is mapped to the analytic plan/account of the same name when exactly one
    exists."""
    conn = ctx.connection
    elements = ctx.api.tracking_categories()
    Category = ctx.env["xero.tracking.category"].sudo()
    Option = ctx.env["xero.tracking.option"].sudo()
    existing = Category.search([("connection_id", "=", conn.id)])
    values_list = [dict(master.tracking_category_values(c), connection_id=conn.id) for c in elements]
    counts, cats = upsert(ctx, Category, {c.xero_id: c for c in existing}, "xero_id", values_list, "tracking")
    counts["updated"] += mark_missing(existing, set(cats), "xero_id")
    for element in elements:
        cat = cats[element["TrackingCategoryID"]]
        opt_values = [dict(master.tracking_option_values(o), category_id=cat.id) for o in element.get("Options") or []]
        sub_counts, opts = upsert(ctx, Option, {o.xero_id: o for o in cat.option_ids}, "xero_id", opt_values,
                                  "tracking")
        sub_counts["updated"] += mark_missing(cat.option_ids, set(opts), "xero_id")
        for k, v in sub_counts.items():
            counts[k] += v
    link_tracking(ctx, Category.search([("connection_id", "=", conn.id)]), Option)
    return counts


def link_tracking(ctx, categories, Option):
    """Plans and analytic accounts of the same name, when exactly one fits
    and nothing else is mapped to it; archived categories and options are
    not mapped."""
    env = ctx.env
    Plan = env["account.analytic.plan"].sudo()
    Analytic = env["account.analytic.account"].sudo()
    for cat in categories.filtered(lambda c: not c.analytic_plan_id and c.status == "ACTIVE"):
        plans = Plan.search([("name", "=", cat.name), ("parent_id", "=", False)])
        if len(plans) == 1 and not categories.filtered(lambda c, p=plans: c.analytic_plan_id == p):
            cat.analytic_plan_id = plans
    for cat in categories.filtered("analytic_plan_id"):
        for opt in cat.option_ids.filtered(lambda o: not o.analytic_account_id and o.status == "ACTIVE"):
            accounts = Analytic.search([("name", "=", opt.name), ("root_plan_id", "=", cat.analytic_plan_id.id),
                                        ("company_id", "in", [cat.company_id.id, False])])
            if len(accounts) == 1 and not Option.search_count([
                    ("connection_id", "=", ctx.connection.id), ("analytic_account_id", "=", accounts.id)]):
                opt.analytic_account_id = accounts


# ------------------------------------------------------------ items
def import_items(ctx):
    """Items as products, matched on internal reference = Xero code, and
    linked to their item (its ItemID through the binder).

    Items without a code are skipped; a product of another company is never
    touched; a product whose values equal Xero's is not written."""
    elements = ctx.api.items()
    company = ctx.connection.company_id
    Product = ctx.env["product.product"].sudo().with_company(company).with_context(active_test=False)
    codes = [i["Code"] for i in elements if i.get("Code")]
    products = Product.search([("default_code", "in", codes), ("company_id", "in", [company.id, False])])
    by_code = {}
    for product in products:
        by_code.setdefault(product.default_code, product)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    to_create = []
    binder = ctx.env["xero.binder"]
    for item in elements:
        if not item.get("Code"):
            continue
        values = master.product_values(item)
        product = by_code.get(item["Code"])
        if not product:
            to_create.append(dict(values, company_id=company.id))
            continue
        if item.get("ItemID") and binder._to_xero(product, company) != item["ItemID"]:
            binder._bind(product, item["ItemID"], company)  # its purchase order lines carry the item's code
        changes = master.changed_values(product, values)
        if changes:
            product.write(changes)
            counts["updated"] += 1
            log_import(ctx, "item", product, ctx.env._("Updated from Xero."))
        else:
            counts["unchanged"] += 1
    if to_create:
        created = Product.create(to_create)
        counts["created"] = len(created)
        item_ids = {i["Code"]: i.get("ItemID") for i in elements if i.get("Code")}
        for product in created:
            if item_ids.get(product.default_code):
                binder._bind(product, item_ids[product.default_code], company)
            log_import(ctx, "item", product, ctx.env._("Imported from Xero."))
    return counts
