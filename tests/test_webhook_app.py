"""The app's webhook URL (one URL and one key per Xero app), routing by
organisation, and how a body is read."""

import io
import logging
import time
import uuid
from unittest.mock import patch

from odoo.tests import BaseCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.account_xero.controllers.webhook_payload import (
    BodyRefused,
    MalformedPayload,
    parse_events,
    read_body,
)

from .webhook_common import APP_URL, KEY_A, KEY_C, XeroWebhookCase

ROUTE_LOGGER = "odoo.addons.account_xero.controllers.webhook"
MODEL_LOGGER = "odoo.addons.account_xero.models.xero_webhook_event"


@tagged("post_install", "-at_install")
class TestWebhookAppRoute(XeroWebhookCase):

    def _all_organisations(self):
        return [self.event("INVOICE", self.tenant_a), self.event("CONTACT", self.tenant_b),
                self.event("CREDITNOTE", self.tenant_c), self.event("INVOICE", self.tenant_d),
                self.event("INVOICE", self.tenant_x)]

    def test_events_routed_by_organisation_to_the_connections_of_the_key(self):
        events = self._all_organisations()
        body = self.payload(events)
        with self.assertLogs(MODEL_LOGGER, logging.INFO) as logs:
            self.assertEqual(self.raw_post(APP_URL, body, key=KEY_A), (200, b""))
        self.assertEqual(self.pending_rows(), {
            (self.conn_a.id, "INVOICE", events[0]["resourceId"]),
            (self.conn_b.id, "CONTACT", events[1]["resourceId"]),
        }, "C holds another app's key, D none, X is connected nowhere")
        self.assertIn("3 event(s) of 3 organisation(s) not connected with this key dropped", "\n".join(logs.output))
        # the same body signed with the other app's key reaches that app's connection only
        self.assertEqual(self.raw_post(APP_URL, body, key=KEY_C).status, 200)
        self.assertIn((self.conn_c.id, "CREDITNOTE", events[2]["resourceId"]), self.pending_rows())
        self.assertEqual(len(self.pending_rows()), 3)

    def test_unknown_key_refused_and_nothing_queued(self):
        body = self.payload(self._all_organisations())
        for signature in ({"key": "an-unknown-key"}, {"signature": ""}, {"signature": False}):
            self.assertEqual(self.raw_post(APP_URL, body, **signature), (401, b""))
        self.assertFalse(self.pending_rows())

    def test_intent_to_receive_on_the_app_url(self):
        for key in (KEY_A, KEY_C):
            result = self.emulator.send_intent_to_receive(self.base_url() + APP_URL, key)[0]
            self.assertTrue(result["ok"], result)
        result = self.emulator.send_intent_to_receive(self.base_url() + APP_URL, "not-a-key-of-odoo")[0]
        self.assertEqual((result["correct_signature_status"], result["wrong_signature_status"]), (401, 401))

    def test_emulator_delivers_two_organisations_to_one_url(self):
        """Xero (the emulator) posts the changes of both organisations of the
        app to the one URL; each reaches its own company's connection."""
        self.emulator.register_webhook(self.base_url() + APP_URL, KEY_A)
        changed = {}
        for conn in (self.conn_a, self.conn_b):
            client = conn._xero_client()
            contact = client.accounting("get_contacts").data["Contacts"][0]
            client.accounting("update_contact", contact["ContactID"],
                              {"Contacts": [{"ContactID": contact["ContactID"], "Website": "https://example.com"}]})
            changed[conn.id] = contact["ContactID"]
        self.assertTrue(self.emulator.webhooks.flush(10))
        delivered = [r for r in self.emulator.webhooks.records() if r["url"].endswith(APP_URL)]
        self.assertTrue(delivered and all(r["delivered"] for r in delivered), delivered)
        rows = self.pending_rows()
        self.assertIn((self.conn_a.id, "CONTACT", changed[self.conn_a.id]), rows)
        self.assertIn((self.conn_b.id, "CONTACT", changed[self.conn_b.id]), rows)
        self.assertFalse({r for r in rows if r[0] in (self.conn_c.id, self.conn_d.id)})

    def test_subscription_events_acknowledged_and_logged_not_queued(self):
        app_id, subscription_id = str(uuid.uuid4()), str(uuid.uuid4())
        event = self.event("SUBSCRIPTION", app_id, resource_id=subscription_id, tenantType="APPLICATION",
                           eventType="CREATE", resourceUrl=f"https://api.xero.com/appstore/2.0/Subscriptions/{subscription_id}")
        for url in (APP_URL, self.url_a):
            with self.assertLogs(ROUTE_LOGGER, logging.INFO) as logs:
                self.assertEqual(self.raw_post(url, self.payload([event])), (200, b""))
            self.assertIn(f"{subscription_id} CREATE (application {app_id})", "\n".join(logs.output))
        self.assertFalse(self.pending_rows())

    def test_connection_url_refuses_other_keys_and_unknown_connections(self):
        body = self.payload(self._all_organisations())
        for url, key in ((f"/xero/webhook/{self.conn_c.id}", KEY_A), (f"/xero/webhook/{self.conn_d.id}", ""),
                         ("/xero/webhook/99999999999999999999", KEY_A), ("/xero/webhook/0", KEY_A)):
            self.assertEqual(self.raw_post(url, body, key=key), (401, b""), url)
        self.assertEqual(self.raw_post(f"/xero/webhook/{self.conn_c.id}", body, key=KEY_C).status, 200)
        self.assertEqual({r[0] for r in self.pending_rows()}, {self.conn_c.id}, "its own organisation only")

    @mute_logger(ROUTE_LOGGER, "odoo.http")
    def test_oversized_body_refused_before_reading(self):
        """A declared length over the limit is answered without waiting for
        the body: a server reading it would see the half-closed socket and
        answer 400, not 413."""
        started = time.monotonic()
        self.assertEqual(self.raw_post(APP_URL, b"", framing=2**40), (413, b""))
        self.assertLess(time.monotonic() - started, 5)

    @mute_logger(ROUTE_LOGGER, "odoo.service.model", "odoo.sql_db")
    def test_retried_transaction_reuses_the_body(self):
        """Odoo calls the route again after a serialization failure; the
        stream is read by then: the body read the first time is used."""
        Event = type(self.env["xero.webhook.event"])
        queue = Event._xero_queue_events
        calls = []

        def conflict_once(self_, connection, events):
            calls.append(len(events))
            if len(calls) == 1:
                self_.env.cr.execute(SQL("DO $$ BEGIN RAISE EXCEPTION 'conflict' "
                                         "USING ERRCODE = 'serialization_failure'; END $$"))
            return queue(self_, connection, events)

        event = self.event()
        with patch.object(Event, "_xero_queue_events", conflict_once), patch("random.uniform", return_value=0):
            self.assertEqual(self.raw_post(self.url_a, self.payload([event])), (200, b""))
        self.assertEqual(calls, [1, 1])
        self.assertEqual(self.pending_rows(), {(self.conn_a.id, "INVOICE", event["resourceId"])})


class _Endless(io.RawIOBase):
    """A body that never ends (a chunked upload that goes on forever)."""

    def __init__(self):
        self.given = 0

    def readable(self):
        return True

    def readinto(self, buf):
        buf[:] = b"[" * len(buf)
        self.given += len(buf)
        return len(buf)


class _Untouchable(io.RawIOBase):
    def readinto(self, buf):
        raise AssertionError("the body was read")


@tagged("post_install", "-at_install")
class TestWebhookPayload(BaseCase):
    """The body reader and the payload checks, without HTTP."""

    def test_endless_body_read_up_to_the_limit_plus_one(self):
        stream = _Endless()
        with self.assertRaises(BodyRefused) as refused:
            read_body(stream, None, limit=200_000)
        self.assertEqual(refused.exception.status, 413)
        self.assertEqual(stream.given, 200_001)

    def test_declared_length_over_the_limit_reads_nothing(self):
        with self.assertRaises(BodyRefused) as refused:
            read_body(_Untouchable(), 200_001, limit=200_000)
        self.assertEqual(refused.exception.status, 413)
        self.assertEqual(read_body(io.BytesIO(b"x" * 200_000), None, limit=200_000), b"x" * 200_000)

    def test_events_reduced_to_the_keys_used(self):
        body = (b'{"events":[{"resourceId":"55d84274-a3da-4829-a7c0-0cab601b95cc","tenantId":'
                b'"aef86862-2015-4b6b-88bc-d89032cecc50","eventCategory":"CREDITNOTE","eventType":"CREATE",'
                b'"eventDateUtc":"2025-12-02T00:44:09.923","tenantType":"ORGANISATION","data":{"Type":"ACCPAYCREDIT"},'
                b'"resourceUrl":"https://api.xero.com/api.xro/2.0/CreditNotes/x"}],"firstEventSequence":76,'
                b'"lastEventSequence":76,"entropy":"FXNGWLCCGVANWHKILRUB"}')
        self.assertEqual(parse_events(body), [{
            "eventCategory": "CREDITNOTE", "eventType": "CREATE", "resourceId": "55d84274-a3da-4829-a7c0-0cab601b95cc",
            "tenantId": "aef86862-2015-4b6b-88bc-d89032cecc50", "eventDateUtc": "2025-12-02T00:44:09.923"}])
        for bad in (b"[" * 100_000, b'{"events":[],"events":[]}', b'{"events":[],"x":NaN}', b"\xff"):
            with self.assertRaises(MalformedPayload):
                parse_events(bad)
