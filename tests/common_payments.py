"""Fixtures of the payment, webhook and reconciliation tests: documents sent
to the emulator through the real export path, the demo bank account 090
mapped to the company's bank journal, and helpers acting in Xero."""

from odoo.addons.account_xero.sync.importers import inbound

from .common import DEMO
from .common_export import XeroExportCase


class XeroPaymentCase(XeroExportCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.xero_bank = cls.env["xero.account"].sudo().search(
            [("connection_id", "=", cls.connection.id), ("code", "=", "090")])
        cls.xero_bank.journal_id = cls.bank_journal
        cls.client = cls.connection._xero_client()

    # ------------------------------------------------------------ Odoo side
    def sent_document(self, price=100.0, move_type="out_invoice", **values):
        """A posted document sent to Xero by a real sync (115.00 with the default 15 % tax)."""
        move = self.xero_move(move_type, lines=[{"price": price}], **values)
        self.xero_sync()
        self.assertTrue(move.xero_id, move.xero_message)
        return move

    def odoo_pay(self, move, amount, journal=None, date="2019-04-01"):
        """Register a payment in Odoo as a user does (register payment wizard)."""
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": amount, "payment_date": date, "journal_id": (journal or self.bank_journal).id,
                "payment_difference_handling": "open"})
        return wizard._create_payments()

    def import_from_xero(self):
        return inbound.import_from_xero(self.connection, trigger="manual")

    # ------------------------------------------------------------ Xero side
    @staticmethod
    def doc_ref(move):
        if move.move_type in ("out_refund", "in_refund"):
            return {"CreditNote": {"CreditNoteID": move.xero_id}}
        return {"Invoice": {"InvoiceID": move.xero_id}}

    def xero_pay(self, move, amount, date="2019-04-01", code="090", reference=""):
        """Record a payment in Xero (as a user reconciling the bank feed does); its PaymentID."""
        element = dict(self.doc_ref(move), Account={"Code": code}, Amount=amount, Date=date, Reference=reference)
        answer = self.client.accounting("create_payments", {"Payments": [element]}, summarize_errors=False)
        payment = answer.data["Payments"][0]
        self.assertFalse(payment.get("ValidationErrors"), payment)
        return payment["PaymentID"]

    def xero_delete_payment(self, payment_id):
        self.client.accounting("delete_payment", payment_id, {"Status": "DELETED"})

    def xero_payments(self, move):
        """Payments stored in the emulator for ``move`` (deleted ones included)."""
        key, id_field = ("CreditNote", "CreditNoteID") if move.move_type in ("out_refund", "in_refund") \
            else ("Invoice", "InvoiceID")
        return [p for p in self.xero_tenant().get("Payments", [])
                if (p.get(key) or {}).get(id_field) == move.xero_id]

    def xero_payment_logs(self, state=None):
        domain = [("connection_id", "=", self.connection.id), ("xero_object", "=", "payment")]
        if state:
            domain.append(("state", "=", state))
        return self.env["xero.sync.log"].sudo().search(domain)

    def route_calls(self, route):
        counters = self.emulator.counters()[DEMO.tenant_id]
        return counters["calls_by_route"].get(route, 0)
