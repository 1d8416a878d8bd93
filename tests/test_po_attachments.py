"""Files bound per file *and* document: a purchase order's files go to the
order in Xero and to the bill made from it, within Xero's 10 files; the
bindings of the version before (one Xero file per Odoo file) migrate."""

import importlib.util
import os

from odoo.tests import tagged

from .common_purchase import XeroPurchaseCase

MIGRATION = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations", "18.0.1.2.0", "post-migrate.py")


@tagged("post_install", "-at_install")
class TestPurchaseOrderFiles(XeroPurchaseCase):

    def setUp(self):
        super().setUp()
        self.connection.export_attachments = True

    def attach(self, record, name, data=b"%PDF-1.4 file"):
        return self.env["ir.attachment"].create({"name": name, "raw": data, "res_model": record._name,
                                                 "res_id": record.id})

    def files(self, xero_id):
        return sorted(f["FileName"] for f in self.xero_tenant()["Attachments"].get(xero_id, []))

    def test_the_order_file_reaches_the_order_and_its_bill(self):
        order = self.xero_po()
        quote = self.attach(order, "quote.pdf")
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(self.files(order.xero_id), ["quote.pdf"])
        bill = self.xero_bill_from(order)
        self.attach(bill, "invoice.pdf")
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(self.files(bill.xero_id), ["invoice.pdf", "quote.pdf"], "its own file and its order's")
        bindings = self.env["xero.attachment.binding"].search([("attachment_id", "=", quote.id)])
        self.assertEqual(sorted(bindings.mapped("res_model")), ["account.move", "purchase.order"])
        self.assertEqual(len(set(bindings.mapped("xero_attachment_id"))), 2, "one Xero file per document")
        # a file added to the order later goes to the order and to its bill
        self.attach(order, "delivery-note.pdf")
        self.xero_sync()
        self.assertEqual(self.files(order.xero_id), ["delivery-note.pdf", "quote.pdf"])
        self.assertEqual(self.files(bill.xero_id), ["delivery-note.pdf", "invoice.pdf", "quote.pdf"])
        self.xero_sync()
        self.assertEqual(len(self.xero_tenant()["Attachments"][bill.xero_id]), 3, "nothing sent twice")

    def test_within_xeros_ten_files(self):
        order = self.xero_po()
        for i in range(7):
            self.attach(order, f"spec-{i}.pdf")
        self.xero_sync()
        bill = self.xero_bill_from(order)
        for i in range(5):
            self.attach(bill, f"scan-{i}.pdf")
        run = self.xero_sync()
        self.assertEqual(len(self.files(bill.xero_id)), 10)
        skipped = run.log_ids.filtered(lambda log: log.xero_object == "attachment" and log.state == "skipped")
        self.assertEqual(len(skipped), 2)
        self.assertIn("already has the 10 files Xero allows", skipped[0].message)

    def test_files_of_an_order_on_request_when_export_is_off(self):
        self.connection.export_attachments = False
        order = self.xero_po()
        self.attach(order, "quote.pdf")
        self.xero_sync()
        self.assertFalse(self.files(order.xero_id), "attachment export is off")
        result = order.action_xero_export_attachments()
        self.assertIn("0 failed", result["params"]["message"])
        self.assertEqual(self.files(order.xero_id), ["quote.pdf"])

    def test_migration_binds_the_old_ids_per_file_and_document(self):
        move = self.xero_move("in_invoice", partner=self.partner_b, ref="OLD-1")
        self.xero_sync()
        old = self.attach(move, "old.pdf")
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("ALTER TABLE ir_attachment ADD COLUMN xero_attachment_id varchar")
        cr.execute("UPDATE ir_attachment SET xero_attachment_id = 'OLD-ATTACHMENT-ID' WHERE id = %s", (old.id,))
        spec = importlib.util.spec_from_file_location("xero_migration_18_0_1_2_0", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(cr, "18.0.1.1.0")
        binding = self.env["xero.attachment.binding"].search([("attachment_id", "=", old.id)])
        self.assertEqual((binding.res_model, binding.res_id, binding.xero_attachment_id, binding.connection_id),
                         ("account.move", move.id, "OLD-ATTACHMENT-ID", self.connection))
        cr.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'ir_attachment' "
                   "AND column_name = 'xero_attachment_id'")
        self.assertFalse(cr.fetchone(), "the old column is gone")
        module.migrate(cr, "18.0.1.1.0")  # run twice: nothing happens
