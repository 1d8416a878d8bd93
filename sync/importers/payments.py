"""Xero → Odoo: payments recorded in Xero on documents sent from Odoo.

Xero has no payment webhooks, so the inbound run (:mod:`.inbound`) polls
``GET /Payments`` with ``If-Modified-Since`` (the time, in Xero's clock, the
previous poll's first page was served), in pages ordered by PaymentID. Each
payment on a document bound to an Odoo invoice, bill or credit note is
registered in Odoo (in the journal mapped to the Xero bank account) and
reconciled with it; a payment deleted in Xero cancels its Odoo counterpart.
Invoice and credit note webhook events apply their documents' payments the
same way (:mod:`.webhook_events`).

The inbound run holds the connection's sync lock, so it never interleaves
with a run sending payments to Xero.
"""

from odoo import fields
from odoo.exceptions import UserError, ValidationError

from ...services.api import MAX_PAGE
from ...services.errors import XeroMappingError
from ...services.mappers import payment as payment_mapper
from ...services.util import newest
from ..run import commit

#: payments per page of GET /Payments (Xero's maximum)
PAGE_SIZE = MAX_PAGE


def payments_in_flight(connection):
    """How many payments sent from Odoo still wait for Xero's answer
    ('sending' rows). While there are any, no payment is read from Xero:
    one of them would come back as a new payment and be registered twice."""
    connection.ensure_one()
    return connection.env["xero.queue"].sudo().search_count([
        ("connection_id", "=", connection.id), ("res_model", "=", "account.payment"),
        ("action", "=", "payment"), ("state", "=", "sending")])


def poll(ctx):
    """Read the payments changed since the last poll, page by page, apply
    them (committed per page) and move the cursor once every page is
    applied. Returns a note for the run's message, or None.

    Skips the whole poll while payments sent from Odoo are still waiting for
    Xero's answer: the next outbound run settles them first, otherwise they
    would come back as new payments."""
    env, connection = ctx.env, ctx.connection
    sending = payments_in_flight(connection)
    if sending:
        return env._("Payments were not imported: %(count)s payment(s) sent from Odoo are still waiting for "
                     "Xero's answer. They are settled by the next sync, then the import goes on.", count=sending)
    since = connection.payments_since
    seen = served_at = None
    number = 1
    ignored = 0
    while True:
        page = ctx.api.payment_page(number, since, size=PAGE_SIZE)
        served_at = served_at or page.served_at
        ignored += apply(ctx, page.elements)
        seen = newest(page.elements, seen)
        commit(env)
        if len(page.elements) < PAGE_SIZE or (page.page_count is not None and number >= page.page_count):
            break
        number += 1
    next_since = served_at or seen
    if next_since and (not since or next_since > since):
        connection.payments_since = next_since
    if ignored:
        return env._("%(count)s payment(s) in Xero settle documents that did not come from Odoo and were left "
                     "aside.", count=ignored)
    return None


def apply(ctx, elements):
    """Apply Xero Payment elements to Odoo; return how many were left aside
    because their document did not come from Odoo (or is no invoice or
    credit note: prepayments, overpayments).

    Also skips, silently, payments already imported or sent, and deleted
    payments that never reached Odoo. Each payment is applied in its own
    savepoint: one refused payment never blocks the others."""
    company = ctx.connection.company_id
    binder = ctx.env["xero.binder"]
    values = [payment_mapper.from_xero(e) for e in elements]
    pairs = [(e, v) for e, v in zip(elements, values, strict=True) if v and v.payment_id]
    documents = binder._to_records("account.move", [v.document_id for _e, v in pairs], company)
    known = binder._to_records("account.payment", [v.payment_id for _e, v in pairs], company)
    ignored = len(elements) - len(pairs)
    for element, xp in pairs:
        payment = known.get(xp.payment_id)
        move = documents.get(xp.document_id)
        if payment:
            if xp.deleted and payment.state != "canceled":
                reverse(ctx, payment, xp, element)
            continue
        if xp.deleted:
            continue
        if not move:
            ignored += 1
            continue
        register(ctx, move, xp, element)
    return ignored


# ------------------------------------------------------------ one payment
def journal_for(connection, xp):
    """Odoo journal of the Xero bank account a payment was made to.

    Looked up by AccountID, then by code (an account re-created in Xero
    keeps its code), then the connection's default journal; raises
    XeroMappingError when none fits."""
    XeroAccount = connection.env["xero.account"]
    try:
        try:
            return XeroAccount._xero_journal_for(connection, xp.account_id or xp.account_code)
        except XeroMappingError:
            if not (xp.account_id and xp.account_code):
                raise
            return XeroAccount._xero_journal_for(connection, xp.account_code)
    except XeroMappingError:
        if connection.payment_journal_id:
            return connection.payment_journal_id
        raise


def refuse(ctx, move, xp, element, message):
    """Log a refused Xero payment and tell the document's followers.

    Skipped when this very refusal was already recorded: a payment read
    again (the poll overlaps by a second, webhooks refetch) is not announced
    twice; a new reason is."""
    connection = ctx.connection
    Log = ctx.env["xero.sync.log"].sudo()
    if Log.search_count([("connection_id", "=", connection.id), ("xero_object", "=", "payment"),
                         ("direction", "=", "import"), ("state", "=", "failed"),
                         ("xero_id", "=", xp.payment_id), ("message", "=", message)], limit=1):
        return
    Log._log(connection, "payment", "import", "failed", record=move, message=message, run=ctx.run,
             xero_id=xp.payment_id, response=element)
    move.sudo().message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")


def register(ctx, move, xp, element):
    """Register and reconcile one Xero payment on ``move``; the payment, or
    None when refused.

    Refused with a message (log + document chatter), nothing created, when
    the document is not posted in Odoo, the payment is more than Odoo still
    has due (an overpayment), or its bank account has no Odoo journal."""
    from ...models.account_payment import IMPORT_CONTEXT  # the hooks' context key (models load first)

    env, connection = ctx.env, ctx.connection
    company = connection.company_id
    move = move.sudo().with_company(company)
    amount_text = f"{xp.amount:.2f} {move.currency_id.name}"
    if move.state != "posted":
        return refuse(ctx, move, xp, element, env._(
            "Xero payment of %(amount)s on %(doc)s was not registered: the document is not posted in Odoo.",
            amount=amount_text, doc=move.name))
    residual = abs(move.amount_residual)
    if move.currency_id.compare_amounts(xp.amount, residual) > 0:
        return refuse(ctx, move, xp, element, env._(
            "Xero payment of %(amount)s on %(doc)s was not registered: it is more than the %(due)s %(currency)s "
            "still due in Odoo (an overpayment). Compare the payments of this document in Odoo and in Xero.",
            amount=amount_text, doc=move.name, due=f"{residual:.2f}", currency=move.currency_id.name))
    try:
        with env.cr.savepoint():
            journal = journal_for(connection, xp)
            wizard = env["account.payment.register"].sudo().with_company(company).with_context(
                active_model="account.move", active_ids=move.ids, **{IMPORT_CONTEXT: True},
            ).create({
                "payment_date": xp.date or fields.Date.context_today(connection),
                "journal_id": journal.id,
                "amount": xp.amount,
                "currency_id": move.currency_id.id,
                "communication": xp.reference or env._("Xero payment %s", xp.document_number or ""),
                "payment_difference_handling": "open",
                "group_payment": True,
            })
            payment = wizard._create_payments()
            env["xero.binder"]._bind(payment, xp.payment_id, company)
            payment.sudo().xero_origin = "xero"
    except (UserError, ValidationError, XeroMappingError) as exc:
        reason = getattr(exc, "message", None) or str(exc.args[0] if exc.args else exc)
        return refuse(ctx, move, xp, element, env._(
            "Xero payment of %(amount)s on %(doc)s was not registered: %(reason)s",
            amount=amount_text, doc=move.name, reason=reason))
    env["xero.sync.log"]._log(
        connection, "payment", "import", "done", record=payment, run=ctx.run, xero_id=xp.payment_id,
        message=env._("Registered on %(doc)s (%(amount)s).", doc=move.name, amount=amount_text), response=element)
    return payment


def reverse(ctx, payment, xp, element):
    """A payment deleted in Xero: cancel its Odoo counterpart.

    The payment's entry is cancelled (which unreconciles it from the
    document); when a lock date forbids touching that period, it is
    reversed on today's date instead. Either way the document is open again
    for the amount. When neither is possible the payment stays and the
    refusal is logged on the document (someone must undo it by hand)."""
    from ...models.account_payment import IMPORT_CONTEXT  # the hooks' context key (models load first)

    env, connection = ctx.env, ctx.connection
    payment = payment.sudo().with_company(connection.company_id).with_context(**{IMPORT_CONTEXT: True})
    invoices = payment.move_id._get_reconciled_invoices()
    how = env._("cancelled")
    try:
        with env.cr.savepoint():
            if payment.move_id.state == "posted":
                payment.move_id.button_cancel()  # unreconciles, cancels the entry and the payment
            else:
                payment.action_cancel()
    except UserError:
        try:
            with env.cr.savepoint():
                move = payment.move_id
                move.line_ids.remove_move_reconcile()
                move._reverse_moves([{
                    "date": fields.Date.context_today(connection),
                    "ref": env._("Payment %(name)s deleted in Xero", name=move.name),
                }], cancel=True)
                payment.state = "canceled"
        except UserError as exc:
            return refuse(ctx, invoices[:1] or payment.move_id, xp, element, env._(
                "Payment %(payment)s was deleted in Xero but could not be cancelled or reversed in Odoo "
                "(%(error)s): cancel it by hand.", payment=payment.name, error=exc.args[0] if exc.args else exc))
        how = env._("reversed")
    message = env._("Payment %(payment)s (%(amount).2f) was deleted in Xero: it was %(how)s in Odoo.",
                    payment=payment.name, amount=xp.amount, how=how)
    payment.message_post(body=message)
    for invoice in invoices:
        invoice.message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")
    env["xero.sync.log"]._log(connection, "payment", "import", "done", record=payment, run=ctx.run,
                              xero_id=xp.payment_id, message=message, response=element)
    return payment
