"""Suggested mappings: once Xero's chart and tax rates are imported, what
each Odoo account, tax and bank journal documents need would be sent as in
Xero, and why — for a person to accept, change or leave.

*In use* (what documents need): the accounts and taxes on the lines of
invoices, bills and credit notes from the import start date (drafts
included: they will be posted), the default income and expense accounts
of product categories and of the sale and purchase journals, the rounding
account, the company's default taxes and the taxes of products; and, when
the connection sends payments, the journals of payments from that date.

A suggestion is made for every unmapped item in use, and for every other
unmapped income or expense account, sale or purchase tax and bank or cash
journal that has one; an item not in use and without a suggestion is left
out (the Mappings menus map it). Each says why:

* accounts — among Xero's active accounts of the same class (revenue,
  expense...; bank and system accounts excluded): the *same name*, else the
  *similar name* (most words in common, one winner only), else the only
  account of the specific type (direct costs...) or of the class;
* taxes — among Xero's active rates of the same percentage that apply to
  sales (purchases): the one rate, the one that applies to sales (purchases)
  only, or the one of the most similar name — "same rate and type"; taxes
  that are no plain percentage get none;
* journals — among Xero's bank accounts not taken by another journal, of
  the journal's currency: the same bank account number, the same or a
  similar name, or the organisation's only bank account.

Ties are no suggestion: nothing is guessed between equals. Nothing is
written here but by :func:`save`, with what the user accepted or chose.
Exact code matches are linked by the import itself (``importers/master``).
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

from odoo import Command
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from ..services import matching
from ..services.errors import XeroMappingError
from ..services.mappers.contact import norm_vat

INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
#: Odoo account types of document lines offered even when not in use yet
DOCUMENT_ACCOUNT_TYPES = ("income", "income_other", "expense", "expense_direct_cost", "expense_depreciation")
KINDS = [("account", "Account"), ("tax", "Tax"), ("journal", "Bank journal")]
#: Xero's class of each Xero type (when Xero gives no Class)
XERO_CLASS = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET", "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET", "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY",
    "EQUITY": "EQUITY", "REVENUE": "REVENUE", "SALES": "REVENUE", "OTHERINCOME": "REVENUE",
    "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "DEPRECIATN": "EXPENSE",
}
#: Odoo type prefix → Xero class
ODOO_CLASS = {"income": "REVENUE", "expense": "EXPENSE", "asset": "ASSET", "liability": "LIABILITY",
              "equity": "EQUITY"}
#: Xero types preferred for an Odoo type (a tie-break, or "the only ... account")
PREFERRED_TYPES = {
    "income": ("REVENUE", "SALES"), "income_other": ("OTHERINCOME",), "expense": ("EXPENSE", "OVERHEADS"),
    "expense_direct_cost": ("DIRECTCOSTS",), "expense_depreciation": ("DEPRECIATN",), "asset_fixed": ("FIXED",),
}


@dataclass
class Suggestion:
    """One Odoo record to map: ``target`` (a ``xero.account`` or
    ``xero.tax.rate``, maybe empty) and why, or why there is none."""

    kind: str
    record: object
    target: object
    reason: str
    in_use: bool


def xero_class(xacc):
    return xacc.xero_class or XERO_CLASS.get(xacc.type or "")


def odoo_class(account):
    return ODOO_CLASS.get((account.account_type or "").split("_")[0])


# ---------------------------------------------------------------- in use
def in_use(connection):
    """``{"account": ..., "tax": ..., "journal": ...}``: the records documents
    of the connection's company need (see the module doc), as superuser."""
    conn = connection.sudo()
    company = conn.company_id
    env = conn.with_company(company).env
    start = conn.import_start_date
    env.flush_all()
    since = SQL("AND COALESCE(m.invoice_date, m.date) >= %s", start) if start else SQL()
    lines = SQL("""
        FROM account_move_line l JOIN account_move m ON m.id = l.move_id
        WHERE m.company_id = %s AND m.move_type IN %s AND m.state IN ('draft', 'posted')
          AND l.display_type = 'product' %s""", company.id, INVOICE_TYPES, since)
    cr = env.cr
    cr.execute(SQL("SELECT DISTINCT l.account_id %s", lines))
    account_ids = {row[0] for row in cr.fetchall() if row[0]}
    for category in env["product.category"].search([]):
        account_ids.update((category.property_account_income_categ_id | category.property_account_expense_categ_id).ids)
    journals = env["account.journal"].search([*env["account.journal"]._check_company_domain(company),
                                              ("type", "in", ("sale", "purchase"))])
    account_ids.update(journals.default_account_id.ids)
    account_ids.update(conn.rounding_account_id.ids)

    cr.execute(SQL("""SELECT DISTINCT r.account_tax_id FROM account_move_line_account_tax_rel r
                      WHERE r.account_move_line_id IN (SELECT l.id %s)""", lines))
    tax_ids = {row[0] for row in cr.fetchall()}
    tax_ids.update((company.account_sale_tax_id | company.account_purchase_tax_id).ids)
    for table in ("product_taxes_rel", "product_supplier_taxes_rel"):
        cr.execute(SQL("""SELECT DISTINCT r.tax_id FROM %s r JOIN product_template t ON t.id = r.prod_id
                          JOIN account_tax x ON x.id = r.tax_id
                          WHERE t.active AND x.active AND x.company_id = %s""", SQL.identifier(table), company.id))
        tax_ids.update(row[0] for row in cr.fetchall())

    journal_ids = set()
    if conn.send_payments:
        cr.execute(SQL("""SELECT DISTINCT p.journal_id FROM account_payment p
                          WHERE p.company_id = %s AND p.state IN ('in_process', 'paid') %s""",
                       company.id, SQL("AND p.date >= %s", start) if start else SQL()))
        journal_ids = {row[0] for row in cr.fetchall()}
    return {
        "account": env["account.account"].browse(sorted(account_ids)).exists(),
        "tax": env["account.tax"].browse(sorted(tax_ids)).exists(),
        "journal": env["account.journal"].browse(sorted(journal_ids)).exists()
        .filtered(lambda j: j.type in ("bank", "cash")),
    }


def is_mapped(connection, kind, record):
    """Whether documents (payments) would find ``record``'s Xero account or
    rate: the very look-ups of the send, so an archived target is no mapping."""
    env = connection.env
    try:
        if kind == "account":
            env["xero.account"]._xero_code_for(connection, record)
        elif kind == "tax":
            env["xero.tax.rate"]._xero_tax_type_for(connection, record)
        else:
            env["xero.account"]._xero_bank_account_for(connection, record)
    except XeroMappingError:
        return False
    return True


def unmapped_in_use(connection):
    """``{kind: records}`` in use and not mapped. Taxes are looked at one by
    one, as suggested: a tax only ever sent within a combined Xero rate
    (several taxes on one line) counts as not mapped alone."""
    return {kind: records.filtered(lambda r, k=kind: not is_mapped(connection, k, r))
            for kind, records in in_use(connection).items()}


def todo_message(env, unmapped):
    """"3 accounts in use are not mapped", "1 account and 2 taxes in use
    are not mapped"; False when everything in use is mapped."""
    names = {"account": (env._("account"), env._("accounts")), "tax": (env._("tax"), env._("taxes")),
             "journal": (env._("bank journal"), env._("bank journals"))}
    parts = [f"{len(records)} {names[kind][len(records) != 1]}" for kind, records in unmapped.items() if records]
    if not parts:
        return False
    what = parts[0] if len(parts) == 1 else env._("%(some)s and %(last)s", some=", ".join(parts[:-1]),
                                                  last=parts[-1])
    if sum(len(records) for records in unmapped.values()) == 1:
        return env._("%(what)s in use is not mapped", what=what)
    return env._("%(what)s in use are not mapped", what=what)


# ---------------------------------------------------------------- suggestions
def suggestions(connection):
    """Every :class:`Suggestion` of ``connection`` (see the module doc), in
    use first; empty while Xero's chart has not been imported."""
    conn = connection.sudo()
    company = conn.company_id
    env = conn.with_company(company).env
    chart = env["xero.account"].search([("connection_id", "=", conn.id), ("status", "=", "ACTIVE")])
    rates = env["xero.tax.rate"].search([("connection_id", "=", conn.id), ("status", "=", "ACTIVE")])
    if not chart:
        return []
    used = in_use(conn)
    Account, Tax, Journal = env["account.account"], env["account.tax"], env["account.journal"]
    candidates = {
        "account": used["account"] | Account.search([*Account._check_company_domain(company),
                                                     ("account_type", "in", DOCUMENT_ACCOUNT_TYPES),
                                                     ("deprecated", "=", False)]),
        "tax": used["tax"] | Tax.search([*Tax._check_company_domain(company),
                                         ("type_tax_use", "in", ("sale", "purchase"))]),
        "journal": used["journal"] | Journal.search([*Journal._check_company_domain(company),
                                                     ("type", "in", ("bank", "cash"))]),
    }
    taken = set(chart.filtered("journal_id").ids)
    found = []
    for kind, records in candidates.items():
        ordered = records.sorted(lambda r, k=kind: (r not in used[k], k == "journal" and r.type == "cash",
                                                    r.display_name))
        for record in ordered:
            if is_mapped(conn, kind, record):
                continue
            if kind == "account":
                target, reason = suggest_account(env, chart, record)
            elif kind == "tax":
                target, reason = suggest_tax(env, rates, record)
            else:
                target, reason = suggest_journal(env, chart, record, taken)
                taken.update(target.ids if target else ())
            if target or record in used[kind]:
                found.append(Suggestion(kind, record, target or None, reason, record in used[kind]))
    return found


def suggest_account(env, chart, account):
    """``(xero.account or None, reason)`` for an Odoo account."""
    klass = odoo_class(account)
    candidates = chart.filtered(lambda a: a.code and a.type != "BANK" and not a.system_account
                                and xero_class(a) == klass)
    if not candidates:
        return None, env._("Xero has no account of this class to send it to: choose one.")
    same = candidates.filtered(lambda a: matching.same_name(a.name, account.name))
    if len(same) == 1:
        return same, env._("same name")
    preferred = PREFERRED_TYPES.get(account.account_type, ())

    def score(xacc):
        value = matching.similarity(xacc.name, account.name)
        return value and value + (0.01 if xacc.type in preferred else 0)

    best = matching.unique_best(same or candidates, score)
    if best:
        return best, env._("similar name")
    specific = {"OTHERINCOME": env._("the only other income account"),
                "DIRECTCOSTS": env._("the only direct costs account"),
                "DEPRECIATN": env._("the only depreciation account")}
    of_type = candidates.filtered(lambda a: a.type in preferred)
    if len(of_type) == 1 and of_type.type in specific:
        return of_type, specific[of_type.type]
    if len(candidates) == 1:
        only = {"REVENUE": env._("the only revenue account"), "EXPENSE": env._("the only expense account"),
                "ASSET": env._("the only asset account"), "LIABILITY": env._("the only liability account"),
                "EQUITY": env._("the only equity account")}
        return candidates, only[klass]
    return None, env._("No Xero account has the same or a similar name: choose one.")


def suggest_tax(env, rates, tax):
    """``(xero.tax.rate or None, reason)`` for an Odoo sale or purchase tax."""
    percent = tax._xero_percent()
    if tax.type_tax_use not in ("sale", "purchase"):
        return None, env._("Only sale and purchase taxes are sent to Xero.")
    if percent is None:
        return None, env._("Not a plain percentage: choose the Xero rate it is sent as.")
    sale = tax.type_tax_use == "sale"
    candidates = rates.filtered(lambda r: (r.can_apply_to_revenue if sale else r.can_apply_to_expenses)
                                and not float_compare(r.rate, percent, precision_digits=4))
    if not candidates:
        return None, env._("Xero has no %(side)s rate of %(rate)s %%: choose one, or add it in Xero.",
                           side=env._("sales") if sale else env._("purchases"), rate=round(percent, 4))
    own_side = candidates.filtered(lambda r: not (r.can_apply_to_expenses if sale else r.can_apply_to_revenue))
    pool = own_side or candidates
    if len(pool) == 1:
        return pool, env._("same rate and type")
    best = matching.unique_best(pool, lambda r: matching.similarity(r.name, tax.name)
                                + matching.similarity(r.name, tax.invoice_label or ""))
    if best:
        return best, env._("same rate and type, similar name")
    return None, env._("Several Xero rates of %(rate)s %%: choose one.", rate=round(percent, 4))


def suggest_journal(env, chart, journal, taken):
    """``(xero.account or None, reason)`` for an Odoo bank or cash journal;
    ``taken``: ids of Xero bank accounts that have a journal already."""
    banks = chart.filtered(lambda a: a.type == "BANK")
    currency = (journal.currency_id or journal.company_id.currency_id).name
    candidates = banks.filtered(lambda a: a.id not in taken and a.currency_code in (False, currency))
    if not candidates:
        return None, env._("No Xero bank account in %(currency)s is free: choose one.", currency=currency)
    number = norm_vat(journal.bank_account_id.acc_number)
    if number:
        same = candidates.filtered(lambda a: norm_vat(a.bank_account_number) == number)
        if len(same) == 1:
            return same, env._("same bank account number")
    same = candidates.filtered(lambda a: matching.same_name(a.name, journal.name))
    if len(same) == 1:
        return same, env._("same name")
    best = matching.unique_best(candidates, lambda a: matching.similarity(a.name, journal.name))
    if best:
        return best, env._("similar name")
    if len(banks) == 1 and candidates == banks and journal.type == "bank":
        return banks, env._("the only bank account")
    return None, env._("No Xero bank account has the same number or a similar name: choose one.")


# ---------------------------------------------------------------- saving
def save(connection, choices):
    """Map each ``(kind, record, target, reason)`` of ``choices`` (accepted
    suggestions and the user's own choices) and say so in the connection's
    chatter; returns how many were mapped. Choices without a target are
    skipped. The caller checks the user's rights first."""
    conn = connection.sudo()
    done = []
    for kind, record, target, reason in choices:
        if not target:
            continue
        if target.connection_id != conn:
            raise UserError(conn.env._("%(xero)s is not in the Xero organisation of %(org)s.",
                                       xero=target.display_name, org=conn.display_name))
        apply(conn, kind, record.sudo(), target.sudo())
        done.append((record.display_name, target.display_name, reason))
    if done:
        items = Markup("").join(Markup("<li>%s → %s (%s)</li>") % (escape(odoo), escape(xero), escape(reason))
                                for odoo, xero, reason in done)
        conn.message_post(body=Markup("<p>%s</p><ul>%s</ul>") % (
            conn.env._("Mappings saved by %(user)s:", user=connection.env.user.name), items),
            message_type="notification", subtype_xmlid="mail.mt_note")
    return len(done)


def accept_all(connection):
    """Accept every suggestion that has a target; how many were mapped."""
    return save(connection, [(s.kind, s.record, s.target, s.reason) for s in suggestions(connection) if s.target])


def apply(connection, kind, record, target):
    """Map one Odoo record to ``target``, where the send looks for it.

    An account with its own Xero code gets the target's code; otherwise the
    target Xero account is mapped to it (by AccountID) when no other Odoo
    account holds it, else the account gets the target's code (several Odoo
    accounts may go to one Xero account). A tax joins the target rate and
    leaves the rates that would also claim it alone (a combined rate holding
    it with others stays). A journal goes to the target bank account, which
    must not take another journal's payments."""
    env = connection.env
    company = connection.company_id
    XeroAccount = env["xero.account"].sudo()
    if kind == "account":
        account = record.with_company(company)
        if account.xero_code or (target.account_id and target.account_id != account):
            account.xero_code = target.code
            return
        XeroAccount.search([("connection_id", "=", connection.id), ("account_id", "=", account.id),
                            ("id", "!=", target.id)]).account_id = False
        target.account_id = account
    elif kind == "tax":
        percent = record._xero_percent()
        claims = env["xero.tax.rate"].sudo().search([("connection_id", "=", connection.id),
                                                     ("tax_ids", "in", record.ids), ("id", "!=", target.id)])
        for rate in claims.filtered(lambda r: r.tax_ids == record or r.status != "ACTIVE" or (
                percent is not None and not float_compare(percent, r.rate, precision_digits=4))):
            rate.tax_ids = [Command.unlink(record.id)]
        target.tax_ids = [Command.link(record.id)]
    else:
        if target.journal_id and target.journal_id != record:
            raise UserError(env._(
                "The Xero account %(xero)s already takes the payments of the journal %(journal)s: choose another "
                "one for %(record)s.", xero=target.display_name, journal=target.journal_id.display_name,
                record=record.display_name))
        XeroAccount.search([("connection_id", "=", connection.id), ("journal_id", "=", record.id),
                            ("id", "!=", target.id)]).journal_id = False
        target.journal_id = record
