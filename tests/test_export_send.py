"""Send to Xero end to end: real Odoo documents, the local Xero over HTTP."""

import base64
import logging
import time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common_export import DEMO, XeroExportCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestExportSend(XeroExportCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2019-01-01", 0.92)])
        cls.north = {cls.analytic[("Region", "North")].id: 100.0}
        cls.ops = {cls.analytic[("Department", "Operations")].id: 100.0}

    def calls(self):
        return self.emulator.counters().get(DEMO.tenant_id, {}).get("total_calls", 0)

    def every_document_type(self):
        return {
            "invoice": self.xero_move("out_invoice", ref="PO-1", lines=[
                {"name": "Design", "price": 1250.0, "quantity": 3, "discount": 10.0, "analytic": self.north},
                {"name": "Hosting", "price": 19.95, "quantity": 12,
                 "account": self.product_b.property_account_income_id, "analytic": {**self.north, **self.ops}},
            ]),
            "bill": self.xero_move("in_invoice", partner=self.partner_b, ref="SUP-118", lines=[
                {"name": "Paper", "price": 12.5, "quantity": 40},
                {"name": "Toner", "price": 89.99, "quantity": 2,
                 "account": self.product_b.property_account_expense_id, "analytic": self.ops},
            ]),
            "refund": self.xero_move("out_refund", lines=[{"name": "Return", "price": 250.0, "quantity": 2}]),
            "vendor_refund": self.xero_move("in_refund", partner=self.partner_b, ref="SUP-CN-9",
                                            lines=[{"name": "Damaged", "price": 89.99}]),
            "eur_invoice": self.xero_move("out_invoice", currency_id=self.eur.id,
                                          lines=[{"name": "Licence", "price": 999.99}]),
        }

    def assertSameInXero(self, move, doc):
        """Totals, number, account codes, taxes and tracking as in Odoo."""
        lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product").sorted("sequence")
        self.assertEqual(doc["Total"], move.amount_total, move.name)
        self.assertEqual(doc["TotalTax"], move.amount_tax, move.name)
        self.assertEqual(doc["SubTotal"], move.amount_untaxed, move.name)
        self.assertEqual(doc["CurrencyCode"], move.currency_id.name)
        self.assertEqual(len(doc["LineItems"]), len(lines))
        for line, xline in zip(lines, doc["LineItems"], strict=True):
            code = line.account_id.with_company(move.company_id).xero_code
            self.assertEqual(xline["AccountCode"], code)
            self.assertEqual(xline["TaxType"], "OUTPUT" if move.move_type.startswith("out") else "INPUT")
            self.assertEqual(xline["LineAmount"], line.price_subtotal)
            self.assertEqual(xline["TaxAmount"], round(line.price_total - line.price_subtotal, 2))
            expected = {(self.env["account.analytic.account"].browse(int(k)).plan_id.name,
                         self.env["account.analytic.account"].browse(int(k)).name)
                        for k in (line.analytic_distribution or {})}
            self.assertEqual({(t["Name"], t["Option"]) for t in xline["Tracking"]}, expected)

    # ------------------------------------------------------------ acceptance 1
    def test_every_document_type_reaches_xero_identical(self):
        moves = self.every_document_type()
        self.assertEqual({move.xero_state for move in moves.values()}, {"waiting"})
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        for key, move in moves.items():
            self.assertEqual((move.xero_state, move.xero_remote_status), ("sent", "AUTHORISED"), key)
            doc = self.xero_doc(move)
            self.assertSameInXero(move, doc)
            self.assertEqual(doc["Status"], "AUTHORISED")
            self.assertEqual(doc["Url"], f"http://odoo.test/odoo/account.move/{move.id}")
            self.assertIn("Sent to Xero", move.message_ids[0].body)
        self.assertEqual(self.xero_doc(moves["invoice"])["InvoiceNumber"], moves["invoice"].name)
        self.assertEqual(self.xero_doc(moves["invoice"])["Reference"], "PO-1")
        self.assertEqual(self.xero_doc(moves["bill"])["InvoiceNumber"], "SUP-118")
        self.assertEqual(self.xero_doc(moves["refund"])["CreditNoteNumber"], moves["refund"].name)
        self.assertEqual(self.xero_doc(moves["vendor_refund"])["CreditNoteNumber"], "SUP-CN-9")
        self.assertEqual(self.xero_doc(moves["eur_invoice"])["CurrencyRate"], 0.92)
        self.assertEqual(moves["invoice"].xero_id, self.xero_doc(moves["invoice"])["InvoiceID"])
        # queue, log and history
        rows = self.env["xero.queue"].search([("move_id", "in", [m.id for m in moves.values()])])
        self.assertEqual(set(rows.mapped("state")), {"sent"})
        logs = run.log_ids.filtered(lambda log: log.xero_object in ("invoice", "credit_note"))
        self.assertEqual(len(logs), 5)
        self.assertEqual(set(logs.mapped("state")), {"done"})
        # 1 contacts request, then Invoices PUT and CreditNotes PUT
        self.assertEqual(run.api_calls, 3)
        routes = self.emulator.counters()[DEMO.tenant_id]["calls_by_route"]
        self.assertEqual((routes.get("PUT /Invoices"), routes.get("PUT /CreditNotes")), (1, 1))

        # re-sending unchanged documents makes no call
        before = self.calls()
        moves["invoice"].write({"ref": "PO-1"})
        for move in moves.values():
            move.action_xero_send()
        run2 = self.xero_sync()
        self.assertEqual((self.calls(), run2.api_calls), (before, 0))
        self.assertEqual(len(self.xero_docs()[moves["invoice"].name]), 1)

    def test_change_on_a_posted_document_updates_it(self):
        move = self.xero_move("out_invoice", ref="PO-1")
        self.xero_sync()
        xero_id = move.xero_id
        move.ref = "PO-2"
        self.assertEqual(move.xero_state, "waiting")
        self.xero_sync()
        doc = self.xero_doc(move)
        self.assertEqual((doc["InvoiceID"], doc["Reference"]), (xero_id, "PO-2"))
        routes = self.emulator.counters()[DEMO.tenant_id]["calls_by_route"]
        self.assertEqual(routes.get("POST /Invoices"), 1, "an update goes by POST with the id")

    def test_reset_to_draft_then_post_updates_the_same_document(self):
        move = self.xero_move("out_invoice", lines=[{"price": 100.0}])
        self.xero_sync()
        xero_id = move.xero_id
        move.button_draft()
        self.assertEqual(move.xero_state, "sent", "nothing is sent while it is a draft again")
        self.assertIn("is updated when this document is posted again", move.message_ids[0].body)
        move.invoice_line_ids[0].price_unit = 200.0
        move.action_post()
        self.assertEqual(move.xero_state, "waiting")
        self.xero_sync()
        doc = self.xero_doc(move)
        self.assertEqual((doc["InvoiceID"], doc["Total"]), (xero_id, 230.0))
        self.assertEqual(len(self.xero_docs()[move.name]), 1)

    def test_cancel_voids_an_approved_document_and_deletes_a_draft(self):
        approved = self.xero_move("out_invoice")
        refund = self.xero_move("in_refund", partner=self.partner_b, ref="CN-1")
        self.xero_sync()
        self.connection.invoice_status = "DRAFT"
        draft = self.xero_move("out_invoice")
        self.xero_sync()
        self.assertEqual(draft.xero_remote_status, "DRAFT")
        (approved | refund | draft).button_cancel()
        self.assertEqual(set((approved | refund | draft).mapped("xero_state")), {"waiting"})
        self.assertEqual(set(approved.xero_queue_ids.mapped("action")), {"upsert", "void"})
        self.assertEqual(set(draft.xero_queue_ids.mapped("action")), {"upsert", "delete"})
        self.xero_sync()
        self.assertEqual(self.xero_doc(approved)["Status"], "VOIDED")
        self.assertEqual(self.xero_doc(refund)["Status"], "VOIDED")
        self.assertEqual(self.xero_doc(draft)["Status"], "DELETED")
        self.assertEqual(approved.xero_remote_status, "VOIDED")
        self.assertEqual(approved.xero_state, "sent")
        # posted again after the void: a new document in Xero
        approved.button_draft()
        approved.action_post()
        self.xero_sync()
        self.assertEqual(approved.xero_state, "failed", "Xero keeps the voided invoice's number")
        self.assertIn("Xero already has a document numbered", approved.xero_message)

    def test_paid_documents_are_refused(self):
        move = self.xero_move("out_invoice", lines=[{"price": 100.0}])
        self.xero_sync()
        client = self.connection._xero_client()
        client.accounting("create_payments", {"Payments": [{
            "Invoice": {"InvoiceID": move.xero_id}, "Account": {"Code": "090"}, "Amount": 20.0,
            "Date": "2019-03-20"}]})
        move.button_cancel()
        self.xero_sync()
        row = move.xero_queue_ids.filtered(lambda r: r.action == "void")
        self.assertEqual(row.state, "failed")
        self.assertIn("has payments or credit notes allocated in Xero", row.message)
        self.assertEqual(self.xero_doc(move)["Status"], "AUTHORISED")
        # known paid: refused in Odoo right away
        other = self.xero_move("out_invoice")
        other.sudo().xero_remote_status = "PAID"  # as Xero told the sync
        with self.assertRaisesRegex(UserError, "is paid in Xero"):
            other.button_cancel()
        with self.assertRaisesRegex(UserError, "is paid in Xero"):
            other.button_draft()

    def test_status_setting(self):
        for status in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            self.connection.invoice_status = status
            move = self.xero_move("out_invoice")
            self.xero_sync()
            self.assertEqual(self.xero_doc(move)["Status"], status)

    def test_out_of_scope_and_server_action(self):
        old = self.xero_move("out_invoice", invoice_date=fields.Date.from_string("2018-06-30"))
        draft = self.xero_move("out_invoice", post=False)
        good = self.xero_move("out_invoice")
        self.assertEqual((old.xero_state, draft.xero_state, good.xero_state), ("none", "none", "waiting"))
        result = (old | draft | good).action_xero_send()
        message = result["params"]["message"]
        self.assertIn("before the import start date", message)
        self.assertIn("is not posted", message)
        self.assertEqual(good.xero_state, "sent")
        self.assertEqual(len(self.xero_tenant()["Invoices"]), 1)
        result = good.action_xero_send()
        self.assertIn("already in Xero and unchanged", result["params"]["message"])
        server_action = self.env.ref("account_xero.action_server_xero_send")
        self.assertEqual(server_action.binding_model_id.model, "account.move")
        self.assertIn("before the connection's import start date", " ".join(str(server_action.help).split()))

    def test_attachments(self):
        self.connection.export_attachments = True
        move = self.xero_move("in_invoice", partner=self.partner_b, ref="SUP-A")
        Attachment = self.env["ir.attachment"]

        def attach(name, data):
            return Attachment.create({"name": name, "raw": data, "res_model": "account.move", "res_id": move.id})

        pdf = attach("scan.pdf", b"%PDF-1.4 scan")
        attach("virus.exe", b"MZ...")
        attach("scan.pdf", b"%PDF-1.4 another scan with the same name")
        attach("huge.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024 + 10))
        run = self.xero_sync()
        files = self.xero_tenant()["Attachments"][move.xero_id]
        self.assertEqual(sorted(f["FileName"] for f in files), ["scan (2).pdf", "scan.pdf"])
        binding = self.env["xero.attachment.binding"].search([("attachment_id", "=", pdf.id)])
        self.assertEqual((binding.res_model, binding.res_id), ("account.move", move.id))
        self.assertIn(binding.xero_attachment_id, [f["AttachmentID"] for f in files])
        skipped = run.log_ids.filtered(lambda log: log.xero_object == "attachment" and log.state == "skipped")
        self.assertEqual(len(skipped), 2)
        self.assertIn("does not accept .exe files", " ".join(skipped.mapped("message")))
        self.assertIn("more than the 10 MB", " ".join(skipped.mapped("message")))
        row = move.xero_queue_ids.filtered(lambda r: r.action == "attachments")
        self.assertEqual(row.state, "sent")
        self.assertIn("2 file(s) sent, 2 skipped", row.message)
        # a later file goes with the next sync, alone
        attach("delivery.png", base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="))
        self.assertEqual(move.xero_queue_ids.filtered(
            lambda r: r.action == "attachments" and r.state == "waiting").move_id, move)
        before = self.emulator.counters()[DEMO.tenant_id]["calls_by_route"].get(
            "PUT /Invoices/{InvoiceID}/Attachments/{FileName}")
        self.xero_sync()
        after = self.emulator.counters()[DEMO.tenant_id]["calls_by_route"].get(
            "PUT /Invoices/{InvoiceID}/Attachments/{FileName}")
        self.assertEqual(after - before, 1)
        self.assertEqual(len(self.xero_tenant()["Attachments"][move.xero_id]), 3)

    def test_export_attachments_action_when_export_is_off(self):
        move = self.xero_move("out_invoice")
        self.env["ir.attachment"].create({"name": "po.pdf", "raw": b"%PDF po", "res_model": "account.move",
                                          "res_id": move.id})
        self.xero_sync()
        self.assertFalse(self.xero_tenant()["Attachments"].get(move.xero_id), "attachment export is off")
        not_sent = self.xero_move("out_invoice", post=False)
        result = (move | not_sent).action_xero_export_attachments()
        self.assertIn("is not posted", result["params"]["message"])
        self.assertEqual([f["FileName"] for f in self.xero_tenant()["Attachments"][move.xero_id]], ["po.pdf"])

    def test_dry_run_calls_nothing(self):
        self.connection.rounding_account_id = False
        good = self.xero_move("out_invoice")
        bad_tax = self.tax_sale_a.copy({"name": "Unmapped tax"})
        bad = self.xero_move("out_invoice", lines=[{"price": 10.0, "taxes": bad_tax}])
        before = self.calls()
        wizard = self.env["xero.dry.run"].browse(self.connection.action_xero_dry_run()["res_id"])
        self.assertEqual(self.calls(), before)
        outcomes = {line.record_name: line.outcome for line in wizard.line_ids}
        self.assertEqual(outcomes[good.name], "create")
        self.assertEqual(outcomes[bad.name], "fail")
        self.assertEqual(outcomes[self.partner_a.display_name], "contact")
        self.assertIn("Unmapped tax is not mapped", wizard.line_ids.filtered(
            lambda line: line.record_name == bad.name).message)
        self.assertEqual(wizard.estimated_calls, 2)
        self.assertEqual((good.xero_state, bad.xero_state), ("waiting", "waiting"), "the dry run changed nothing")

    def test_cron_and_schedule(self):
        cron = self.env.ref("account_xero.ir_cron_xero_sync")
        self.assertFalse(cron.active)
        self.connection.write({"send_mode": "auto", "sync_interval": 2})
        self.assertTrue(cron.active)
        self.assertTrue(self.connection.next_sync)
        move = self.xero_move("out_invoice")
        self.env["xero.connection"]._cron_xero_sync()
        self.assertEqual(move.xero_state, "sent")
        run = self.env["xero.sync.run"].search([("connection_id", "=", self.connection.id)], limit=1)
        self.assertEqual(run.trigger, "auto")
        hours = (self.connection.next_sync - fields.Datetime.now()).total_seconds() / 3600
        self.assertAlmostEqual(hours, 2, delta=0.1)
        self.connection.send_mode = "manual"
        self.assertFalse(cron.active)
        self.assertFalse(self.connection.next_sync)

    def test_one_sync_at_a_time(self):
        self.xero_move("out_invoice")
        with self.connection._xero_sync_lock() as locked:
            self.assertTrue(locked)
            with self.assertRaisesRegex(UserError, "already running"):
                self.connection.action_send_now()
        self.connection.action_send_now()
        self.assertEqual(len(self.xero_tenant()["Invoices"]), 1)

    def test_alert_once_per_run_lists_failed_documents(self):
        self.connection.write({"alert_mode": "both", "alert_emails": "books@example.com"})
        bad_tax = self.tax_sale_a.copy({"name": "Unmapped tax"})
        bad1 = self.xero_move("out_invoice", lines=[{"price": 10.0, "taxes": bad_tax}])
        bad2 = self.xero_move("in_invoice", partner=self.partner_b, ref="X",
                              lines=[{"price": 10.0, "taxes": bad_tax}])
        self.xero_move("out_invoice")
        mails_before = self.env["mail.mail"].search_count([("email_to", "=", "books@example.com")])
        run = self.xero_sync()
        self.assertEqual((run.count_failed, run.state), (2, "partial"))
        mails = self.env["mail.mail"].search([("email_to", "=", "books@example.com")])
        self.assertEqual(len(mails) - mails_before, 1)
        self.assertIn(bad1.name, mails[0].body_html)
        self.assertIn(bad2.name, mails[0].body_html)
        note = self.connection.message_ids[0]
        self.assertIn("2 failure(s)", note.body)

    def test_day_limit_stops_cleanly_and_resumes(self):
        moves = [self.xero_move("out_invoice") for _i in range(3)]
        self.env["ir.config_parameter"].sudo().set_param("account_xero.batch_size", 1)
        self.emulator.set_limits(day=2)  # the contact, then one invoice
        run = self.xero_sync()
        self.assertEqual(run.state, "stopped", run.message)
        self.assertIn("resumes automatically after", run.message)
        self.assertEqual(moves[0].xero_state, "sent")
        self.assertEqual({m.xero_state for m in moves[1:]} - {"sending"}, {"waiting"},
                         "the refused request is replayed as is by the next run")
        self.assertGreater(self.connection.next_sync, fields.Datetime.now())
        self.emulator.set_limits(day=5000)
        self.xero_sync()
        self.assertEqual([m.xero_state for m in moves], ["sent"] * 3)
        self.assertEqual(self.connection.day_calls_remaining, 5000 - 4)

    def test_dashboard_and_smart_button(self):
        move = self.xero_move("out_invoice")
        self.assertEqual(self.connection.count_waiting, 1)
        self.xero_sync()
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.count_waiting, 0)
        self.assertEqual(self.connection.count_sent_today, 2, "the contact and the invoice")
        action = self.connection.action_view_sent()
        self.assertEqual(self.env["xero.queue"].search(action["domain"]).move_id, move)
        self.assertNotIn("search_default_pending", action.get("context", {}))
        action = move.action_xero_open_queue()
        self.assertEqual(self.env["xero.queue"].search(action["domain"]).move_id, move)
        runs = self.env["xero.sync.run"].search(self.connection.action_view_runs()["domain"] +
                                                [("operation", "=", "Send to Xero")])
        self.assertEqual(runs.trigger, "manual")
        self.assertEqual(runs.user_id, self.env.user)

    def test_ten_files_per_document(self):
        self.connection.export_attachments = True
        move = self.xero_move("out_invoice")
        for i in range(12):
            self.env["ir.attachment"].create({"name": f"note-{i:02d}.txt", "raw": b"note %d" % i,
                                              "res_model": "account.move", "res_id": move.id})
        self.xero_sync()
        self.assertEqual(len(self.xero_tenant()["Attachments"][move.xero_id]), 10)
        row = move.xero_queue_ids.filtered(lambda r: r.action == "attachments")
        self.assertIn("10 file(s) sent, 2 skipped", row.message)
        self.assertIn("note-11.txt: the document already has the 10 files Xero allows", row.message)

    def test_an_invoicing_user_sends(self):
        """Not an administrator: bookkeepers post and send; queue, log and run are written for them."""
        user = new_test_user(self.env, "xero_bookkeeper", groups="account.group_account_invoice",
                             company_id=self.env.company.id, company_ids=[Command.set(self.env.company.ids)])
        move = self.xero_move("out_invoice", post=False).with_user(user)
        move.action_post()
        self.assertEqual(move.xero_state, "waiting")
        result = move.action_xero_send()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(move.xero_state, "sent")
        self.assertEqual(move.action_xero_open_queue()["res_model"], "xero.queue")
        self.assertTrue(self.env["xero.sync.log"].with_user(user).search([("res_id", "=", move.id)]))
        wizard = self.env["xero.dry.run"].with_user(user).browse(
            self.connection.with_user(user).action_xero_dry_run()["res_id"])
        self.assertEqual(wizard.summary, "Nothing is due.")

    def test_batches_of_fifty(self):
        moves = self.env["account.move"]
        for i in range(101):
            moves |= self.xero_move("out_invoice", lines=[{"price": 10.0 + i}])
        start = time.monotonic()
        run = self.xero_sync()
        _logger.info("101 invoices sent in %.2f s (%s calls)", time.monotonic() - start, run.api_calls)
        self.assertEqual(set(moves.mapped("xero_state")), {"sent"})
        routes = self.emulator.counters()[DEMO.tenant_id]["calls_by_route"]
        self.assertEqual(routes["PUT /Invoices"], 3, "50 + 50 + 1")
        self.assertEqual(run.api_calls, 4, "one request for the contact, three for the invoices")
        self.assertEqual(len(self.xero_tenant()["Invoices"]), 101)
