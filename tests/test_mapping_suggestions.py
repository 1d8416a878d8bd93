"""Suggested mappings (issue 16) on Odoo's generic chart (400000 Product
Sales, 600000 Expenses, 15 % taxes...) against Xero's demo organisation
(200 Sales, 429 General Expenses, OUTPUT and INPUT at 15 %...), whose codes
never match: what is suggested and why, what the user accepts or changes,
the dashboard's count, the demo documents (acceptance 2) and a newcomer's
own first invoice (acceptance 4)."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.account_xero.demo.seed import seed_demo
from odoo.addons.account_xero.services import matching
from odoo.addons.account_xero.sync import mappings

from .common import DEMO, XeroTransactionCase


@tagged("post_install", "-at_install")
class TestMappingSuggestions(XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", "http://odoo.test")
        cls.company = cls.env.company
        cls.connection = cls.xero_connect(cls.company, import_start_date="2019-01-01")
        Account = cls.env["account.account"]
        cls.accounts = {code: Account.search([*Account._check_company_domain(cls.company), ("code", "=", code)])
                        for code in ("400000", "450000", "441000", "500000", "600000", "612000", "620000", "630000",
                                     "961000", "962000")}
        cls.sale_tax = cls.company.account_sale_tax_id
        cls.purchase_tax = cls.company.account_purchase_tax_id
        Journal = cls.env["account.journal"]
        cls.bank = Journal.search([*Journal._check_company_domain(cls.company), ("type", "=", "bank")], limit=1)

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.connection._xero_store_token(self.emulator.issue_token(
            client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id]))

    # ------------------------------------------------------------ helpers
    def import_master(self):
        self.connection.action_xero_import_master_data()
        self.assertTrue(self.connection.master_import_date)

    def xero_account(self, code):
        return self.env["xero.account"].sudo().search([("connection_id", "=", self.connection.id),
                                                       ("code", "=", code)])

    def rate(self, tax_type):
        return self.env["xero.tax.rate"].sudo().search([("connection_id", "=", self.connection.id),
                                                        ("tax_type", "=", tax_type)])

    def suggested(self):
        """``{record: (Xero code or TaxType or None, reason, in use)}``."""
        found = {}
        for s in mappings.suggestions(self.connection):
            target = s.target and (s.target.tax_type if s.kind == "tax" else s.target.code)
            found[s.record] = (target or None, s.reason, s.in_use)
        return found

    def open_wizard(self):
        action = self.connection.action_xero_suggest_mappings()
        self.assertEqual((action["res_model"], action["target"]), ("xero.mapping.wizard", "new"))
        return self.env["xero.mapping.wizard"].browse(action["res_id"])

    # ------------------------------------------------------------ matching
    def test_names_compared_as_a_bookkeeper_would(self):
        self.assertTrue(matching.same_name("Cost of Goods Sold", "cost of goods  sold"))
        self.assertEqual(matching.words("General Expenses"), {"expense"})
        self.assertEqual(matching.words("Other Revenue"), matching.words("Other Income"))
        self.assertEqual(matching.unique_best(["Sales", "Other Revenue", "Interest Income"],
                                              lambda n: matching.similarity(n, "Product Sales")), "Sales")
        self.assertEqual(matching.unique_best(["General Expenses", "Office Expenses"],
                                              lambda n: matching.similarity(n, "Expenses")), "General Expenses")
        self.assertIsNone(matching.unique_best(["Office Expenses", "Travel Expenses"],
                                               lambda n: matching.similarity(n, "Expenses")), "a tie is no guess")
        self.assertIsNone(matching.unique_best(["Rent"], lambda n: matching.similarity(n, "Bank Fees")))

    # ------------------------------------------------------------ what is suggested, and why
    def test_suggestions_on_the_generic_chart(self):
        self.assertEqual(self.connection.mapping_todo, "2 accounts and 2 taxes in use are not mapped",
                         "the defaults of a new invoice and bill, before anything is imported")
        self.import_master()
        found = self.suggested()
        acc = self.accounts
        expected = {
            acc["400000"]: ("200", "similar name", True),
            acc["600000"]: ("429", "similar name", True),
            acc["450000"]: ("260", "similar name", False),
            acc["500000"]: ("310", "same name", False),
            acc["612000"]: ("469", "same name", False),
            acc["620000"]: ("404", "same name", False),
            acc["630000"]: ("429", "similar name", False),  # Salary Expenses
            acc["961000"]: ("429", "similar name", False),  # RD Expenses
            acc["962000"]: ("429", "similar name", False),  # Sales Expenses: not revenue
            self.sale_tax: ("OUTPUT", "same rate and type", True),
            self.purchase_tax: ("INPUT", "same rate and type", True),
            self.bank: ("090", "similar name", False),
        }
        for record, values in expected.items():
            self.assertEqual(found.get(record), values, record.display_name)
        self.assertEqual(len(found), len(expected), "Foreign Exchange Gain and the like: no similar Xero "
                         "account and not in use, not listed; the Cash journal: no free Xero bank account like it")
        self.assertEqual(len(mappings.suggestions(self.connection)), len(found), "one line per record")
        # nothing is mapped before the user accepts
        self.assertFalse(self.xero_account("200").account_id)
        self.assertFalse(self.rate("OUTPUT").tax_ids)
        self.assertFalse(self.xero_account("090").journal_id)
        self.assertEqual(self.connection.mapping_todo, "2 accounts and 2 taxes in use are not mapped")

    def test_the_only_account_of_its_class_and_ties(self):
        self.import_master()
        (self.xero_account("260") | self.xero_account("270")).status = "ARCHIVED"
        self.assertEqual(self.suggested()[self.accounts["441000"]][:2], ("200", "the only revenue account"))
        # a second 15 % sales rate: no guess between equals, the line stays for the user
        self.env["xero.tax.rate"].sudo().create({
            "connection_id": self.connection.id, "tax_type": "OUTPUT2", "name": "Sales Tax (city)", "rate": 15,
            "can_apply_to_revenue": True})
        target, reason, in_use = self.suggested()[self.sale_tax]
        self.assertEqual((target, in_use), (None, True))
        self.assertIn("Several Xero rates of 15", reason)

    def test_accept_some_and_change_one(self):
        wizard = self.open_wizard()
        self.assertTrue(self.connection.master_import_date, "the chart and tax rates are imported first")
        lines = {line._xero_record(): line for line in wizard.line_ids}
        self.assertFalse(any(wizard.line_ids.mapped("accept")), "nothing is accepted for the user")
        with Form(wizard) as form:
            for index, line in enumerate(wizard.line_ids):
                with form.line_ids.edit(index) as row:
                    if line == lines[self.accounts["400000"]]:
                        row.accept = True
                    elif line == lines[self.accounts["600000"]]:
                        row.xero_account_id = self.xero_account("453")
                        self.assertTrue(row.accept, "a target picked by hand is accepted")
                        self.assertEqual(row.reason, "your choice")
        wizard.action_save()
        self.assertEqual(self.xero_account("200").account_id, self.accounts["400000"])
        self.assertEqual(self.xero_account("453").account_id, self.accounts["600000"])
        self.assertFalse(self.rate("OUTPUT").tax_ids, "the taxes were not accepted")
        self.assertFalse(self.xero_account("310").account_id)
        self.assertEqual(self.connection.mapping_todo, "2 taxes in use are not mapped")
        note = self.connection.message_ids[:1].body
        self.assertIn("400000 Product Sales → 200 Sales (similar name)", note)
        self.assertIn("600000 Expenses → 453 Office Expenses (your choice)", note)
        # a second Odoo account for the same Xero account: by its own Xero code
        mappings.save(self.connection, [("account", self.accounts["450000"], self.xero_account("200"), "test")])
        self.assertEqual(self.accounts["450000"].with_company(self.company).xero_code, "200")
        self.assertEqual(self.xero_account("200").account_id, self.accounts["400000"])

    def test_accept_all_from_the_dashboard(self):
        self.import_master()
        self.assertEqual(self.open_wizard().action_accept_all()["params"]["message"], "12 mapping(s) saved.")
        self.env.invalidate_all()
        self.assertFalse(self.connection.mapping_todo)
        self.assertIn(self.sale_tax, self.rate("OUTPUT").tax_ids)
        self.assertIn(self.purchase_tax, self.rate("INPUT").tax_ids)
        self.assertEqual(self.xero_account("090").journal_id, self.bank)
        wizard = self.open_wizard()
        self.assertFalse(wizard.line_ids, "nothing left to suggest")
        self.assertEqual(wizard.summary, "Everything documents need is mapped to Xero.")
        # an account mapped to an account Xero archived is in use and unmapped again
        self.xero_account("200").status = "ARCHIVED"
        self.env.invalidate_all()
        self.assertEqual(self.connection.mapping_todo, "1 account in use is not mapped")

    # ------------------------------------------------------------ acceptance 2: the demo documents
    def test_demo_documents_covered_then_sent(self):
        self.import_master()
        demo = seed_demo(self.connection, accept=False)
        moves, payment = demo["moves"], demo["payment"]
        self.assertEqual(sorted(moves.mapped("move_type")),
                         ["in_invoice", "out_invoice", "out_invoice", "out_invoice", "out_invoice", "out_refund"])
        self.assertTrue(payment)
        lines = moves.invoice_line_ids
        needed = {"account": lines.account_id, "tax": lines.tax_ids, "journal": payment.journal_id}
        found = {(s.kind, s.record): s for s in mappings.suggestions(self.connection)}
        for kind, records in needed.items():
            self.assertTrue(records, kind)
            for record in records:
                suggestion = found.get((kind, record))
                self.assertTrue(suggestion and suggestion.target, f"{kind} {record.display_name}: no suggestion")
                self.assertTrue(suggestion.reason and suggestion.in_use, record.display_name)
        self.assertEqual(self.connection.mapping_todo, "2 accounts, 2 taxes and 1 bank journal in use are not mapped")

        self.open_wizard().action_accept_all()
        run = self.connection._xero_sync(trigger="manual")
        self.assertEqual((run.state, run.count_failed), ("done", 0), run.message)
        self.env.invalidate_all()
        self.assertEqual(set(moves.mapped("xero_state")), {"sent"}, moves.mapped("xero_message"))
        self.assertTrue(payment.xero_payment_id, "the payment follows its invoice in the same run")
        self.assertFalse(self.connection.count_waiting)

    # ------------------------------------------------------------ acceptance 4: a newcomer's first invoice
    def test_newcomer_first_invoice_goes_with_no_hand_mapping(self):
        self.open_wizard().action_accept_all()
        customer = self.env["res.partner"].create({"name": "First Customer Ltd", "is_company": True})
        product = self.env["product.product"].create({"name": "Site survey", "list_price": 250.0})
        self.assertEqual(product.taxes_id, self.sale_tax, "the company's default sale tax")
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = customer
        form.invoice_date = "2019-06-03"
        with form.invoice_line_ids.new() as line:
            line.product_id = product
        invoice = form.save()
        self.assertEqual(invoice.invoice_line_ids.account_id, self.accounts["400000"])
        invoice.action_post()
        notification = self.connection.action_send_now()
        self.assertIn("0 failed", notification["params"]["message"])
        self.assertEqual(invoice.xero_state, "sent", invoice.xero_message)
        doc = next(d for d in self.emulator.dump()[DEMO.tenant_id]["Invoices"] if d["InvoiceID"] == invoice.xero_id)
        self.assertEqual([(li["AccountCode"], li["TaxType"]) for li in doc["LineItems"]], [("200", "OUTPUT")])
        self.assertEqual(doc["Total"], 287.5)
        self.assertEqual(doc["Contact"]["Name"], "First Customer Ltd")

    def test_taxes_leave_the_rates_that_would_also_claim_them(self):
        self.import_master()
        self.rate("TAX001").tax_ids = [Command.link(self.sale_tax.id)]  # mapped to a deleted rate
        self.assertFalse(mappings.is_mapped(self.connection, "tax", self.sale_tax))
        mappings.save(self.connection, [("tax", self.sale_tax, self.rate("OUTPUT"), "same rate and type")])
        self.assertFalse(self.rate("TAX001").tax_ids)
        self.assertEqual(self.env["xero.tax.rate"]._xero_tax_type_for(self.connection, self.sale_tax), "OUTPUT")

    def test_a_target_of_another_organisation_is_refused(self):
        self.import_master()
        other = self.env["res.company"].create({"name": "Other Shop"})
        foreign = self.env["xero.account"].sudo().create({
            "connection_id": self.xero_connect(other).id, "xero_id": "0f0e0d0c-0b0a-4909-8807-0605040302aa",
            "code": "200", "name": "Sales", "type": "REVENUE"})
        with self.assertRaisesRegex(UserError, "not in the Xero organisation"):
            mappings.save(self.connection, [("account", self.accounts["400000"], foreign, "forged")])
        self.assertFalse(foreign.account_id)
