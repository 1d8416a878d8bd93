"""The outbox: a key is bound to the exact bytes first sent with it and is
unique to this copy of the database; every object has a look-up for when
Xero forgot a key. Checked at the wire, with the emulator's request log."""

from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_payments import XeroPaymentCase
from .faults import CrashAfterCall, FaultsMixin


@tagged("post_install", "-at_install")
class TestOutbox(FaultsMixin, XeroPaymentCase):

    def requests(self, method, path_end, since=0):
        return [r for r in self.emulator.requests(since) if r["method"] == method and r["path"].endswith(path_end)]

    def mark(self):
        entries = self.emulator.requests()
        return entries[-1]["seq"] if entries else 0

    def stale(self, rows):
        """The rows' request left 2 days ago, and Xero forgot its key."""
        rows.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        rows.request_id.sudo().write({"sent_at": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()

    # ------------------------------------------------------------ the demo failure
    def test_replay_after_a_row_of_the_request_was_deleted_sends_the_original_body(self):
        """The demo's "Idempotency-Key has already been used for a different
        request": a request in flight lost one of its rows, and the replay
        rebuilt the body from the rows left. The replay now sends the body as
        it was first sent, byte for byte, and Xero answers what it answered."""
        moves = self.xero_move("out_invoice", lines=[{"price": 11.0}]) \
            | self.xero_move("out_invoice", lines=[{"price": 12.0}]) \
            | self.xero_move("out_invoice", lines=[{"price": 13.0}])
        start = self.mark()
        self.crash(self.fault_client(CrashAfterCall, crash_on="create_invoices"))
        rows = moves.xero_queue_ids.filtered(lambda r: r.state == "sending")
        self.assertEqual(len(rows), 3)
        self.assertEqual(len(rows.request_id), 1, "one request carries the three")
        first = self.requests("PUT", "/Invoices", start)
        self.assertEqual(len(first), 1)
        gone = rows[1]
        kept = moves - gone.move_id
        gone.sudo().unlink()  # a row of the request disappears
        run = self.xero_sync()
        self.assertNotIn("already been used", run.message or "")
        replay = [r for r in self.requests("PUT", "/Invoices", start)
                  if r["idempotency_key"] == first[0]["idempotency_key"]]
        self.assertEqual(len(replay), 2, "sent, then replayed under the same key")
        self.assertEqual(replay[1]["body_sha256"], replay[0]["body_sha256"], "the very same bytes")
        self.assertEqual(replay[1]["status"], 200)
        for move in kept:
            self.assertEqual(move.xero_state, "sent", move.xero_message)
            self.xero_doc(move)  # bound, and in Xero once
        numbers = moves.mapped("name")
        in_xero = [d for d in self.xero_tenant()["Invoices"] if d["InvoiceNumber"] in numbers]
        self.assertEqual(len(in_xero), 3, "Xero created each invoice once")

    def test_keys_are_random_and_never_reused(self):
        """A key is unique to this copy of the database: not derived from its
        uuid or row ids (a restored copy shares those), never used twice."""
        move = self.xero_move("out_invoice")
        self.xero_sync()
        request = move.xero_queue_ids.request_id
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        self.assertTrue(request.key.startswith("odoo-"))
        self.assertNotIn(dbuuid.replace("-", "")[:12], request.key)
        keys = {r["idempotency_key"] for r in self.emulator.requests() if r["idempotency_key"]}
        requests = self.env["xero.request"].sudo().search([("connection_id", "=", self.connection.id)])
        self.assertEqual(len(keys), len(requests), "one key per request")
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                requests[:1].copy({"key": requests[1:2].key or requests[:1].key})

    def test_rows_in_flight_before_the_outbox_stored_requests_replay_byte_for_byte(self):
        """Rows left ``sending`` by the previous version (a key and a payload
        on each row, no request) are replayed as that version sent them."""
        moves = self.xero_move("out_invoice", lines=[{"price": 21.0}]) \
            | self.xero_move("out_invoice", lines=[{"price": 22.0}])
        start = self.mark()
        self.crash(self.fault_client(CrashAfterCall, crash_on="create_invoices"))
        rows = moves.xero_queue_ids.filtered(lambda r: r.state == "sending")
        key = rows.request_id.key
        rows.request_id.sudo().unlink()  # the shape the previous version left
        self.assertFalse(rows.request_id)
        self.assertEqual(set(rows.mapped("idempotency_key")), {key})
        self.xero_sync()
        sent = [r for r in self.requests("PUT", "/Invoices", start) if r["idempotency_key"] == key]
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[1]["body_sha256"], sent[0]["body_sha256"])
        for move in moves:
            self.assertEqual(move.xero_state, "sent", move.xero_message)
            self.xero_doc(move)

    # ------------------------------------------------------------ look-ups
    def test_payment_whose_answer_was_lost_and_key_forgotten_is_found_not_duplicated(self):
        self.connection.write({"send_payments": True, "import_payments": False})
        invoice = self.sent_document(100.0)
        payment = self.odoo_pay(invoice, 40.0)
        self.crash(self.fault_client(CrashAfterCall, crash_on="create_payments"))
        row = self.env["xero.queue"].search([("res_model", "=", "account.payment"), ("res_id", "=", payment.id)])
        self.assertEqual(row.state, "sending")
        self.stale(row)
        puts = self.route_calls("PUT /Payments")
        self.xero_sync()
        self.assertEqual(row.state, "sent", row.message)
        live = [p for p in self.xero_payments(invoice) if p["Status"] != "DELETED"]
        self.assertEqual(len(live), 1, "found in Xero, not paid twice")
        self.assertEqual(payment.xero_payment_id, live[0]["PaymentID"])
        self.assertEqual(self.route_calls("PUT /Payments"), puts, "nothing sent again")

    def test_contact_whose_answer_was_lost_and_key_forgotten_ends_linked(self):
        partner = self.env["res.partner"].create({"name": "Lost Answer Ltd", "is_company": True})
        move = self.xero_move("out_invoice", partner=partner)
        self.crash(self.fault_client(CrashAfterCall, crash_on="update_or_create_contacts"))
        row = self.env["xero.queue"].sudo().search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id),
                                                    ("action", "=", "contact")])
        self.assertEqual(row.state, "sending")
        self.stale(row)
        self.xero_sync()
        self.assertEqual(row.state, "sent", row.message)
        named = [c for c in self.xero_tenant()["Contacts"] if c["Name"] == "Lost Answer Ltd"]
        self.assertEqual(len(named), 1, "linked, not created twice nor refused as a duplicate name")
        self.assertEqual(partner.with_company(self.env.company).xero_contact_id, named[0]["ContactID"])
        self.assertEqual(move.xero_state, "sent", move.xero_message)

    def test_contact_replayed_from_an_earlier_process_and_changed_since_is_updated_with_its_document(self):
        """A run does not check again a contact it sent itself, but one whose
        request an earlier process sent is replayed as it was then: when the
        partner changed since (contact push off), the change still travels
        with the document, in the same run."""
        self.assertFalse(self.connection.push_contacts)
        partner = self.env["res.partner"].create({"name": "Replayed Ltd", "is_company": True,
                                                  "email": "old@replayed.example.com"})
        move = self.xero_move("out_invoice", partner=partner)
        self.crash(self.fault_client(CrashAfterCall, crash_on="update_or_create_contacts"))
        partner.write({"email": "new@replayed.example.com"})
        start = self.mark()
        self.xero_sync()
        self.assertEqual(move.xero_state, "sent", move.xero_message)
        named = [c for c in self.xero_tenant()["Contacts"] if c["Name"] == "Replayed Ltd"]
        self.assertEqual(len(named), 1)
        self.assertEqual(named[0]["EmailAddress"], "new@replayed.example.com", "the change went with the document")
        self.assertEqual(len(self.requests("POST", "/Contacts", start)), 2, "the replay, then the change")

    def test_void_whose_answer_was_lost_and_key_forgotten_ends_sent(self):
        move = self.sent_document(100.0)
        move.button_cancel()
        self.crash(self.fault_client(CrashAfterCall, crash_on="update_or_create_invoices"))
        row = move.xero_queue_ids.filtered(lambda r: r.action == "void")
        self.assertEqual(row.state, "sending")
        self.assertEqual(self.xero_doc(move)["Status"], "VOIDED")
        self.stale(row)
        posts = self.route_calls("POST /Invoices")
        self.xero_sync()
        self.assertEqual(row.state, "sent", row.message)
        self.assertEqual(move.xero_remote_status, "VOIDED")
        self.assertEqual(self.route_calls("POST /Invoices"), posts, "found voided: nothing sent again")
