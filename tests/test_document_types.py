"""Documents to send: a type turned off queues no new document of it and
says what already waits; documents of it already in Xero keep getting
their updates, voids, payments and files."""

from odoo.tests import Form, tagged

from .common_export import XeroExportCase


@tagged("post_install", "-at_install")
class TestDocumentTypes(XeroExportCase):

    def test_a_type_turned_off_sends_no_new_document_of_it(self):
        self.connection.send_invoices = False
        invoice = self.xero_move("out_invoice")
        bill = self.xero_move("in_invoice", partner=self.partner_b, ref="SUP-77")
        self.assertEqual((invoice.xero_state, bill.xero_state), ("none", "waiting"), "invoices are not queued")
        result = invoice.action_xero_send()
        self.assertIn("customer invoices are turned off in the Xero settings", result["params"]["message"])
        self.xero_sync()
        self.assertEqual(list(self.xero_docs()), ["SUP-77"], "the bill only")

    def test_documents_in_xero_keep_their_updates_voids_and_files(self):
        invoice = self.xero_move("out_invoice", ref="FIRST")
        self.xero_sync()
        self.connection.write({"send_invoices": False, "export_attachments": True})
        invoice.button_draft()
        invoice.ref = "SECOND"
        invoice.action_post()
        self.env["ir.attachment"].create({"name": "proof.pdf", "raw": b"%PDF proof", "res_model": "account.move",
                                          "res_id": invoice.id})
        self.xero_sync()
        doc = self.xero_doc(invoice)
        self.assertEqual(doc["Reference"], "SECOND", "updated")
        self.assertEqual([f["FileName"] for f in self.xero_tenant()["Attachments"][invoice.xero_id]], ["proof.pdf"])
        invoice.button_cancel()
        self.xero_sync()
        self.assertEqual(self.xero_doc(invoice)["Status"], "VOIDED", "voided")

    def test_turning_a_type_off_says_what_already_waits(self):
        sent = self.xero_move("out_invoice")
        self.xero_sync()
        sent.button_draft()
        sent.ref = "CHANGED"
        sent.action_post()  # an update waits for a document in Xero
        new = self.xero_move("out_invoice")
        self.assertEqual((sent.xero_state, new.xero_state), ("waiting", "waiting"))
        with self.assertLogs("odoo.tests.form.onchange", level="WARNING") as logs, \
                Form(self.env["res.config.settings"]) as settings:
            settings.xero_send_invoices = False
        expected = ("2 of these documents already wait to be sent: the 1 not in Xero yet will not be sent; the 1 "
                    "already in Xero keep")
        self.assertTrue([line for line in logs.output if expected in line], logs.output)
        self.assertFalse(self.connection.send_invoices)
        self.xero_sync()
        self.assertEqual(new.xero_state, "skipped")
        self.assertIn("turned off", new.xero_message)
        self.assertEqual(self.xero_doc(sent)["Reference"], "CHANGED")

    def test_setup_wizard_warns_too(self):
        self.xero_move("in_refund", partner=self.partner_b, ref="CN-1")
        wizard = self.env["xero.setup.wizard"].browse(self.connection.action_open_setup_wizard()["res_id"])
        wizard.send_credit_notes = False
        warning = wizard._onchange_documents()["warning"]
        self.assertIn("1 of these documents already wait", warning["message"])
