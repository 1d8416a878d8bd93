"""Payments: their Xero fields and the hooks that queue them for Xero.

A payment is queued (action ``payment``) when it is reconciled with a
document already sent to Xero, or when a document it settles becomes sent
(``account.move._xero_after_bind``); the payment exporter sends it
(``sync/exporters/payment.py``). Payments that came from Xero (bound by the
import, ``xero_origin`` = xero) are never queued nor sent back.
"""

from collections import defaultdict

from odoo import fields, models

from ..services.util import payload_hash
from ..sync.actions import guard_xero_fields

#: context key set while Odoo registers a payment that came from Xero
IMPORT_CONTEXT = "xero_payment_import"
RECONCILABLE = ("asset_receivable", "liability_payable")


class AccountPayment(models.Model):
    _inherit = "account.payment"
    _xero_id_field = "xero_payment_id"

    xero_payment_id = fields.Char(
        "Xero PaymentID", copy=False, readonly=True, index="btree_not_null",
        help="Id of this payment in the Xero organisation of its company.")
    xero_origin = fields.Selection(
        [("odoo", "Sent from Odoo"), ("xero", "Imported from Xero")], "Xero origin", copy=False, readonly=True,
        help="Imported payments are never sent back to Xero.")

    _sql_constraints = [
        ("xero_payment_id_company_uniq", "unique(company_id, xero_payment_id)",
         "This Xero payment is already linked to another payment of the company."),
    ]

    def write(self, vals):
        guard_xero_fields(self, vals, ("xero_payment_id", "xero_origin"))
        return super().write(vals)

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

    def _xero_queue_payment(self):
        """Queue these payments for Xero when they settle sent documents.

        Skips payments imported from Xero or already bound to a Xero payment,
        drafts and cancelled ones, companies without a connection or whose
        connection does not send payments, and payments reconciled with no
        sent document (they are queued when that document is sent)."""
        if self.env.context.get(IMPORT_CONTEXT):
            return
        Queue = self.env["xero.queue"].sudo()
        connections = {c.company_id: c for c in self.env["xero.connection"].sudo().search(
            [("company_id", "in", self.company_id.ids), ("send_payments", "=", True)])}
        for pay in self.sudo():
            if pay.xero_payment_id or pay.xero_origin == "xero" or pay.state not in ("in_process", "paid"):
                continue
            connection = connections.get(pay.company_id)
            if not connection:
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
        self.env["xero.queue"]._xero_check_not_in_flight("account.payment", self.ids)
        self._xero_warn_still_in_xero()
        return super().action_draft()

    def action_cancel(self):
        self.env["xero.queue"]._xero_check_not_in_flight("account.payment", self.ids)
        self._xero_warn_still_in_xero()
        return super().action_cancel()

    def unlink(self):
        self.env["xero.queue"]._xero_check_not_in_flight("account.payment", self.ids)
        return super().unlink()

    def _xero_warn_still_in_xero(self):
        """A payment sent to Xero and undone in Odoo stays in Xero: say so on
        the payment. Skipped while Odoo applies a deletion that came from Xero."""
        if self.env.context.get(IMPORT_CONTEXT):
            return
        for pay in self.filtered(lambda p: p.xero_payment_id and p.xero_origin == "odoo"):
            pay.message_post(body=self.env._(
                "This payment is also recorded in Xero (PaymentID %(id)s). Undoing it in Odoo does not remove "
                "it from Xero: delete it there too, or the reconciliation report will show the difference.",
                id=pay.xero_payment_id))
