"""The reconciliation report's summary (any range: per kind of document and
per account, each side's counts, totals and payments) and detailed view
(one month at most: every document and payment line by line, each opening
its Odoo record and its Xero document)."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_payments import DEMO, XeroPaymentCase

SHORT_CODE = "!" + DEMO.tenant_id[:5]


@tagged("post_install", "-at_install")
class TestReconciliationReports(XeroPaymentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"send_payments": False, "import_payments": False})

    def xero_calls(self):
        return self.emulator.counters()[DEMO.tenant_id]["total_calls"]

    def report(self, report_type, date_from="2019-03-01", date_to="2019-03-31"):
        return self.env["xero.reconciliation"].create({
            "connection_id": self.connection.id, "report_type": report_type, "date_from": date_from,
            "date_to": date_to})

    def run_report(self, wizard):
        wizard.action_estimate()
        before = self.xero_calls()
        wizard.action_run()
        self.assertEqual(self.xero_calls() - before, wizard.estimate_calls, "the estimate is what the run costs")
        return wizard

    def plant(self):
        """Documents of March 2019, sent; payments on one side only and on both."""
        docs = {
            "paid_in_odoo": self.sent_document(100.0),  # 115.00
            "paid_in_xero": self.sent_document(100.0),
            "paid_both": self.sent_document(60.0),  # 69.00
            "bill": self.sent_document(200.0, move_type="in_invoice", ref="SUP-1"),  # 230.00
            "refund": self.sent_document(30.0, move_type="out_refund"),  # 34.50
        }
        self.connection.send_payments = True
        self.odoo_pay(docs["paid_both"], 30.0)
        self.xero_sync()
        self.connection.send_payments = False
        self.odoo_pay(docs["paid_in_odoo"], 50.0)  # never sent
        docs["xero_payment"] = self.xero_pay(docs["paid_in_xero"], 20.0)
        contact = self.client.accounting("get_contacts").data["Contacts"][0]["ContactID"]
        self.client.accounting("create_invoices", {"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": contact}, "Date": "2019-03-20", "DueDate": "2019-04-20",
            "Status": "AUTHORISED", "InvoiceNumber": "XERO-ONLY-1",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 55.0, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]}]})
        docs["odoo_only"] = self.xero_move("out_invoice", lines=[{"price": 10.0}])  # 11.50, posted, not sent
        return docs

    def test_summary_per_document_type_and_account(self):
        self.plant()
        wizard = self.run_report(self.report("summary", "2019-01-01", "2019-06-30"))
        self.assertEqual(wizard.estimate_calls, 3, "invoices, credit notes, and the ShortCode once")
        rows = {(row.group, row.name): row for row in wizard.summary_ids}
        values = {key: (row.currency, row.odoo_count, row.xero_count, row.odoo_total, row.xero_total, row.odoo_paid,
                        row.xero_paid) for key, row in rows.items()}
        usd = self.env.company.currency_id.name
        self.assertEqual(values, {
            ("type", "Invoices"): (usd, 4, 4, 310.5, 362.25, 80.0, 50.0),
            ("type", "Bills"): (usd, 1, 1, 230.0, 230.0, 0.0, 0.0),
            ("type", "Customer credit notes"): (usd, 1, 1, 34.5, 34.5, 0.0, 0.0),
            ("account", "200"): (usd, 5, 5, -240.0, -285.0, 0.0, 0.0),
            ("account", "429"): (usd, 1, 1, 200.0, 200.0, 0.0, 0.0),
        })
        self.assertEqual(rows[("type", "Invoices")].difference, round(310.5 - 362.25, 2))
        self.assertFalse(rows[("type", "Invoices")].agrees)
        self.assertTrue(rows[("type", "Bills")].agrees)
        self.assertEqual(rows[("account", "200")].account_id, self.revenue_account())
        self.assertFalse(wizard.fully_reconciled)
        self.assertEqual(wizard.summary, "2 row(s) differ.")
        self.assertFalse(wizard.line_ids, "the summary lists no document")

    def test_detailed_line_by_line_with_payments_and_links(self):
        docs = self.plant()
        wizard = self.run_report(self.report("detailed"))
        lines = wizard.line_ids
        by_move = {}
        for line in lines.filtered(lambda line: line.kind not in ("payment_odoo", "payment_xero")):
            by_move[line.move_id or line.xero_number] = line
        self.assertEqual({key: line.kind for key, line in by_move.items()}, {
            docs["paid_in_odoo"]: "amount_due", docs["paid_in_xero"]: "amount_due", docs["paid_both"]: "matched",
            docs["bill"]: "matched", docs["refund"]: "matched", docs["odoo_only"]: "missing_xero",
            "XERO-ONLY-1": "missing_odoo"})
        # amount paid per document, both sides
        paid = {key: (line.odoo_paid, line.xero_paid) for key, line in by_move.items()}
        self.assertEqual(paid[docs["paid_in_odoo"]], (50.0, 0.0))
        self.assertEqual(paid[docs["paid_in_xero"]], (0.0, 20.0))
        self.assertEqual(paid[docs["paid_both"]], (30.0, 30.0))
        self.assertIn("amount paid 50.00 in Odoo, 0.00 in Xero", by_move[docs["paid_in_odoo"]].description)
        self.assertEqual(by_move[docs["bill"]].description, "Agrees.")
        # payments present on one side only
        payments = {(line.kind, line.move_id, line.odoo_paid or line.xero_paid)
                    for line in lines.filtered(lambda line: line.kind in ("payment_odoo", "payment_xero"))}
        self.assertEqual(payments, {("payment_odoo", docs["paid_in_odoo"], 50.0),
                                    ("payment_xero", docs["paid_in_xero"], 20.0)})
        xero_only = lines.filtered(lambda line: line.kind == "payment_xero")
        self.assertEqual(xero_only.payment_id, docs["xero_payment"])
        odoo_only = lines.filtered(lambda line: line.kind == "payment_odoo")
        self.assertIn("in Odoo, not in Xero", odoo_only.description)
        # each line opens its Odoo record and its Xero document (Xero's deep link, by id)
        action = by_move[docs["bill"]].action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", docs["bill"].id))
        prefix = f"https://go.xero.com/organisationlogin/default.aspx?shortcode={SHORT_CODE}&redirecturl="
        self.assertEqual(by_move[docs["paid_in_odoo"]].xero_url,
                         f"{prefix}/AccountsReceivable/View.aspx?InvoiceID={docs['paid_in_odoo'].xero_id}")
        self.assertEqual(by_move[docs["bill"]].xero_url,
                         f"{prefix}/AccountsPayable/Edit.aspx?InvoiceID={docs['bill'].xero_id}")
        self.assertEqual(by_move[docs["refund"]].xero_url,
                         f"{prefix}/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={docs['refund'].xero_id}")
        self.assertFalse(by_move[docs["odoo_only"]].xero_url, "not in Xero: nothing to open")
        self.assertEqual(wizard.summary, "3 document(s) agree, 6 line(s) differ.")
        # the spreadsheet carries the lines
        wizard.action_export_xlsx()
        self.assertTrue(wizard.export_file)

    def test_detailed_covers_one_month_and_says_so(self):
        self.sent_document(100.0)
        wizard = self.report("detailed", "2019-03-01", "2019-04-01")
        self.assertIn("covers at most one month", wizard.range_warning)
        calls = self.xero_calls()
        with self.assertRaisesRegex(UserError, r"at most one month \(2019-03-01 to 2019-03-31 at the latest\)"):
            wizard.action_estimate()
        with self.assertRaisesRegex(UserError, "Choose a shorter range, or the summary"):
            wizard.action_run()
        self.assertEqual(self.xero_calls(), calls, "refused before any call")
        shifted = self.report("detailed", "2019-03-15", "2019-04-14")
        self.assertFalse(shifted.range_warning)
        self.run_report(shifted)
        self.assertEqual(shifted.line_ids.mapped("kind"), ["matched"])
        self.assertTrue(shifted.fully_reconciled)
        self.assertFalse(self.report("summary", "2019-01-01", "2019-12-31").range_warning, "any range")
        # the differences report (the default) is as it was, its lines open Xero too
        move = self.sent_document(40.0)
        self.client.accounting("update_invoice", move.xero_id, {"Invoices": [{"InvoiceID": move.xero_id,
                                                                             "Status": "VOIDED"}]})
        differences = self.run_report(self.report("differences"))
        self.assertEqual(differences.line_ids.mapped("kind"), ["status"])
        self.assertEqual(differences.line_ids.xero_url, "https://go.xero.com/organisationlogin/default.aspx?"
                         f"shortcode={SHORT_CODE}&redirecturl=/AccountsReceivable/View.aspx?InvoiceID={move.xero_id}")

    def revenue_account(self):
        return self.company_data["default_account_revenue"]
