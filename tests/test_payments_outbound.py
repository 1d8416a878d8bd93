"""Payments registered in Odoo go to Xero in batches, exactly once."""

from odoo.tests import tagged

from .common_payments import XeroPaymentCase


@tagged("post_install", "-at_install")
class TestPaymentsOutbound(XeroPaymentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"send_payments": True, "import_payments": False})

    def payment_rows(self, payments):
        return self.env["xero.queue"].search([("res_model", "=", "account.payment"),
                                              ("res_id", "in", payments.ids)])

    def live_payments(self, move):
        return [p for p in self.xero_payments(move) if p["Status"] != "DELETED"]

    def test_payment_sent_once_even_with_a_lost_response(self):
        invoice = self.sent_document(100.0)  # 115.00
        payment = self.odoo_pay(invoice, 40.0)
        row = self.payment_rows(payment)
        self.assertEqual((len(row), row.state, row.action), (1, "waiting", "payment"))
        puts = self.route_calls("PUT /Payments")
        # Xero records the payment, then the answer is lost: the same request
        # (same Idempotency-Key) is sent again and Xero answers what it did
        self.emulator.inject_fault("drop_after_commit", count=1, method="PUT", path=r"/Payments$")
        self.xero_sync()
        in_xero = self.live_payments(invoice)
        self.assertEqual(len(in_xero), 1)
        self.assertEqual(in_xero[0]["Amount"], 40.0)
        self.assertEqual(in_xero[0]["Account"]["Code"], "090")
        self.assertEqual(self.route_calls("PUT /Payments") - puts, 2, "the lost request and its replay")
        self.assertEqual(payment.xero_payment_id, in_xero[0]["PaymentID"])
        self.assertEqual(payment.xero_origin, "odoo")
        self.assertEqual(row.state, "sent")
        self.assertEqual(self.xero_doc(invoice)["AmountDue"], 75.0)
        # nothing is sent again, and the poll does not bring it back as a new payment
        self.xero_sync()
        self.connection.import_payments = True
        self.import_from_xero()
        self.assertEqual(len(self.live_payments(invoice)), 1)
        self.assertEqual(len(invoice._get_reconciled_payments()), 1)

    def test_undoing_a_sent_payment_in_odoo_warns(self):
        invoice = self.sent_document(100.0)
        payment = self.odoo_pay(invoice, 115.0)
        self.xero_sync()
        self.assertTrue(payment.xero_payment_id)
        payment.action_draft()
        self.assertTrue(payment.message_ids.filtered(lambda m: "also recorded in Xero" in (m.body or "")))

    def test_request_lost_for_the_whole_run_is_replayed_by_the_next_one(self):
        invoice = self.sent_document(100.0)
        payment = self.odoo_pay(invoice, 115.0)
        # every attempt of this run is recorded by Xero but its answer lost
        self.emulator.inject_fault("drop_after_commit", count=6, method="PUT", path=r"/Payments$")
        run = self.xero_sync()
        self.assertEqual(run.state, "partial")
        row = self.payment_rows(payment)
        self.assertEqual(row.state, "sending")
        self.assertFalse(payment.xero_payment_id)
        self.assertEqual(len(self.live_payments(invoice)), 1, "Xero recorded it once")
        # the payment import waits: the payment in flight is not imported back
        self.connection.import_payments = True
        note_run = self.import_from_xero()
        self.assertIn("waiting for Xero's answer", note_run.message)
        self.assertEqual(len(invoice._get_reconciled_payments()), 1)
        # the next run replays the same request and binds the answer
        self.xero_sync()
        self.assertEqual(row.state, "sent")
        self.assertEqual(len(self.live_payments(invoice)), 1)
        self.assertEqual(payment.xero_payment_id, self.live_payments(invoice)[0]["PaymentID"])

    def test_payments_go_in_one_batch(self):
        invoices = [self.sent_document(price) for price in (100.0, 200.0, 300.0)]
        payments = self.env["account.payment"]
        for invoice in invoices:
            payments |= self.odoo_pay(invoice, 10.0)
        puts = self.route_calls("PUT /Payments")
        self.xero_sync()
        self.assertEqual(self.route_calls("PUT /Payments") - puts, 1)
        self.assertTrue(all(payments.mapped("xero_payment_id")))
        for invoice in invoices:
            self.assertEqual(len(self.live_payments(invoice)), 1)

    def test_payment_registered_before_the_invoice_is_sent(self):
        invoice = self.xero_move("out_invoice", lines=[{"price": 100.0}])  # queued, not sent yet
        payment = self.odoo_pay(invoice, 115.0)
        self.assertFalse(self.payment_rows(payment), "nothing to pay in Xero yet")
        # the run sends the invoice; its payment is queued once the invoice is
        # in Xero, and goes after it (payments come last in a run)
        self.xero_sync()
        self.assertTrue(invoice.xero_id)
        self.assertEqual(self.payment_rows(payment).state, "sent")
        self.assertEqual(len(self.live_payments(invoice)), 1)
        self.assertEqual(self.xero_doc(invoice)["Status"], "PAID")

    def test_payment_imported_from_xero_is_never_sent_back(self):
        self.connection.import_payments = True
        invoice = self.sent_document(100.0)
        self.xero_pay(invoice, 50.0)
        self.import_from_xero()
        imported = invoice._get_reconciled_payments()
        self.assertEqual(imported.xero_origin, "xero")
        self.assertFalse(self.payment_rows(imported))
        puts = self.route_calls("PUT /Payments")
        self.xero_sync()
        self.assertEqual(self.route_calls("PUT /Payments"), puts)
        self.assertEqual(len(self.live_payments(invoice)), 1)

    def test_refused_payments_fail_alone_with_a_message(self):
        several_a = self.sent_document(100.0)
        several_b = self.sent_document(50.0)
        overpaid = self.sent_document(100.0)
        good = self.sent_document(100.0)
        cash = self.company_data["default_journal_cash"]
        unmapped = self.sent_document(100.0)
        # one payment for two invoices: Xero has one payment per document
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=(several_a | several_b).ids).create(
            {"group_payment": True, "journal_id": self.bank_journal.id})
        grouped = wizard._create_payments()
        # already paid in Xero (not imported): Odoo's payment is more than Xero has due
        self.xero_pay(overpaid, 100.0)
        too_much = self.odoo_pay(overpaid, 115.0)
        fine = self.odoo_pay(good, 115.0)
        no_bank = self.odoo_pay(unmapped, 115.0, journal=cash)
        run = self.xero_sync()
        rows = {p: self.payment_rows(p) for p in (grouped, too_much, fine, no_bank)}
        self.assertEqual(rows[fine].state, "sent")
        self.assertEqual(rows[grouped].state, "failed")
        self.assertIn("Xero records one payment per document", rows[grouped].message)
        self.assertEqual(rows[too_much].state, "failed")
        self.assertIn("exceeds the amount outstanding", rows[too_much].message)
        self.assertEqual(rows[no_bank].state, "failed")
        self.assertIn("not mapped to a Xero bank account", rows[no_bank].message)
        self.assertEqual(run.count_failed, 3)
        # the journal gets its Xero bank account: the user retries, it goes
        self.env["xero.account"].sudo().search([("connection_id", "=", self.connection.id),
                                                ("code", "=", "091")]).journal_id = cash
        rows[no_bank].action_retry()
        self.xero_sync()
        self.assertEqual(rows[no_bank].state, "sent")
        self.assertEqual(self.live_payments(unmapped)[0]["Account"]["Code"], "091")

    def test_nothing_queued_when_payments_are_not_sent(self):
        self.connection.send_payments = False
        invoice = self.sent_document(100.0)
        payment = self.odoo_pay(invoice, 115.0)
        self.assertFalse(self.payment_rows(payment))

    def test_credit_note_refund_is_sent_on_the_credit_note(self):
        refund = self.sent_document(40.0, move_type="out_refund")
        payment = self.odoo_pay(refund, 46.0)
        self.xero_sync()
        in_xero = self.live_payments(refund)
        self.assertEqual(len(in_xero), 1)
        self.assertEqual(in_xero[0]["PaymentType"], "ARCREDITPAYMENT")
        self.assertEqual(payment.xero_payment_id, in_xero[0]["PaymentID"])
