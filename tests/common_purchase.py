"""Fixtures of the purchase order tests: the export fixtures (mapped demo
organisation, start date 2019-01-01) with purchase orders on, against the
emulator that validates every request and response against Xero's spec —
a test fails on any violation."""

from odoo import Command, fields

from .common_export import XeroExportCase


class XeroPurchaseMixin:
    """Purchase orders and their bills (``cls.connection``, AccountTestInvoicingCommon's data)."""

    @classmethod
    def xero_po(cls, partner=None, lines=None, confirm=True, **values):
        """A purchase order with ``lines``: dicts of ``product`` (default
        product_a), ``quantity``, ``price``, ``taxes`` (default tax_purchase_a),
        ``discount``, ``analytic`` (distribution), ``name``."""
        line_cmds = []
        for spec in [{"price": 100.0}] if lines is None else lines:
            product = spec.get("product") or cls.product_a
            line_cmds.append(Command.create({
                "product_id": product.id,
                "name": spec.get("name", product.display_name),
                "product_qty": spec.get("quantity", 1.0),
                "price_unit": spec["price"],
                "discount": spec.get("discount", 0.0),
                "taxes_id": [Command.set((spec["taxes"] if "taxes" in spec else cls.tax_purchase_a).ids)],
                "analytic_distribution": spec.get("analytic") or False,
                "date_planned": spec.get("date_planned", fields.Datetime.to_datetime("2019-04-01 10:00:00")),
            }))
        vals = {"partner_id": (partner or cls.partner_b).id, "order_line": line_cmds,
                "date_order": fields.Datetime.to_datetime("2019-03-15 09:00:00")}
        vals.update(values)
        order = cls.env["purchase.order"].create(vals)
        if confirm:
            order.button_confirm()
        return order

    @classmethod
    def xero_bill_from(cls, order, post=True, ref="SUP-INV-1", quantities=None):
        """The vendor bill Odoo makes from ``order`` (all that is to bill, or
        ``quantities`` per line)."""
        for line in order.order_line:
            line.qty_received = line.product_qty  # received: billable whatever the control policy
        action = order.action_create_invoice()
        bill = cls.env["account.move"].browse(action["res_id"])
        bill.write({"invoice_date": fields.Date.to_date("2019-03-20"), "ref": ref})
        if quantities:
            for line, quantity in zip(bill.invoice_line_ids, quantities, strict=False):
                line.quantity = quantity
        if post:
            bill.action_post()
        return bill

    def xero_orders(self):
        """``{number: [orders]}`` in the emulator (DELETED ones too: lists expose duplicates)."""
        found = {}
        for doc in self.xero_tenant().get("PurchaseOrders", []):
            found.setdefault(doc.get("PurchaseOrderNumber"), []).append(doc)
        return found

    def xero_order(self, order, xero_id=None):
        """The Xero purchase order bound to ``order`` (as stored in the emulator)."""
        xero_id = xero_id or order.xero_id
        docs = [d for d in self.xero_tenant().get("PurchaseOrders", []) if d["PurchaseOrderID"] == xero_id]
        self.assertEqual(len(docs), 1, f"{order.name} should be in Xero exactly once")
        return docs[0]

    def xero_set_status(self, order, status):
        """Someone changes the order's status in Xero (Xero's own rules apply)."""
        self.connection._xero_client().accounting(
            "update_purchase_order", order.xero_id, {"PurchaseOrders": [{"Status": status}]})


class XeroPurchaseCase(XeroPurchaseMixin, XeroExportCase):
    """Export fixtures with purchase orders on, against the validating emulator."""

    validate_spec = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"send_purchase_orders": True, "po_status": "AUTHORISED"})

    def setUp(self):
        super().setUp()
        self.addCleanup(self.assertSpecRespected)
