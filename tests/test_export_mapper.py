"""The invoice / credit note mapper: golden payloads and Xero's arithmetic."""

import json
import os
from decimal import Decimal

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account_xero.services.errors import XeroMappingError
from odoo.addons.account_xero.services.mappers import invoice as mapper
from odoo.addons.account_xero.sync.exporters.document import make_resolver, plan_document

from .common_export import XeroExportCase

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")


@tagged("post_install", "-at_install")
class TestExportMapper(XeroExportCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2019-01-01", 0.92)])
        cls.north = {cls.analytic[("Region", "North")].id: 100.0}
        cls.sales_dept = {cls.analytic[("Department", "Sales")].id: 100.0}

    def plan(self, move, contact_id="CONTACT-ID"):
        resolver = make_resolver(self.env, self.connection)
        return plan_document(move, self.connection, resolver, contact_id)

    def payload(self, move):
        outcome, message, element = self.plan(move)
        self.assertEqual(outcome, "create", message)
        return element

    def assertGolden(self, name, move, element):
        """Compare with tests/golden/<name>.json (ids and links normalised);
        XERO_UPDATE_GOLDEN=1 rewrites the file instead."""
        kind = mapper.kind_of(move)
        self.assertEqual(element.get("Url"), f"http://odoo.test/odoo/account.move/{move.id}")
        normal = dict(element, Url="<odoo link>")
        normal[kind.number_field] = "<number>"
        path = os.path.join(GOLDEN, f"{name}.json")
        if os.environ.get("XERO_UPDATE_GOLDEN"):
            with open(path, "w", encoding="utf-8") as f:
                json.dump(normal, f, indent=2, sort_keys=True)
                f.write("\n")
        with open(path, encoding="utf-8") as f:
            self.assertEqual(normal, json.load(f), f"payload differs from {path}")

    # ------------------------------------------------------------ golden payloads
    def test_golden_customer_invoice(self):
        move = self.xero_move("out_invoice", ref="PO-4471", lines=[
            {"name": "Design work", "price": 1250.0, "quantity": 3, "discount": 10.0, "analytic": self.north},
            {"name": "Hosting", "price": 19.95, "quantity": 12, "account": self.product_b.property_account_income_id,
             "analytic": {**self.north, **self.sales_dept}},
            {"name": "Exempt fee", "price": 40.0, "taxes": self.env["account.tax"]},
        ])
        element = self.payload(move)
        self.assertEqual(element["InvoiceNumber"], move.name)
        self.assertEqual([line["AccountCode"] for line in element["LineItems"]], ["200", "260", "200"])
        self.assertEqual(Decimal(str(element["Total"])), Decimal(str(move.amount_total)))
        self.assertGolden("invoice_accrec", move, element)

    def test_golden_vendor_bill(self):
        move = self.xero_move("in_invoice", partner=self.partner_b, ref="SUP-2019-118", lines=[
            {"name": "Paper", "price": 12.5, "quantity": 40},
            {"name": "Toner", "price": 89.99, "quantity": 2, "account": self.product_b.property_account_expense_id,
             "analytic": self.sales_dept},
        ])
        element = self.payload(move)
        self.assertEqual(element["InvoiceNumber"], "SUP-2019-118", "a bill carries the vendor's reference")
        self.assertNotIn("Reference", element, "Xero's Reference is for sales documents only")
        self.assertEqual(Decimal(str(element["Total"])), Decimal(str(move.amount_total)))
        self.assertGolden("bill_accpay", move, element)

    def test_golden_customer_credit_note(self):
        move = self.xero_move("out_refund", ref="RMA-77", lines=[
            {"name": "Returned goods", "price": 250.0, "quantity": 2, "analytic": self.north},
        ])
        element = self.payload(move)
        self.assertEqual(element["CreditNoteNumber"], move.name)
        self.assertNotIn("DueDate", element, "credit notes have no due date in Xero")
        self.assertGolden("credit_note_accreccredit", move, element)

    def test_golden_vendor_credit_note(self):
        move = self.xero_move("in_refund", partner=self.partner_b, ref="SUP-CN-9", lines=[
            {"name": "Damaged toner", "price": 89.99, "quantity": 1},
        ])
        element = self.payload(move)
        self.assertEqual(element["CreditNoteNumber"], "SUP-CN-9")
        self.assertGolden("credit_note_accpaycredit", move, element)

    def test_golden_foreign_currency_tax_included(self):
        included = self.tax_sale_a.copy({"name": "15% incl.", "price_include_override": "tax_included"})
        self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id),
                                          ("tax_type", "=", "OUTPUT")]).tax_ids = [Command.link(included.id)]
        move = self.xero_move("out_invoice", currency_id=self.eur.id, lines=[
            {"name": "Licence", "price": 115.0, "quantity": 1, "taxes": included},
            {"name": "Support", "price": 33.33, "quantity": 3, "taxes": included},
        ])
        element = self.payload(move)
        self.assertEqual(element["LineAmountTypes"], "Inclusive")
        self.assertEqual((element["CurrencyCode"], element["CurrencyRate"]), ("EUR", 0.92))
        self.assertEqual(Decimal(str(element["Total"])), Decimal(str(move.amount_total)))
        self.assertEqual(Decimal(str(element["TotalTax"])), Decimal(str(move.amount_tax)))
        self.assertGolden("invoice_accrec_eur_tax_included", move, element)

    # ------------------------------------------------------------ arithmetic
    def test_xero_arithmetic(self):
        self.assertEqual(mapper.xero_line_amount(Decimal("3"), Decimal("33.335"), Decimal(0)), Decimal("100.01"))
        self.assertEqual(mapper.xero_line_amount(Decimal("2"), Decimal("19.99"), Decimal("12.5")), Decimal("34.98"))
        self.assertEqual(mapper.xero_line_tax(Decimal("0.10"), Decimal(15), "Exclusive"), Decimal("0.02"))
        self.assertEqual(mapper.xero_line_tax(Decimal("115.00"), Decimal(15), "Inclusive"), Decimal("15.00"))
        self.assertEqual(mapper.xero_line_tax(Decimal("115.00"), Decimal(15), "NoTax"), Decimal(0))
        lines = [{"LineAmount": 0.1, "TaxType": "OUTPUT"}] * 3
        rates = {"OUTPUT": Decimal(15)}.get
        self.assertEqual(mapper.xero_totals(lines, "Exclusive", rates),
                         (Decimal("0.30"), Decimal("0.06"), Decimal("0.36")))

    def _global_rounding_invoice(self):
        self.env.company.tax_calculation_rounding_method = "round_globally"
        move = self.xero_move("out_invoice", lines=[{"price": 0.10}, {"price": 0.10}, {"price": 0.10}])
        self.assertEqual(move.amount_total, 0.35, "Odoo rounds the tax of the whole document once")
        return move

    def test_rounding_line_when_account_set(self):
        self.connection.rounding_account_id = self.rounding_account
        move = self._global_rounding_invoice()
        element = self.payload(move)
        rounding = element["LineItems"][-1]
        self.assertEqual((rounding["AccountCode"], rounding["TaxType"], rounding["LineAmount"]), ("860", "NONE", -0.01))
        self.assertEqual(element["Total"], 0.35)

    def test_refused_without_rounding_account(self):
        move = self._global_rounding_invoice()
        with self.assertRaisesRegex(XeroMappingError, r"0\.36 USD instead of Odoo's 0\.35 USD.*rounding account"):
            self.plan(move)

    def test_large_difference_is_never_rounded(self):
        """A tax mapped to a Xero rate of another percentage is not hidden in a rounding line."""
        self.connection.rounding_account_id = self.rounding_account
        tax_10 = self.tax_sale_a.copy({"name": "10%", "amount": 10.0})
        self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id),
                                          ("tax_type", "=", "NONE")]).tax_ids = [Command.set(tax_10.ids)]
        move = self.xero_move("out_invoice", lines=[{"price": 100.0, "taxes": tax_10}])
        with self.assertRaisesRegex(XeroMappingError, r"100\.00 USD.*110\.00 USD.*more than rounding"):
            self.plan(move)

    def test_unit_price_four_decimals(self):
        self.env.ref("product.decimal_price").digits = 4
        move = self.xero_move("out_invoice", lines=[{"price": 12.3456, "quantity": 7}])
        line = self.payload(move)["LineItems"][0]
        self.assertEqual((line["UnitAmount"], line["LineAmount"]), (12.3456, 86.42))

    def test_mixed_tax_included_and_excluded_refused(self):
        included = self.tax_sale_a.copy({"name": "15% incl.", "price_include_override": "tax_included"})
        move = self.xero_move("out_invoice", lines=[{"price": 100.0}, {"price": 115.0, "taxes": included}])
        with self.assertRaisesRegex(XeroMappingError, "mixes tax-included and tax-excluded prices"):
            self.plan(move)

    def test_no_tax_document(self):
        move = self.xero_move("out_invoice", lines=[{"price": 50.0, "taxes": self.env["account.tax"]}])
        element = self.payload(move)
        self.assertEqual((element["LineAmountTypes"], element["LineItems"][0]["TaxType"]), ("NoTax", "NONE"))

    def test_status_never_goes_back(self):
        move = self.xero_move("out_invoice")
        self.connection.invoice_status = "DRAFT"
        self.assertEqual(self.payload(move)["Status"], "DRAFT")
        move.sudo().write({"xero_id": "00000000-0000-4000-8000-000000000001", "xero_remote_status": "AUTHORISED"})
        outcome, _message, element = self.plan(move)
        self.assertEqual((outcome, element["Status"], element["InvoiceID"]),
                         ("update", "AUTHORISED", "00000000-0000-4000-8000-000000000001"))

    def test_unmapped_values_are_refused_with_their_message(self):
        account = self.company_data["default_account_revenue"].copy({"code": "400999"})
        move = self.xero_move("out_invoice", lines=[{"price": 10.0, "account": account}])
        with self.assertRaisesRegex(XeroMappingError, "is not mapped to a Xero account"):
            self.plan(move)
        tax = self.tax_sale_a.copy({"name": "Unmapped 15%"})
        move = self.xero_move("out_invoice", lines=[{"price": 10.0, "taxes": tax}])
        with self.assertRaisesRegex(XeroMappingError, "Unmapped 15% is not mapped to a Xero tax rate"):
            self.plan(move)

    def test_out_of_scope_documents_are_skipped(self):
        old = self.xero_move("out_invoice", invoice_date="2018-12-31")
        self.assertEqual(self.plan(old)[0], "skip")
        draft = self.xero_move("out_invoice", post=False)
        self.assertIn("not posted", self.plan(draft)[1])
        entry = self.env["account.move"].create({"move_type": "entry", "line_ids": []})
        self.assertIn("Only customer invoices", self.plan(entry)[1])
