"""Payments registered in Odoo → Xero (when the connection sends payments).

A payment is queued (action ``payment``) when it is reconciled with a
document already sent to Xero, or when a document it settles becomes sent.
The sync engine hands the due rows to :meth:`AccountPayment._xero_process_queue`,
which sends them in batches through the exactly-once protocol of
``xero.queue`` (``PUT /Payments``, one Xero payment per Odoo payment).

Payments that came from Xero (bound with ``xero_payment_id`` by the import)
are never queued nor sent back.
"""

from collections import defaultdict

from odoo import api, fields, models

from ..services.errors import XeroMappingError
from ..services.mappers import payment as payment_mapper
from ..services.mappers.master import payload_hash

#: context key set while Odoo registers a payment that came from Xero
IMPORT_CONTEXT = "xero_payment_import"
RECONCILABLE = ("asset_receivable", "liability_payable")


class AccountPayment(models.Model):
    _inherit = "account.payment"
    _xero_id_field = "xero_payment_id"

    xero_payment_id = fields.Char(
        "Xero PaymentID", copy=False, readonly=True, index="btree_not_null",
        help="Id of this payment in the Xero organisation of its company.",
    )
    xero_origin = fields.Selection(
        [("odoo", "Sent from Odoo"), ("xero", "Imported from Xero")], "Xero origin",
        copy=False, readonly=True,
        help="Imported payments are never sent back to Xero.",
    )

    _sql_constraints = [
        ("xero_payment_id_company_uniq", "unique(company_id, xero_payment_id)",
         "This Xero payment is already linked to another payment of the company."),
    ]

    # ------------------------------------------------------------ what it settles
    def _xero_settled_documents(self):
        """``{move: (amount in the move's currency, amount in company currency)}``
        of the documents live in Xero that this payment is reconciled with.

        Skips exchange-difference entries, documents not (yet) sent and
        documents voided or deleted in Xero."""
        self.ensure_one()
        settled = defaultdict(lambda: [0.0, 0.0])
        lines = self.move_id.line_ids.filtered(lambda line: line.account_id.account_type in RECONCILABLE)
        for line in lines:
            pairs = [(p, p.debit_move_id, p.debit_amount_currency) for p in line.matched_debit_ids]
            pairs += [(p, p.credit_move_id, p.credit_amount_currency) for p in line.matched_credit_ids]
            for partial, counterpart, amount_currency in pairs:
                move = counterpart.move_id
                if move.is_invoice() and move._xero_live_id():
                    settled[move][0] += amount_currency
                    settled[move][1] += partial.amount
        return {move: tuple(amounts) for move, amounts in settled.items()}

    def _xero_connection(self):
        self.ensure_one()
        return self.env["xero.connection"].sudo().search([("company_id", "=", self.company_id.id)], limit=1)

    # ------------------------------------------------------------ enqueue
    def _xero_queue_payment(self):
        """Queue these payments for Xero when they settle sent documents.

        Skips payments imported from Xero or already bound to a Xero payment,
        drafts and cancelled ones, companies without a connection or whose
        connection does not send payments, and payments reconciled with no
        sent document (they are queued when that document is sent)."""
        if self.env.context.get(IMPORT_CONTEXT):
            return
        Queue = self.env["xero.queue"].sudo()
        for pay in self.sudo():
            if pay.xero_payment_id or pay.xero_origin == "xero" or pay.state not in ("in_process", "paid"):
                continue
            connection = pay._xero_connection()
            if not connection or not connection.send_payments:
                continue
            settled = pay._xero_settled_documents()
            if not settled:
                continue
            version = payload_hash({
                "documents": sorted((m.xero_id, round(a[0], 2)) for m, a in settled.items()),
                "date": pay.date, "journal": pay.journal_id.id, "memo": pay.memo,
            })
            Queue._xero_enqueue(connection, pay, action="payment", payload_hash=version)

    # ------------------------------------------------------------ undo in Odoo
    def action_draft(self):
        self._xero_warn_still_in_xero()
        return super().action_draft()

    def action_cancel(self):
        self._xero_warn_still_in_xero()
        return super().action_cancel()

    def _xero_warn_still_in_xero(self):
        """A payment sent to Xero and undone in Odoo stays in Xero: say so on
        the payment (Xero's copy is not deleted from Odoo). Skipped while
        Odoo applies a deletion that came from Xero."""
        if self.env.context.get(IMPORT_CONTEXT):
            return
        for pay in self.filtered(lambda p: p.xero_payment_id and p.xero_origin == "odoo"):
            pay.message_post(body=self.env._(
                "This payment is also recorded in Xero (PaymentID %(id)s). Undoing it in Odoo does not remove "
                "it from Xero: delete it there too, or the reconciliation report will show the difference.",
                id=pay.xero_payment_id))

    # ------------------------------------------------------------ send
    @api.model
    def _xero_process_queue(self, connection, rows, run, client):
        """Send queued payments to Xero (``PUT /Payments``, ≤ 50 per request).

        A row is skipped when its payment was deleted or cancelled, is
        already in Xero, or no longer settles a document sent to Xero; it
        fails (no call) when the payment settles several documents (Xero
        records one payment per document) or its journal has no Xero bank
        account."""
        binder = self.env["xero.binder"]
        company = connection.company_id

        def build(row):
            pay = self.browse(row.res_id).exists()
            if not pay:
                row._xero_skip(run, "payment", self.env._("The payment was deleted in Odoo before it was sent."))
                return None
            if pay.xero_payment_id or pay.xero_origin == "xero":
                row._xero_skip(run, "payment", self.env._("This payment is already in Xero."))
                return None
            if pay.state not in ("in_process", "paid"):
                row._xero_skip(run, "payment", self.env._("The payment is no longer confirmed in Odoo."))
                return None
            settled = pay._xero_settled_documents()
            if not settled:
                row._xero_skip(run, "payment", self.env._(
                    "The payment no longer settles a document sent to Xero."))
                return None
            if len(settled) > 1:
                raise XeroMappingError(self.env._(
                    "Payment %(payment)s settles %(count)s documents (%(names)s). Xero records one payment "
                    "per document: register one payment per invoice to send it to Xero.",
                    payment=pay.display_name, count=len(settled),
                    names=", ".join(m.name for m in settled)))
            (move, (amount, amount_company)), = settled.items()
            account = self.env["xero.account"]._xero_bank_account_for(connection, pay.journal_id)
            rate = None
            if move.currency_id != company.currency_id and amount_company:
                rate = abs(amount / amount_company)
            return payment_mapper.to_xero(
                "credit_note" if move.move_type in ("out_refund", "in_refund") else "invoice",
                move.xero_id, abs(amount), pay.date, account, pay.memo or pay.name, rate)

        def on_success(row, element):
            pay = self.browse(row.res_id)
            payment_id = element.get("PaymentID")
            binder.bind(pay, payment_id, company)
            pay.sudo().xero_origin = "odoo"
            row._xero_succeed(run, "payment", xero_id=payment_id)

        rows._xero_send_batch(connection, client, run, "create_payments", "Payments", build, on_success, "payment")


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """Queue the payments of new reconciliations for Xero (see
        :meth:`AccountPayment._xero_queue_payment` for what is skipped)."""
        partials = super().create(vals_list)
        if not self.env.context.get(IMPORT_CONTEXT):
            payments = (partials.debit_move_id.move_id | partials.credit_move_id.move_id).origin_payment_id
            if payments:
                payments._xero_queue_payment()
        return partials


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        """When documents get their Xero id (they were just sent), queue the
        payments that already settle them."""
        res = super().write(vals)
        if vals.get("xero_id"):
            self._xero_after_bind()
        return res

    def _xero_after_bind(self):
        """These documents were just given their Xero id (by ``write`` or the
        binder's batch): queue the payments that already settle them."""
        payments = self._get_reconciled_payments()
        if payments:
            payments._xero_queue_payment()
