"""Xero → Odoo: payments recorded in Xero on documents sent from Odoo.

Xero has no payment webhooks, so the inbound run polls ``GET /Payments``
with ``If-Modified-Since`` (the time, in Xero's clock, the previous poll's
first page was served) and pages of up to 1,000. Each payment on a document
bound to an Odoo invoice, bill or credit note is registered in Odoo (in the
journal mapped to the Xero bank account) and reconciled with it; a payment
deleted in Xero cancels its Odoo counterpart. The same run first processes
the queued webhook events (``xero_webhook_event.py``).

The inbound run takes the connection's sync lock, so it never interleaves
with a run sending payments to Xero (a payment being sent is not imported
back as a new one).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroMappingError,
    XeroRetryableError,
)
from ..services.mappers import payment as payment_mapper
from .account_payment_xero import IMPORT_CONTEXT
from .xero_queue_protocol import xero_commit

_logger = logging.getLogger(__name__)

#: payments per page of GET /Payments (Xero's maximum)
PAGE_SIZE = 1000


class XeroConnectionPayments(models.Model):
    _inherit = "xero.connection"

    payments_since = fields.Datetime(
        "Payments imported up to", copy=False, readonly=True,
        help="When (Xero's clock, UTC) the last poll of payments started: the next poll asks Xero "
        "only for payments changed since then.")
    payment_journal_id = fields.Many2one(
        "account.journal", "Default journal for Xero payments", check_company=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]", tracking=True,
        help="Journal of payments imported from a Xero bank account that is not linked to an Odoo "
        "journal. Empty: such payments are refused with a message until the account is linked.")
    last_inbound = fields.Datetime("Last import from Xero", copy=False, readonly=True)

    # ------------------------------------------------------------ entry points
    def action_import_from_xero(self):
        """"Fetch from Xero now": webhook events and new payments, at once."""
        self.ensure_one()
        run = self._xero_inbound(trigger="manual")
        return run._notification(self.env._(
            "%(done)s imported, %(failed)s refused.", done=run.count_done, failed=run.count_failed))

    def action_xero_reimport_payments(self):
        """"Read all payments again": forget the poll cursor and import now.

        For after a refusal was fixed (a journal linked, a payment removed
        in Odoo): payments already imported are recognised and skipped."""
        self.ensure_one()
        self.payments_since = False
        return self.action_import_from_xero()

    @api.model
    def _cron_xero_inbound(self):
        """Scheduled action: every connected connection that imports payments
        or has webhook events waiting. A connection whose sync is running is
        left for the next turn."""
        with_events = self.env["xero.webhook.event"].sudo()._read_group(
            [("state", "=", "pending")], ["connection_id"])
        event_ids = [conn.id for (conn,) in with_events]
        due = self.sudo().search([
            ("state", "=", "connected"),
            "|", ("import_payments", "=", True), ("id", "in", event_ids),
        ])
        for conn in due:
            try:
                conn.with_company(conn.company_id)._xero_inbound(trigger="auto")
            except UserError as exc:
                _logger.info("Xero import of %s skipped: %s", conn.display_name, exc)
            xero_commit(self.env)

    # ------------------------------------------------------------ the run
    def _xero_inbound(self, trigger="auto"):
        """Process webhook events, then poll payments; return the ``xero.sync.run``.

        Refused (UserError) while another sync of the connection is running."""
        with self._xero_run(trigger, self.env._("Import from Xero")) as run:
            client = self._xero_client()
            state = message = None
            notes = []
            try:
                self._xero_process_webhook_events(run, client)
                if self.import_payments:
                    notes.append(self._xero_import_payments(run, client))
            except XeroDayLimitError as exc:
                resume = fields.Datetime.now() + timedelta(seconds=exc.retry_after)
                state, message = "stopped", self.env._(
                    "Xero's daily API limit for this organisation is spent. The import stops here and "
                    "goes on after %(when)s UTC; nothing was lost.", when=resume)
            except XeroAuthError as exc:
                self._xero_disconnected(exc.message)
                state, message = "failed", exc.message
            except XeroRetryableError as exc:
                state, message = "partial", self.env._(
                    "Xero did not answer (%(error)s). The import is tried again by the next run.",
                    error=exc.message)
            except XeroError as exc:
                state, message = "failed", exc.message
            finally:
                run.api_calls += client.calls
                self._xero_note_day_remaining(client)
            run._finish(state=state, message=message or " ".join(n for n in notes if n) or None)
            self.last_inbound = fields.Datetime.now()
            xero_commit(self.env)
        return run

    # ------------------------------------------------------------ polling
    def _xero_payments_in_flight(self):
        """How many payments sent from Odoo still wait for Xero's answer
        ('sending' rows). While there are any, no payment is read from Xero:
        one of them would come back as a new payment and be registered twice."""
        self.ensure_one()
        return self.env["xero.queue"].sudo().search_count([
            ("connection_id", "=", self.id), ("res_model", "=", "account.payment"),
            ("action", "=", "payment"), ("state", "=", "sending")])

    def _xero_import_payments(self, run, client):
        """Poll payments changed since the last poll (pages of 1,000) and apply
        them; move the cursor once every page is applied. Returns a note for
        the run (or None).

        Skips the whole poll while payments sent from Odoo are still waiting
        for Xero's answer ('sending' rows): the next outbound run settles them
        first, otherwise they would come back as new payments."""
        self.ensure_one()
        sending = self._xero_payments_in_flight()
        if sending:
            return self.env._("Payments were not imported: %(count)s payment(s) sent from Odoo are still waiting "
                     "for Xero's answer. They are settled by the next sync, then the import goes on.",
                     count=sending)
        since = self.payments_since
        newest = served_at = None
        page = 1
        ignored = 0
        while True:
            # ordered by id, which never changes: a payment changed while the
            # pages are read can show twice but never push another off a page
            kwargs = {"page": page, "page_size": PAGE_SIZE, "order": "PaymentID ASC"}
            if since:
                kwargs["if_modified_since"] = payment_mapper.if_modified_since(since)
            response = client.accounting("get_payments", **kwargs)
            served_at = served_at or payment_mapper.server_time(response.headers)
            elements = response.data.get("Payments") or []
            ignored += self._xero_apply_payments(elements, run)
            newest = payment_mapper.newest(elements, newest)
            xero_commit(self.env)
            page_count = (response.data.get("pagination") or {}).get("pageCount")
            if len(elements) < PAGE_SIZE or (page_count is not None and page >= page_count):
                break
            page += 1
        next_since = served_at or newest
        if next_since and (not since or next_since > since):
            self.payments_since = next_since
        if ignored:
            return self.env._("%(count)s payment(s) in Xero settle documents that did not come from Odoo "
                     "and were left aside.", count=ignored)
        return None

    def _xero_apply_payments(self, elements, run):
        """Apply Xero Payment elements to Odoo; return how many were left aside
        because their document did not come from Odoo.

        Also skips (silently) payments already imported or sent, and deleted
        payments that never reached Odoo. Each payment is applied in its own
        savepoint: one refused payment never blocks the others."""
        self.ensure_one()
        company = self.company_id
        binder = self.env["xero.binder"]
        values = [payment_mapper.from_xero(e) for e in elements]
        pairs = [(e, v) for e, v in zip(elements, values, strict=True) if v and v.payment_id]
        documents = binder.to_records("account.move", [v.document_id for _e, v in pairs], company)
        known = binder.to_records("account.payment", [v.payment_id for _e, v in pairs], company)
        ignored = len(elements) - len(pairs)
        for element, xp in pairs:
            payment = known.get(xp.payment_id)
            move = documents.get(xp.document_id)
            if payment:
                if xp.deleted and payment.state != "canceled":
                    self._xero_reverse_payment(payment, xp, run, element)
                continue
            if xp.deleted:
                continue
            if not move:
                ignored += 1
                continue
            self._xero_register_payment(move, xp, run, element)
        return ignored

    # ------------------------------------------------------------ one payment
    def _xero_payment_journal(self, xp):
        """Odoo journal of the Xero bank account a payment was made to.

        Looked up by AccountID, then by code (an account re-created in Xero
        keeps its code), then the connection's default journal."""
        XeroAccount = self.env["xero.account"]
        try:
            try:
                return XeroAccount._xero_journal_for(self, xp.account_id or xp.account_code)
            except XeroMappingError:
                if not (xp.account_id and xp.account_code):
                    raise
                return XeroAccount._xero_journal_for(self, xp.account_code)
        except XeroMappingError:
            if self.payment_journal_id:
                return self.payment_journal_id
            raise

    def _xero_refuse_payment(self, move, xp, run, element, message):
        """Log a refused Xero payment and tell the document's followers.

        Skipped when this very refusal was already recorded: a payment read
        again (the poll overlaps by a second, webhooks refetch) is not
        announced twice; a new reason is."""
        Log = self.env["xero.sync.log"].sudo()
        if Log.search_count([("connection_id", "=", self.id), ("xero_object", "=", "payment"),
                             ("direction", "=", "import"), ("state", "=", "failed"),
                             ("xero_id", "=", xp.payment_id), ("message", "=", message)], limit=1):
            return
        self.env["xero.sync.log"]._log(self, "payment", "import", "failed", record=move, message=message,
                                       run=run, xero_id=xp.payment_id, response=element)
        move.sudo().message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")

    def _xero_register_payment(self, move, xp, run, element):
        """Register and reconcile one Xero payment on ``move``.

        Refused with a message (log + document chatter), nothing created, when
        the document is not open in Odoo, the payment is more than Odoo still
        has due (an overpayment), or its bank account has no Odoo journal."""
        move = move.sudo().with_company(self.company_id)
        amount_text = f"{xp.amount:.2f} {move.currency_id.name}"
        if move.state != "posted":
            return self._xero_refuse_payment(move, xp, run, element, self.env._(
                "Xero payment of %(amount)s on %(doc)s was not registered: the document is not posted "
                "in Odoo.", amount=amount_text, doc=move.name))
        residual = abs(move.amount_residual)
        if move.currency_id.compare_amounts(xp.amount, residual) > 0:
            return self._xero_refuse_payment(move, xp, run, element, self.env._(
                "Xero payment of %(amount)s on %(doc)s was not registered: it is more than the "
                "%(due)s %(currency)s still due in Odoo (an overpayment). Compare the payments of this "
                "document in Odoo and in Xero.", amount=amount_text, doc=move.name,
                due=f"{residual:.2f}", currency=move.currency_id.name))
        try:
            with self.env.cr.savepoint():
                journal = self._xero_payment_journal(xp)
                wizard = self.env["account.payment.register"].sudo().with_company(self.company_id).with_context(
                    active_model="account.move", active_ids=move.ids, **{IMPORT_CONTEXT: True},
                ).create({
                    "payment_date": xp.date or fields.Date.context_today(self),
                    "journal_id": journal.id,
                    "amount": xp.amount,
                    "currency_id": move.currency_id.id,
                    "communication": xp.reference or self.env._("Xero payment %s", xp.document_number or ""),
                    "payment_difference_handling": "open",
                    "group_payment": True,
                })
                payment = wizard._create_payments()
                self.env["xero.binder"].bind(payment, xp.payment_id, self.company_id)
                payment.xero_origin = "xero"
        except (UserError, ValidationError, XeroMappingError) as exc:
            reason = getattr(exc, "message", None) or str(exc.args[0] if exc.args else exc)
            return self._xero_refuse_payment(move, xp, run, element, self.env._(
                "Xero payment of %(amount)s on %(doc)s was not registered: %(reason)s",
                amount=amount_text, doc=move.name, reason=reason))
        self.env["xero.sync.log"]._log(
            self, "payment", "import", "done", record=payment, run=run, xero_id=xp.payment_id,
            message=self.env._("Registered on %(doc)s (%(amount)s).", doc=move.name, amount=amount_text),
            response=element)
        return payment

    def _xero_reverse_payment(self, payment, xp, run, element):
        """A payment deleted in Xero: cancel its Odoo counterpart.

        The payment's entry is cancelled (which unreconciles it from the
        document); when a lock date forbids touching that period, it is
        reversed on today's date instead. Either way the document is open
        again for the amount."""
        payment = payment.sudo().with_company(self.company_id).with_context(**{IMPORT_CONTEXT: True})
        invoices = payment.move_id._get_reconciled_invoices()
        how = self.env._("cancelled")
        try:
            with self.env.cr.savepoint():
                if payment.move_id.state == "posted":
                    payment.move_id.button_cancel()  # unreconciles, cancels the entry and the payment
                else:
                    payment.action_cancel()
        except UserError:
            try:
                with self.env.cr.savepoint():
                    move = payment.move_id
                    move.line_ids.remove_move_reconcile()
                    move._reverse_moves([{
                        "date": fields.Date.context_today(self),
                        "ref": self.env._("Payment %(name)s deleted in Xero", name=move.name),
                    }], cancel=True)
                    payment.state = "canceled"
            except UserError as exc:
                # neither cancelled nor reversed: the payment stays, the
                # people who can undo it by hand are told why, the poll goes on
                return self._xero_refuse_payment(invoices[:1] or payment.move_id, xp, run, element, self.env._(
                    "Payment %(payment)s was deleted in Xero but could not be cancelled or reversed in Odoo "
                    "(%(error)s): cancel it by hand.", payment=payment.name, error=exc.args[0] if exc.args else exc))
            how = self.env._("reversed")
        message = self.env._("Payment %(payment)s (%(amount).2f) was deleted in Xero: it was %(how)s in Odoo.",
                    payment=payment.name, amount=xp.amount, how=how)
        payment.message_post(body=message)
        for invoice in invoices:
            invoice.message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")
        self.env["xero.sync.log"]._log(self, "payment", "import", "done", record=payment, run=run,
                                       xero_id=xp.payment_id, message=message, response=element)
