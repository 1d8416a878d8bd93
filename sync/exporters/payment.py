"""Payments registered in Odoo → Xero (queue action ``payment``), when
the connection sends payments: ``PUT /Payments``, one Xero payment per Odoo
payment, ≤ 50 per request.

A row is skipped when its payment was deleted or cancelled, is already in
Xero, or no longer settles a document sent to Xero; it fails (no call) when
the payment settles several documents (Xero records one payment per
document) or its journal has no Xero bank account. A request whose key Xero
forgot is looked up among the document's payments in Xero: the one with the
same amount, date, account and reference that no Odoo payment holds yet.
"""

from ...services.errors import XeroMappingError
from ...services.mappers import payment as payment_mapper
from ...services.util import parse_xero_date
from ..exporter import Exporter


class PaymentExporter(Exporter):
    name = "payment"
    model = "account.payment"
    actions = ("payment",)
    xero_object = "payment"

    def payment(self, row):
        return self.env["account.payment"].sudo().browse(row.res_id).exists()

    def build(self, row):
        env, run = self.env, self.run
        pay = self.payment(row)
        if not pay:
            row._xero_skip(run, "payment", env._("The payment was deleted in Odoo before it was sent."))
            return None
        if pay.xero_payment_id or pay.xero_origin == "xero":
            row._xero_skip(run, "payment", env._("This payment is already in Xero."))
            return None
        if pay.state not in ("in_process", "paid"):
            row._xero_skip(run, "payment", env._("The payment is no longer confirmed in Odoo."))
            return None
        settled = pay._xero_settled_documents()
        if not settled:
            row._xero_skip(run, "payment", env._("The payment no longer settles a document sent to Xero."))
            return None
        if len(settled) > 1:
            raise XeroMappingError(env._(
                "Payment %(payment)s settles %(count)s documents (%(names)s). Xero records one payment per "
                "document: register one payment per invoice to send it to Xero.",
                payment=pay.display_name, count=len(settled), names=", ".join(m.name for m in settled)))
        (move, (amount, amount_company)), = settled.items()
        account = env["xero.account"]._xero_bank_account_for(self.connection, pay.journal_id)
        rate = None
        if move.currency_id != self.company.currency_id and amount_company:
            rate = abs(amount / amount_company)
        return "payments.create", payment_mapper.to_xero(
            "credit_note" if move.move_type in ("out_refund", "in_refund") else "invoice",
            move.xero_id, abs(amount), pay.date, account, pay.memo or pay.name, rate)

    def legacy_operation(self, rows, elements):
        return "payments.create"

    def bind(self, pairs):
        for row, element in pairs:
            pay = self.payment(row)
            payment_id = element.get("PaymentID")
            self.binder._bind(pay, payment_id, self.company)
            pay.xero_origin = "odoo"
            row._xero_succeed(self.run, "payment", xero_id=payment_id)

    def lookup(self, request, pairs):
        """The payments of a stale request found among their documents' payments in Xero."""
        by_collection = {}
        for _row, sent in pairs:
            if (sent.get("Invoice") or {}).get("InvoiceID"):
                by_collection.setdefault("Invoices", set()).add(sent["Invoice"]["InvoiceID"])
            elif (sent.get("CreditNote") or {}).get("CreditNoteID"):
                by_collection.setdefault("CreditNotes", set()).add(sent["CreditNote"]["CreditNoteID"])
        candidates = []
        for collection, ids in by_collection.items():
            candidates += self.api.payments_of_documents(collection, sorted(ids))
        return self.match(pairs, candidates, "PaymentID", _same)


def _same(candidate, sent):
    """Whether a Xero payment is the one ``sent`` (document, amount, date, account, reference)."""
    def document(element):
        return (element.get("Invoice") or {}).get("InvoiceID") or (element.get("CreditNote") or {}).get("CreditNoteID")

    account, sent_account = candidate.get("Account") or {}, sent.get("Account") or {}
    same_account = (sent_account.get("Code") and account.get("Code") == sent_account["Code"]) or \
        (sent_account.get("AccountID") and account.get("AccountID") == sent_account["AccountID"])
    return bool(document(candidate) == document(sent) and same_account
                and round(float(candidate.get("Amount") or 0), 2) == round(float(sent.get("Amount") or 0), 2)
                and str(parse_xero_date(candidate.get("Date"))) == str(sent.get("Date"))[:10]
                and (candidate.get("Reference") or "") == (sent.get("Reference") or ""))
