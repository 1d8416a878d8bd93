"""Payments recorded in Xero come back to Odoo (polling, If-Modified-Since, paging)."""

import json
import time
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.account_xero.controllers.webhook import parse_events
from odoo.addons.account_xero.sync.importers import payments as payment_import
from odoo.addons.account_xero.sync.importers import webhook_events
from odoo.addons.account_xero.sync.run import SyncRun

from .common_payments import DEMO, XeroPaymentCase


@tagged("post_install", "-at_install")
class TestPaymentsInbound(XeroPaymentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"import_payments": True, "send_payments": False})

    def setUp(self):
        super().setUp()
        # every test starts from a poll that has read everything so far
        self.import_from_xero()

    def xero_payment_of(self, payment_id):
        return self.env["xero.binder"]._to_record("account.payment", payment_id, self.env.company)

    def test_payment_in_xero_is_registered_and_reconciled(self):
        invoice = self.sent_document(100.0)  # 115.00
        payment_id = self.xero_pay(invoice, 115.0, reference="Bank feed 1")
        run = self.import_from_xero()
        payment = self.xero_payment_of(payment_id)
        self.assertTrue(payment, run.message)
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertEqual(payment.amount, 115.0)
        self.assertEqual(str(payment.date), "2019-04-01")
        self.assertEqual(payment.xero_origin, "xero")
        self.assertEqual(payment.memo, "Bank feed 1")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertIn(invoice, payment.reconciled_invoice_ids)
        self.assertEqual(run.count_done, 1)
        # read again (the poll overlaps by a second, webhooks refetch): nothing new
        self.import_from_xero()
        self.connection.payments_since = False
        self.import_from_xero()
        self.assertEqual(len(invoice._get_reconciled_payments()), 1)
        # a payment that came from Xero is never queued back to Xero
        self.assertFalse(self.env["xero.queue"].search([("res_model", "=", "account.payment")]))

    def test_partial_and_several_payments(self):
        invoice = self.sent_document(100.0)
        first = self.xero_pay(invoice, 40.0, date="2019-04-01")
        self.import_from_xero()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 75.0)
        second = self.xero_pay(invoice, 30.0, date="2019-04-05")
        third = self.xero_pay(invoice, 45.0, date="2019-04-09")
        self.import_from_xero()
        payments = self.xero_payment_of(first) | self.xero_payment_of(second) | self.xero_payment_of(third)
        self.assertEqual(len(payments), 3)
        self.assertEqual(sorted(payments.mapped("amount")), [30.0, 40.0, 45.0])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_overpayment_is_refused_with_a_message(self):
        invoice = self.sent_document(100.0)
        self.odoo_pay(invoice, 50.0)  # recorded in Odoo only (payments are not sent)
        payment_id = self.xero_pay(invoice, 115.0)  # Xero still has 115 due
        run = self.import_from_xero()
        self.assertFalse(self.xero_payment_of(payment_id))
        self.assertAlmostEqual(invoice.amount_residual, 65.0)
        refused = self.xero_payment_logs("failed").filtered(lambda log: log.xero_id == payment_id)
        self.assertEqual(len(refused), 1)
        self.assertIn("overpayment", refused.message)
        self.assertEqual(refused.run_id, run)
        notes = invoice.message_ids.filtered(lambda m: "overpayment" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        # read again: the same refusal is not announced twice
        self.connection.payments_since = False
        self.import_from_xero()
        self.assertEqual(len(invoice.message_ids.filtered(lambda m: "overpayment" in (m.body or ""))), 1)

    def test_payment_deleted_in_xero_is_cancelled_in_odoo(self):
        invoice = self.sent_document(100.0)
        payment_id = self.xero_pay(invoice, 115.0)
        self.import_from_xero()
        payment = self.xero_payment_of(payment_id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.xero_delete_payment(payment_id)
        run = self.import_from_xero()
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(payment.move_id.state, "cancel")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertAlmostEqual(invoice.amount_residual, 115.0)
        self.assertTrue(invoice.message_ids.filtered(lambda m: "deleted in Xero" in (m.body or "")))
        self.assertIn("deleted in Xero", run.log_ids.message)

    def test_payment_deleted_in_a_locked_period_is_reversed(self):
        invoice = self.sent_document(100.0)
        payment_id = self.xero_pay(invoice, 115.0, date="2019-04-01")
        self.import_from_xero()
        payment = self.xero_payment_of(payment_id)
        self.env.company.sudo().fiscalyear_lock_date = "2019-12-31"  # 2019 is closed in Odoo
        self.xero_delete_payment(payment_id)
        self.import_from_xero()
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(payment.move_id.state, "posted", "a locked entry is not touched")
        reversal = self.env["account.move"].search([("reversed_entry_id", "=", payment.move_id.id)])
        self.assertEqual(reversal.state, "posted")
        self.assertGreater(reversal.date, self.env.company.fiscalyear_lock_date)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertTrue(invoice.message_ids.filtered(lambda m: "reversed in Odoo" in (m.body or "")))

    def test_deleted_payment_never_imported_is_ignored(self):
        invoice = self.sent_document(100.0)
        payment_id = self.xero_pay(invoice, 20.0)
        self.xero_delete_payment(payment_id)
        self.import_from_xero()
        self.assertFalse(self.xero_payment_of(payment_id))
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_poll_uses_if_modified_since_and_pages(self):
        invoice = self.sent_document(100.0)
        for amount in (10.0, 11.0, 12.0, 13.0, 14.0):
            self.xero_pay(invoice, amount)
        # If-Modified-Since has a one-second grain: poll in the next second
        time.sleep(1.1)
        before = self.route_calls("GET /Payments")
        with patch.object(payment_import, "PAGE_SIZE", 2):
            self.import_from_xero()
            self.assertEqual(self.route_calls("GET /Payments") - before, 3, "5 changed payments, pages of 2")
            self.assertEqual(len(invoice._get_reconciled_payments()), 5)
            # nothing changed since: one short page only (without If-Modified-Since it would be 3+)
            self.import_from_xero()
            self.assertEqual(self.route_calls("GET /Payments") - before, 4)
        self.assertTrue(self.connection.payments_since)

    def test_payment_on_a_document_not_from_odoo_is_left_aside(self):
        contact = self.client.accounting("get_contacts").data["Contacts"][0]
        answer = self.client.accounting("create_invoices", {"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2019-03-01",
            "DueDate": "2019-03-31", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Made in Xero", "Quantity": 1, "UnitAmount": 50,
                           "AccountCode": "200", "TaxType": "NONE"}]}]}, summarize_errors=False)
        xero_invoice = answer.data["Invoices"][0]
        self.client.accounting("create_payments", {"Payments": [{
            "Invoice": {"InvoiceID": xero_invoice["InvoiceID"]}, "Account": {"Code": "090"},
            "Amount": 50, "Date": "2019-03-05"}]}, summarize_errors=False)
        payments_before = self.env["account.payment"].search_count([])
        run = self.import_from_xero()
        self.assertEqual(self.env["account.payment"].search_count([]), payments_before)
        self.assertIn("did not come from Odoo", run.message)

    def test_unmapped_bank_account_refused_until_a_journal_is_chosen(self):
        invoice = self.sent_document(100.0)
        payment_id = self.xero_pay(invoice, 115.0, code="091")  # savings account: no Odoo journal
        self.import_from_xero()
        self.assertFalse(self.xero_payment_of(payment_id))
        refused = self.xero_payment_logs("failed").filtered(lambda log: log.xero_id == payment_id)
        self.assertIn("not mapped to an Odoo bank journal", refused.message)
        # the accountant picks a default journal, then reads the payments again
        self.connection.payment_journal_id = self.bank_journal
        self.connection.action_xero_reimport_payments()
        payment = self.xero_payment_of(payment_id)
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_refund_and_bill_payments(self):
        refund = self.sent_document(40.0, move_type="out_refund")  # 46.00 to pay back
        bill = self.sent_document(200.0, move_type="in_invoice", ref="SUP-778")  # 230.00 to pay
        refund_payment = self.xero_pay(refund, 46.0)
        bill_payment = self.xero_pay(bill, 100.0)
        self.import_from_xero()
        out_refund = self.xero_payment_of(refund_payment)
        out_bill = self.xero_payment_of(bill_payment)
        self.assertEqual((out_refund.payment_type, out_refund.partner_type), ("outbound", "customer"))
        self.assertEqual((out_bill.payment_type, out_bill.partner_type), ("outbound", "supplier"))
        self.assertIn(refund.payment_state, ("paid", "in_payment"))
        self.assertEqual(bill.payment_state, "partial")
        self.assertAlmostEqual(bill.amount_residual, 130.0)

    def test_cron_runs_connected_connections(self):
        invoice = self.sent_document(100.0)
        payment_id = self.xero_pay(invoice, 15.0)
        self.env["xero.connection"]._cron_xero_inbound()
        self.assertTrue(self.xero_payment_of(payment_id))
        self.assertTrue(self.env.ref("account_xero.ir_cron_xero_inbound").active)


@tagged("post_install", "-at_install")
class TestWebhookFetch(XeroPaymentCase):
    """Events Xero emits (the emulator's real payloads) trigger a targeted
    fetch of their records on the next inbound run. The HTTP endpoint itself
    is covered by ``test_webhooks``; here the payloads are queued the way the
    endpoint does, without a server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"import_payments": True, "import_contacts": True})
        cls.Event = cls.env["xero.webhook.event"]

    def setUp(self):
        super().setUp()
        hooks = self.emulator.webhooks
        self.addCleanup(setattr, hooks, "retry_delays", hooks.retry_delays)
        hooks.retry_delays = ()  # nobody listens: keep each payload, do not retry
        self.emulator.register_webhook("http://127.0.0.1:9/xero/webhook/none", "key")
        self.seen = 0

    def queue_xero_events(self):
        """Queue the events Xero emitted since the last call; their categories."""
        self.assertTrue(self.emulator.webhooks.flush(10))
        records = self.emulator.webhooks.records()
        events = []
        for record in records[self.seen:]:
            events += parse_events(json.dumps(record["payload"]).encode())
        self.seen = len(records)
        self.Event._xero_queue_events(self.connection, events)
        return [e["eventCategory"] for e in events]

    def process_events(self):
        sync = SyncRun(self.connection, "inbound", "manual")
        with sync as ctx:
            webhook_events.process_events(ctx)
        self.assertFalse(sync.state, sync.message)
        return ctx.run

    def pending(self):
        return self.Event.search([("connection_id", "=", self.connection.id), ("state", "=", "pending")])

    def test_invoice_event_refreshes_status_and_brings_its_payments(self):
        invoice = self.sent_document(100.0)
        self.import_from_xero()
        self.queue_xero_events()
        self.process_events()
        payment_id = self.xero_pay(invoice, 115.0)
        self.assertEqual(self.queue_xero_events(), ["INVOICE"])
        self.assertEqual(self.pending().resource_id, invoice.xero_id)
        invoices, payments = self.route_calls("GET /Invoices"), self.route_calls("GET /Payments")
        run = self.process_events()
        self.assertEqual(invoice.xero_remote_status, "PAID")
        self.assertEqual(invoice.xero_remote_due, 0.0)
        payment = self.env["xero.binder"]._to_record("account.payment", payment_id, self.env.company)
        self.assertTrue(payment, run.log_ids.mapped("message"))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(self.pending())
        self.assertEqual(self.route_calls("GET /Invoices") - invoices, 1, "one targeted fetch")
        self.assertEqual(self.route_calls("GET /Payments") - payments, 1, "its payments, by invoice id")

    def test_payments_in_flight_are_not_read_back_by_an_event(self):
        """A payment sent from Odoo whose answer was lost (its row still
        'sending') is already in Xero: an invoice event must not read it back
        as a new payment (it would be registered twice). The event is done;
        the poll reads payments once the outbound run has settled the row."""
        invoice = self.sent_document(100.0)
        self.import_from_xero()
        self.queue_xero_events()
        self.process_events()
        odoo_payment = self.odoo_pay(invoice, 115.0)
        self.xero_pay(invoice, 115.0)  # what Odoo's request created in Xero before its answer was lost
        row = self.env["xero.queue"].sudo()._xero_enqueue(self.connection, odoo_payment, action="payment")
        row.state = "sending"
        self.assertIn("INVOICE", self.queue_xero_events())
        payments = self.route_calls("GET /Payments")
        run = self.process_events()
        self.assertEqual(self.route_calls("GET /Payments"), payments, "no payment read while one is in flight")
        self.assertEqual(invoice._get_reconciled_payments(), odoo_payment, run.log_ids.mapped("message"))
        self.assertFalse(self.pending())

    def test_credit_note_event_brings_its_refund(self):
        refund = self.sent_document(40.0, move_type="out_refund")  # 46.00
        self.import_from_xero()
        self.queue_xero_events()
        self.process_events()
        payment_id = self.xero_pay(refund, 46.0)
        self.assertEqual(self.queue_xero_events(), ["CREDITNOTE"])
        self.process_events()
        self.assertEqual(refund.xero_remote_status, "PAID")
        payment = self.env["xero.binder"]._to_record("account.payment", payment_id, self.env.company)
        self.assertEqual(payment.payment_type, "outbound")
        self.assertIn(refund.payment_state, ("paid", "in_payment"))

    def test_voided_in_xero_tells_the_followers(self):
        invoice = self.sent_document(100.0)
        self.queue_xero_events()
        self.client.accounting("update_invoice", invoice.xero_id,
                               {"Invoices": [{"InvoiceID": invoice.xero_id, "Status": "VOIDED"}]})
        self.queue_xero_events()
        self.process_events()
        self.assertEqual(invoice.xero_remote_status, "VOIDED")
        self.assertTrue(invoice.message_ids.filtered(lambda m: "voided in Xero" in (m.body or "")))

    def test_contact_event_refreshes_the_partner(self):
        self.sent_document(100.0)  # sends partner_a as a contact
        contact_id = self.env["xero.binder"]._to_xero(self.partner_a, self.env.company)
        self.assertTrue(contact_id)
        self.queue_xero_events()
        self.process_events()
        self.client.accounting("update_contact", contact_id, {"Contacts": [
            {"ContactID": contact_id, "EmailAddress": "new.accounts@example.com"}]})
        self.assertEqual(self.queue_xero_events(), ["CONTACT"])
        self.process_events()
        self.assertEqual(self.partner_a.email, "new.accounts@example.com")
        # without the contact import, contact events are closed without a call
        self.connection.import_contacts = False
        self.client.accounting("update_contact", contact_id, {"Contacts": [
            {"ContactID": contact_id, "EmailAddress": "other@example.com"}]})
        self.queue_xero_events()
        contacts = self.route_calls("GET /Contacts")
        self.process_events()
        self.assertEqual(self.route_calls("GET /Contacts"), contacts)
        self.assertEqual(self.partner_a.email, "new.accounts@example.com")

    def test_events_of_records_not_in_odoo_cost_no_call(self):
        contact = self.client.accounting("get_contacts").data["Contacts"][1]
        self.client.accounting("create_invoices", {"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2019-03-01",
            "DueDate": "2019-03-31", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Xero only", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200",
                           "TaxType": "NONE"}]}]})
        self.assertIn("INVOICE", self.queue_xero_events())
        calls = self.emulator.counters()[DEMO.tenant_id]["total_calls"]
        self.process_events()
        self.assertEqual(self.emulator.counters()[DEMO.tenant_id]["total_calls"], calls)
        self.assertEqual(set(self.Event.search([]).mapped("state")), {"ignored"})
