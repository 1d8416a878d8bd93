"""The Odoo ⇄ Xero reconciliation report: planted differences, API budget, export."""

import base64
import io
import time
import zipfile
from unittest.mock import patch

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.account_xero.sync.importers import documents

from .common_payments import DEMO, XeroPaymentCase


@tagged("post_install", "-at_install")
class TestReconciliation(XeroPaymentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"send_payments": False, "import_payments": False})
        cls.revenue = cls.company_data["default_account_revenue"]  # Xero 200
        cls.other_revenue = cls.product_b.property_account_income_id  # Xero 260
        cls.no_tax = cls.env["account.tax"]

    # ------------------------------------------------------------ helpers
    def xero_calls(self):
        return self.emulator.counters()[DEMO.tenant_id]["total_calls"]

    def contact_id(self):
        return self.client.accounting("get_contacts").data["Contacts"][0]["ContactID"]

    def xero_update(self, move, **values):
        """Change a document in Xero (as a Xero user would)."""
        self.client.accounting("update_invoice", move.xero_id,
                               {"Invoices": [dict(values, InvoiceID=move.xero_id)]})

    def line(self, price, code="200", tax="OUTPUT"):
        return {"Description": "Consulting", "Quantity": 1, "UnitAmount": price, "AccountCode": code,
                "TaxType": tax}

    def report(self, accounts=None, date_from="2019-03-01", date_to="2019-03-31", user=None):
        Wizard = self.env["xero.reconciliation"].with_user(user) if user else self.env["xero.reconciliation"]
        return Wizard.create({
            "connection_id": self.connection.id, "date_from": date_from, "date_to": date_to,
            "account_ids": [Command.set((accounts or self.env["account.account"]).ids)]})

    def run_report(self, wizard):
        """Estimate, then run; returns the calls the run made (per the emulator)."""
        wizard.action_estimate()
        before = self.xero_calls()
        wizard.action_run()
        return self.xero_calls() - before

    def found(self, wizard):
        return {(line.kind, line.move_id or line.xero_number or line.account_code) for line in wizard.line_ids}

    def plant(self):
        """Matched documents plus one planted difference of each kind."""
        docs = {
            "matched": self.sent_document(100.0),
            "matched_bill": self.sent_document(200.0, move_type="in_invoice", ref="SUP-1"),
            "matched_refund": self.sent_document(30.0, move_type="out_refund"),
            "amount": self.xero_move("out_invoice", lines=[{"price": 100.0, "taxes": self.no_tax}]),
            "tax": self.xero_move("out_invoice", lines=[{"price": 100.0}]),
            "status": self.xero_move("out_invoice", lines=[{"price": 80.0}]),
            "due": self.xero_move("out_invoice", lines=[{"price": 60.0}]),
            "account": self.xero_move("out_invoice", lines=[{"price": 70.0}]),
        }
        self.xero_sync()
        self.assertTrue(all(move.xero_id for move in docs.values()))
        self.xero_update(docs["amount"], LineItems=[self.line(120.0, tax="NONE")])  # total 120 vs 100
        self.xero_update(docs["tax"], LineItems=[self.line(100.0, tax="NONE")])  # tax 0 vs 15
        self.xero_update(docs["status"], Status="VOIDED")
        self.xero_pay(docs["due"], 20.0)  # recorded in Xero only (payments are not imported here)
        self.xero_update(docs["account"], LineItems=[self.line(70.0, code="260")])  # same totals
        # posted in Odoo, never sent; made in Xero, not in Odoo
        docs["missing_xero"] = self.xero_move("out_invoice", lines=[{"price": 10.0}])
        answer = self.client.accounting("create_invoices", {"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": self.contact_id()}, "Date": "2019-03-20",
            "DueDate": "2019-04-20", "Status": "AUTHORISED", "InvoiceNumber": "XERO-ONLY-1",
            "LineItems": [self.line(55.0)]}]}, summarize_errors=False)
        self.assertFalse(answer.data["Invoices"][0].get("ValidationErrors"))
        # out of the range: never reported
        self.client.accounting("create_invoices", {"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": self.contact_id()}, "Date": "2019-05-02",
            "Status": "AUTHORISED", "DueDate": "2019-05-20", "LineItems": [self.line(5.0)]}]})
        return docs

    # ------------------------------------------------------------ tests
    def test_planted_differences_are_found_and_nothing_else(self):
        docs = self.plant()
        wizard = self.report(accounts=self.revenue | self.other_revenue)
        self.run_report(wizard)
        expected = {
            ("missing_xero", docs["missing_xero"]),
            ("missing_odoo", "XERO-ONLY-1"),
            ("total", docs["amount"]),
            ("tax", docs["tax"]),
            ("status", docs["status"]),
            ("amount_due", docs["due"]),
            ("balance", "200"),
            ("balance", "260"),
        }
        self.assertEqual(self.found(wizard), expected)
        self.assertFalse(wizard.fully_reconciled)
        lines = {line.kind: line for line in wizard.line_ids if line.kind != "balance"}
        self.assertEqual((lines["total"].odoo_total, lines["total"].xero_total), (100.0, 120.0))
        self.assertEqual((lines["tax"].odoo_tax, lines["tax"].xero_tax), (15.0, 0.0))
        self.assertEqual((lines["status"].odoo_status, lines["status"].xero_status), ("open", "VOIDED"))
        self.assertEqual((lines["amount_due"].odoo_due, lines["amount_due"].xero_due), (69.0, 49.0))
        self.assertEqual(lines["tax"].xero_number, docs["tax"].name, "each line names the Xero document")
        self.assertIn("not found in Xero", lines["missing_xero"].description)
        balances = {line.account_code: line for line in wizard.line_ids if line.kind == "balance"}
        # clean pairs only: invoice 100 and refund 30 on 200 both sides, the 70 on 200 / 260
        self.assertEqual((balances["200"].odoo_balance, balances["200"].xero_balance), (-140.0, -70.0))
        self.assertEqual((balances["260"].odoo_balance, balances["260"].xero_balance), (0.0, -70.0))
        self.assertEqual(balances["200"].account_id, self.revenue)
        # each line opens its Odoo record
        action = lines["tax"].action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", docs["tax"].id))
        # one account only: only its balance
        only_200 = self.report(accounts=self.revenue)
        self.run_report(only_200)
        self.assertEqual({k for k in self.found(only_200) if k[0] == "balance"}, {("balance", "200")})

    def test_fully_reconciled_when_nothing_differs(self):
        for price in (100.0, 250.0):
            self.sent_document(price)
        self.sent_document(40.0, move_type="in_refund", ref="SUP-CN-1")
        wizard = self.report()
        self.run_report(wizard)
        self.assertTrue(wizard.fully_reconciled)
        self.assertFalse(wizard.line_ids)
        self.assertIn("Fully reconciled", wizard.summary)

    def test_estimate_matches_the_calls_made_and_a_rerun_is_cheap(self):
        for price in (100.0, 110.0, 120.0):
            self.sent_document(price)
        self.sent_document(20.0, move_type="out_refund")
        # If-Modified-Since has a one-second grain: what changed in the second the
        # report reads Xero is read again next time, so let that second pass first
        time.sleep(1.1)
        wizard = self.report()
        wizard.action_estimate()
        self.assertEqual((wizard.count_invoices, wizard.count_credit_notes), (3, 1))
        self.assertEqual((wizard.estimate_calls, wizard.probe_calls), (2, 2))
        self.assertTrue(wizard.day_remaining)
        before = self.xero_calls()
        wizard.action_run()
        self.assertEqual(self.xero_calls() - before, wizard.estimate_calls)
        self.assertEqual(wizard.api_calls, wizard.estimate_calls)
        # a rerun reads only what changed since
        rerun = self.report()
        self.assertEqual(self.run_report(rerun), 0)
        self.assertEqual((rerun.count_invoices, rerun.count_credit_notes, rerun.estimate_calls), (0, 0, 0))
        self.assertTrue(rerun.fully_reconciled, "the stored copies still compare")
        # one document changes in Xero: one page to read, and the difference shows
        invoice = self.env["account.move"].search([("xero_id", "!=", False), ("move_type", "=", "out_invoice")],
                                                  limit=1)
        self.xero_update(invoice, Status="VOIDED")
        third = self.report()
        self.assertEqual(self.run_report(third), 1)
        self.assertEqual(third.count_invoices, 1)
        self.assertEqual(self.found(third), {("status", invoice)})

    def test_paging_plan_with_small_pages(self):
        for price in (10.0, 20.0, 30.0, 40.0, 50.0):
            self.sent_document(price)
        with patch.object(documents, "PAGE_SIZE", 2):
            wizard = self.report()
            calls = self.run_report(wizard)
        self.assertEqual(wizard.estimate_calls, 3, "5 invoices in pages of 2, no credit note")
        self.assertEqual(calls, 3)
        self.assertTrue(wizard.fully_reconciled)
        self.assertEqual(self.env["xero.remote.document"].search_count(
            [("connection_id", "=", self.connection.id)]), 5)

    def test_export_and_email(self):
        invoice = self.sent_document(100.0)
        self.xero_update(invoice, LineItems=[self.line(100.0, tax="NONE")])
        user = new_test_user(self.env, "xero_bookkeeper", groups="account.group_account_invoice",
                             email="bookkeeper@example.com")
        wizard = self.report(user=user)
        wizard.email_to = "cfo@example.com, auditor@example.com"
        self.run_report(wizard)
        self.assertEqual(self.found(wizard), {("tax", invoice)})
        action = wizard.action_export_xlsx()
        self.assertIn("/web/content/", action["url"])
        content = base64.b64decode(wizard.export_file)
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            strings = book.read("xl/sharedStrings.xml").decode()
        self.assertIn(invoice.name, strings)
        self.assertIn("Tax differs", strings)
        # the run emailed it (email_to set); sending again is possible from the form
        mails = self.env["mail.mail"].sudo().search([("email_to", "=", "cfo@example.com,auditor@example.com")])
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.attachment_ids.mapped("name"), [wizard.export_filename])
        self.assertIn("difference", mails.subject)
        wizard.action_send_email()
        self.assertEqual(self.env["mail.mail"].sudo().search_count(
            [("email_to", "=", "cfo@example.com,auditor@example.com")]), 2)
