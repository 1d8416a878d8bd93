"""No failure leaves a run, a connection or an organisation stuck: runs
always end with a state and a message, a dead process's run is closed by the
next one, one organisation's failure never stops the others, a missing
permission fails only what needs it, a send is a bounded slice with the
rest handed over, and deleting a document live in Xero removes it there."""

from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged

from odoo.addons.account_xero.sync import export as export_module
from odoo.addons.account_xero.sync.run import MANUAL_SLICE

from .common import DEMO
from .common_payments import XeroPaymentCase
from .faults import CrashAfterCall, FaultsMixin


@tagged("post_install", "-at_install")
class TestRunFailures(FaultsMixin, XeroPaymentCase):

    def runs(self, connection=None):
        return self.env["xero.sync.run"].search([("connection_id", "=", (connection or self.connection).id)])

    # ------------------------------------------------------------ runs end
    def test_run_of_a_dead_process_is_closed_as_interrupted_by_the_next(self):
        dead = self.env["xero.sync.run"].sudo().create({"connection_id": self.connection.id, "kind": "export"})
        paused = self.env["xero.sync.run"].sudo().create(
            {"connection_id": self.connection.id, "kind": "contacts", "resumable": True})
        self.xero_move("out_invoice")
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(dead.state, "failed")
        self.assertIn("Interrupted", dead.message)
        self.assertEqual(paused.state, "running", "a resumable import pausing between pages stays open")

    def test_unexpected_error_closes_the_run_with_a_message(self):
        self.xero_move("out_invoice")

        def boom(ctx):
            raise ZeroDivisionError("a defect")

        before = self.runs()
        raised = None
        with patch.object(export_module, "export_slice", boom):
            try:  # not assertRaises: its savepoint would undo the run's closing, the state under test
                self.xero_sync()
            except ZeroDivisionError as exc:
                raised = exc
        self.assertTrue(raised, "the defect is raised to the caller")
        run = self.runs() - before
        self.assertEqual(run.state, "failed")
        self.assertIn("unexpected error", run.message)
        self.assertTrue(run.date_end)

    def test_cron_isolates_organisations(self):
        """Three connections due; the second one's run raises: the third is synced."""
        companies = self.env["res.company"]
        for name in ("Iso One", "Iso Two", "Iso Three"):
            companies |= self.env["res.company"].create({"name": name, "currency_id": self.env.company.currency_id.id})
        connections = self.env["xero.connection"]
        for company in companies:
            tenant = self.emulator.add_organisation(company.name)
            connection = self.xero_connect(company, tenant_id=tenant)
            connection.write({"send_mode": "auto"})  # due now
            connections |= connection
        real = export_module.export_slice
        seen = []

        def flaky(ctx):
            seen.append(ctx.connection.company_id.name)
            if ctx.connection.company_id.name == "Iso Two":
                raise RuntimeError("organisation two breaks")
            return real(ctx)

        with patch.object(export_module, "export_slice", flaky):
            self.env["xero.connection"]._cron_xero_sync()
        self.assertIn("Iso Three", seen, "the loop went on after the second connection")
        states = {c.company_id.name: self.runs(c)[:1].state for c in connections}
        self.assertEqual(states, {"Iso One": "done", "Iso Two": "failed", "Iso Three": "done"})

    # ------------------------------------------------------------ permissions
    def test_missing_scope_fails_only_what_needs_it_and_keeps_the_connection(self):
        """The grant lacks accounting.payments: payments fail with a message
        saying to reconnect, invoices still go, nothing is disconnected."""
        self.connection.write({"send_payments": True, "import_payments": False})
        invoice = self.sent_document(100.0)
        payment = self.odoo_pay(invoice, 40.0)
        token = self.emulator.issue_token(
            client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id],
            scopes=["offline_access", "accounting.settings.read", "accounting.contacts", "accounting.invoices"])
        self.connection._xero_store_token(token)
        other = self.xero_move("out_invoice", lines=[{"price": 3.0}])
        run = self.xero_sync()
        row = self.env["xero.queue"].search([("res_model", "=", "account.payment"), ("res_id", "=", payment.id)])
        self.assertEqual(row.state, "failed")
        self.assertIn("lacks permission", row.message)
        self.assertIn("reconnect", row.message)
        self.assertEqual(other.xero_state, "sent", other.xero_message)
        self.assertEqual(self.connection.state, "connected")
        self.assertNotEqual(run.state, "failed", run.message)

    # ------------------------------------------------------------ slices
    def test_send_now_sends_a_bounded_slice_and_hands_the_rest_over(self):
        self.env["ir.config_parameter"].sudo().set_param("account_xero.batch_size", 1)
        moves = self.env["account.move"]
        for price in range(1, 9):
            moves |= self.xero_move("out_invoice", lines=[{"price": float(price)}])
        action = self.connection.action_send_now()
        sent = moves.filtered(lambda m: m.xero_state == "sent")
        self.assertEqual(len(sent), MANUAL_SLICE["batches"], "one slice: a few batches, well under a request's time")
        left = len(moves) - len(sent)
        self.assertIn(f"{left} more are on their way", action["params"]["message"])
        cron = self.env.ref("account_xero.ir_cron_xero_sync")
        self.assertTrue(cron.active, "a manual connection's handover still runs")
        self.assertTrue(self.connection.next_sync)
        self.env["xero.connection"]._cron_xero_sync()
        self.assertEqual(set(moves.mapped("xero_state")), {"sent"})
        self.assertFalse(self.connection.next_sync, "nothing left: the manual connection is not due any more")
        self.assertFalse(cron.active)

    def test_day_limit_on_a_manual_connection_resumes_by_itself(self):
        """Xero's day is spent: the run stops with when it resumes, and the
        scheduled action does resume it then, whatever the send mode."""
        self.xero_move("out_invoice")
        self.emulator.set_limits(day=0)
        self.addCleanup(self.emulator.set_limits, day=5000)
        run = self.xero_sync()
        self.assertEqual(run.state, "stopped", run.message)
        self.assertIn("resumes automatically", run.message)
        self.assertGreater(self.connection.next_sync, fields.Datetime.now())
        self.assertTrue(self.env.ref("account_xero.ir_cron_xero_sync").active)

    # ------------------------------------------------------------ deleting
    def test_deleting_a_draft_live_in_xero_voids_it_there(self):
        move = self.sent_document(100.0)
        move.button_draft()
        self.assertIn("voids it in Xero", move.xero_delete_warning)
        xero_id = move.xero_id
        move.unlink()
        row = self.env["xero.queue"].sudo().search([("action", "=", "void"), ("xero_ref", "!=", False)])
        self.assertEqual(row.xero_ref["xero_id"], xero_id)
        self.xero_sync()
        self.assertEqual(row.state, "sent", row.message)
        doc = next(d for d in self.xero_tenant()["Invoices"] if d["InvoiceID"] == xero_id)
        self.assertEqual(doc["Status"], "VOIDED")

    def test_no_reset_or_delete_while_its_request_waits_for_xero(self):
        move = self.xero_move("out_invoice")
        self.crash(self.fault_client(CrashAfterCall, crash_on="create_invoices"))
        self.assertEqual(move.xero_state, "sending")
        with self.assertRaisesRegex(UserError, "being sent to Xero right now"):
            move.button_draft()
        self.xero_sync()
        self.assertEqual(move.xero_state, "sent")
        move.button_draft()
        self.assertEqual(move.state, "draft")

    # ------------------------------------------------------------ a slice never loops
    def test_rows_an_exporter_leaves_waiting_are_taken_once_per_slice(self):
        """An exporter that leaves its rows waiting gets them once in a slice
        (the slice does not claim them again and again until its budget is
        spent); the next run sends them."""
        from odoo.addons.account_xero.sync.exporters.document import DocumentExporter

        moves = self.xero_move("out_invoice") | self.xero_move("out_invoice") | self.xero_move("out_invoice")
        batches = []
        with patch.object(DocumentExporter, "process", lambda exporter, rows: batches.append(rows.ids)):
            run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(len(batches), 1, f"claimed once, not once per batch of the budget: {batches}")
        self.assertEqual(sorted(batches[0]), sorted(moves.xero_queue_ids.ids))
        self.assertEqual(set(moves.xero_queue_ids.mapped("state")), {"waiting"})
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(set(moves.mapped("xero_state")), {"sent"}, moves.mapped("xero_message"))


@tagged("post_install", "-at_install")
class TestNeutralizedCopy(XeroPaymentCase):
    """A copy of production restored as a staging database never sends to
    production's organisation by surprise (Odoo's neutralization)."""

    def test_neutralized_copy_is_disconnected_and_quiet(self):
        self.connection.write({"send_mode": "auto"})
        move = self.xero_move("out_invoice")
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        conn = self.connection.sudo()
        self.assertEqual(conn.state, "disconnected")
        self.assertIn("Neutralized", conn.state_message)
        self.assertFalse(conn.refresh_token or conn.access_token)
        self.assertEqual(conn.send_mode, "manual")
        with self.assertRaisesRegex(UserError, "not connected to Xero"):
            conn.action_send_now()
        self.assertEqual(move.xero_state, "waiting", "kept, for when it is reconnected to a test organisation")

