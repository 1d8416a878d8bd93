"""The purchase order mapper: golden payloads, and what is refused first."""

import json
import os

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account_xero.services.errors import XeroMappingError
from odoo.addons.account_xero.services.mappers import purchase_order as mapper
from odoo.addons.account_xero.sync.exporters.purchase_order import make_purchase_resolver, plan_purchase_order
from odoo.addons.account_xero.sync.importers.master import import_items
from odoo.addons.account_xero.sync.run import RunContext

from .common_purchase import XeroPurchaseCase

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
ITEM_ID = "b7c6d5e4-f3a2-4b1c-9d8e-7f6a5b4c3d2e"


@tagged("post_install", "-at_install")
class TestPurchaseOrderMapper(XeroPurchaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.env.company.partner_id.write({"street": "1 Harbour Road", "city": "Wellington", "zip": "6011",
                                          "country_id": cls.env.ref("base.nz").id, "phone": "+64 4 000 0000"})
        cls.env.user.partner_id.phone = "+64 4 111 1111"
        cls.eur = cls.setup_other_currency("EUR", rates=[("2019-01-01", 0.92)])
        cls.sales_dept = {cls.analytic[("Department", "Sales")].id: 100.0}

    def order(self, **values):
        order = self.xero_po(**values)
        order.write({"date_approve": fields.Datetime.to_datetime("2019-03-15 10:00:00")})
        return order

    def plan(self, order, contact_id="CONTACT-ID"):
        resolver = make_purchase_resolver(self.env, self.connection)
        return plan_purchase_order(order, self.connection, resolver, contact_id)

    def payload(self, order):
        outcome, message, element = self.plan(order)
        self.assertEqual(outcome, "create", message)
        return element

    def assertGolden(self, name, element):
        """Compare with tests/golden/<name>.json (the number normalised);
        XERO_UPDATE_GOLDEN=1 rewrites the file instead."""
        normal = dict(element, PurchaseOrderNumber="<number>")
        path = os.path.join(GOLDEN, f"{name}.json")
        if os.environ.get("XERO_UPDATE_GOLDEN"):
            with open(path, "w", encoding="utf-8") as f:
                json.dump(normal, f, indent=2, sort_keys=True, ensure_ascii=False)
                f.write("\n")
        with open(path, encoding="utf-8") as f:
            self.assertEqual(normal, json.load(f), f"payload differs from {path}")

    # ------------------------------------------------------------ golden payloads
    def test_golden_approved_order(self):
        self.product_a.default_code = "BOOK"
        self.env["xero.binder"]._bind(self.product_a, ITEM_ID, self.env.company)
        order = self.order(partner_ref="Q-2231", notes="<p>Deliver to <b>gate 3</b>, mornings only.</p>", lines=[
            {"price": 1250.0, "quantity": 3, "discount": 10.0, "analytic": self.sales_dept},
            {"product": self.product_b, "price": 19.95, "quantity": 12},
            {"product": self.product_b, "price": 40.0, "taxes": self.env["account.tax"], "name": "Exempt freight"},
        ])
        element = self.payload(order)
        self.assertEqual(element["PurchaseOrderNumber"], order.name)
        self.assertEqual(element["LineItems"][0]["ItemCode"], "BOOK", "a product linked to a Xero item")
        self.assertNotIn("ItemCode", element["LineItems"][1])
        self.assertEqual(element["Total"], order.amount_total)
        self.assertEqual(element["DeliveryInstructions"], "Deliver to gate 3, mornings only.")
        self.assertGolden("purchase_order_approved", element)

    def test_golden_foreign_currency_tax_included_dropship(self):
        included = self.tax_purchase_a.copy({"name": "Purchase 15% incl.", "price_include_override": "tax_included"})
        self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id), ("tax_type", "=", "INPUT")]) \
            .tax_ids |= included
        customer = self.env["res.partner"].create({
            "name": "Dropship Customer", "street": "9 Quay Street", "city": "Auckland", "zip": "1010",
            "country_id": self.env.ref("base.nz").id, "phone": "+64 9 222 2222"})
        order = self.order(currency_id=self.eur.id, dest_address_id=customer.id, lines=[
            {"price": 115.0, "quantity": 2, "taxes": included},
            {"product": self.product_b, "price": 57.5, "taxes": included},
        ])
        element = self.payload(order)
        self.assertEqual((element["LineAmountTypes"], element["CurrencyCode"], element["CurrencyRate"]),
                         ("Inclusive", "EUR", 0.92))
        self.assertEqual((element["AttentionTo"], element["Telephone"]), ("Dropship Customer", "+64 9 222 2222"))
        self.assertTrue(element["DeliveryAddress"].startswith("Dropship Customer\n9 Quay Street"))
        self.assertGolden("purchase_order_eur_tax_included_dropship", element)

    def test_golden_draft_order_long_terms(self):
        self.connection.po_status = "DRAFT"
        self.env.user.tz = "Pacific/Auckland"
        terms = "Terms. " + "All goods remain the supplier's until paid in full. " * 12
        order = self.order(notes=terms, lines=[{"price": 10.0, "quantity": 4, "taxes": self.env["account.tax"]}])
        element = self.payload(order)
        self.assertEqual(element["Status"], "DRAFT")
        self.assertEqual(element["Date"], "2019-03-15", "10:00 UTC is 23:00 on the 15th in Auckland")
        self.assertEqual(element["ExpectedArrivalDate"], "2019-04-01")
        self.assertEqual(len(element["DeliveryInstructions"]), mapper.MAX_INSTRUCTIONS)
        self.assertTrue(element["DeliveryInstructions"].endswith("…"))
        self.assertEqual(element["LineAmountTypes"], "NoTax")
        self.assertGolden("purchase_order_draft_long_terms", element)
        self.xero_sync()
        self.assertIn("cut there", order.message_ids[0].body, "the chatter says the terms were cut")

    # ------------------------------------------------------------ refused first
    def test_refused_before_any_call(self):
        unmapped = self.tax_purchase_a.copy({"name": "Unmapped 9%", "amount": 9})
        cases = {
            "tax": (self.order(lines=[{"price": 10.0, "taxes": unmapped}]), "Unmapped 9%"),
            "no contact": (self.order(), "is not in Xero yet"),
        }
        for key, (order, text) in cases.items():
            with self.subTest(case=key):
                with self.assertRaises(XeroMappingError) as caught:
                    self.plan(order, contact_id=None if key == "no contact" else "CONTACT-ID")
                self.assertIn(text, caught.exception.message)

    def test_out_of_scope_is_skipped_with_its_reason(self):
        draft = self.xero_po(confirm=False)
        self.assertEqual(self.plan(draft)[:2], ("skip", f"{draft.name} is not confirmed: only confirmed purchase "
                                                        "orders are sent to Xero."))
        self.connection.send_purchase_orders = False
        order = self.order()
        outcome, message, _element = self.plan(order)
        self.assertEqual(outcome, "skip")
        self.assertIn("purchase orders are turned off in the Xero settings", message)

    def test_snapshot_ignores_what_xero_does_not_show(self):
        order = self.order()
        before = order._xero_source_hash()
        order.write({"priority": "1", "origin": "SO042"})
        self.assertEqual(order._xero_source_hash(), before)
        order.write({"partner_ref": "NEW-REF"})
        self.assertNotEqual(order._xero_source_hash(), before)

    def test_item_linked_by_the_item_import_is_sent_with_its_code(self):
        # the items only: the chart was imported by setUpClass from another copy of the demo organisation
        run = self.env["xero.sync.run"].sudo().create({"connection_id": self.connection.id, "operation": "items"})
        import_items(RunContext.build(self.connection, run))
        book = self.env["product.product"].search([("default_code", "=", "BOOK")])
        self.assertTrue(self.env["xero.binder"]._to_xero(book, self.env.company), "linked to its Xero item")
        order = self.xero_po(lines=[{"product": book, "price": 12.5, "quantity": 10}])
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.log_ids.filtered(lambda log: log.state == "failed").mapped("message"))
        line = self.xero_order(order)["LineItems"][0]
        self.assertEqual((line["ItemCode"], line["LineAmount"]), ("BOOK", 125.0))
