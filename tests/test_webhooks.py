"""Xero webhooks: signature, handshake, malformed bodies, floods, targeted fetch."""

import json
import time
import uuid

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.account_xero.controllers.webhook import xero_signature

from .common import DEMO, XeroMixin, get_emulator

ROUTE_LOGGER = "odoo.addons.account_xero.controllers.webhook"


@tagged("post_install", "-at_install")
class TestWebhooks(XeroMixin, HttpCase):
    """The public endpoint over real HTTP (Odoo's test server)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.connection = cls.xero_connect(cls.env.company, webhook_key=DEMO.webhook_key)
        cls.url = f"/xero/webhook/{cls.connection.id}"
        cls.Event = cls.env["xero.webhook.event"].sudo()

    # ------------------------------------------------------------ helpers
    def _event(self, category="INVOICE", resource_id=None, tenant_id=None, **extra):
        return dict({
            "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/x",
            "resourceId": resource_id or str(uuid.uuid4()),
            "tenantId": tenant_id or DEMO.tenant_id,
            "tenantType": "ORGANISATION",
            "eventCategory": category,
            "eventType": "UPDATE",
            "eventDateUtc": "2026-11-22T09:00:00.000",
        }, **extra)

    def _payload(self, events):
        return json.dumps({"events": events, "firstEventSequence": 1, "lastEventSequence": len(events),
                           "entropy": "ABCDEFGHIJKLMNOPQRST"}, separators=(",", ":")).encode()

    def _post(self, body, signature=None, key=DEMO.webhook_key, url=None):
        signature = xero_signature(body, key) if signature is None else signature
        return self.opener.post(self.base_url() + (url or self.url), data=body, timeout=30, headers={
            "Content-Type": "application/json; charset=utf-8", "x-xero-signature": signature})

    def _events(self):
        return self.Event.search([("connection_id", "=", self.connection.id)])

    # ------------------------------------------------------------ tests
    def test_intent_to_receive_handshake(self):
        body = self._payload([])
        good = self._post(body)
        self.assertEqual(good.status_code, 200)
        bad = self._post(body, key=DEMO.webhook_key + "-wrong")
        self.assertEqual(bad.status_code, 401)
        self.assertEqual(bad.content, b"", "Xero requires an empty body with the 401")
        self.assertFalse(self._events())

    def test_intent_to_receive_from_the_emulator(self):
        """Xero's own handshake, sent by the emulator to Odoo's server."""
        results = self.emulator.send_intent_to_receive(self.base_url() + self.url, DEMO.webhook_key)
        self.assertEqual(results[0]["correct_signature_status"], 200)
        self.assertEqual(results[0]["wrong_signature_status"], 401)
        self.assertTrue(results[0]["ok"])

    def test_valid_signature_queues_events_once_per_record(self):
        invoice_id, contact_id = str(uuid.uuid4()), str(uuid.uuid4())
        events = [self._event("INVOICE", invoice_id), self._event("INVOICE", invoice_id),
                  self._event("CONTACT", contact_id), self._event("CREDITNOTE"),
                  self._event("SUBSCRIPTION"),  # a category Odoo does not follow
                  self._event("INVOICE", tenant_id=str(uuid.uuid4()))]  # another organisation
        response = self._post(self._payload(events))
        self.assertEqual(response.status_code, 200)
        queued = self._events()
        self.assertEqual(sorted(queued.mapped("category")), ["CONTACT", "CREDITNOTE", "INVOICE"])
        self.assertEqual(set(queued.mapped("state")), {"pending"})
        # the same record again while pending: still one row
        self.assertEqual(self._post(self._payload([self._event("INVOICE", invoice_id)])).status_code, 200)
        self.assertEqual(len(self._events()), 3)

    def test_bad_signature_is_401_and_queues_nothing(self):
        body = self._payload([self._event()])
        tampered = body.replace(b"UPDATE", b"CREATE")
        response = self._post(tampered, signature=xero_signature(body, DEMO.webhook_key))
        self.assertEqual((response.status_code, response.content), (401, b""))
        self.assertEqual(self._post(body, signature="").status_code, 401)
        self.assertEqual(self._post(body, signature="not base64 at all").status_code, 401)
        self.assertFalse(self._events())

    def test_unknown_connection_or_no_key_is_401(self):
        body = self._payload([self._event()])
        self.assertEqual(self._post(body, url="/xero/webhook/999999").status_code, 401)
        other = self.env["res.company"].create({"name": "No Key Co"})
        conn = self.xero_connect(other, tenant_id=self.emulator.add_organisation("No Key Org"))
        self.assertEqual(self._post(body, url=f"/xero/webhook/{conn.id}", key="").status_code, 401)
        self.assertFalse(self._events())

    @mute_logger(ROUTE_LOGGER)
    def test_malformed_bodies_are_4xx_never_500(self):
        bodies = [
            b"",
            b"not json",
            b"\xff\xfe\x00garbage",
            b"[1, 2, 3]",
            b'{"events": "nope"}',
            b'{"no_events": []}',
            b'{"events": [1]}',
            json.dumps({"events": [{"eventCategory": "INVOICE"}]}).encode(),
            json.dumps({"events": [{"eventCategory": "INVOICE", "resourceId": "x\"); DROP"}]}).encode(),
            json.dumps({"events": [self._event(eventType=5)]}).encode(),
            b'{"events": [' * 50,
        ]
        for body in bodies:
            response = self._post(body)
            self.assertTrue(400 <= response.status_code < 500, (body[:40], response.status_code))
        self.assertFalse(self._events())

    def test_flood_of_1000_events_answered_quickly(self):
        events = [self._event("INVOICE") for _i in range(1000)]
        body = self._payload(events)
        started = time.monotonic()
        response = self._post(body)
        elapsed = time.monotonic() - started
        self.assertEqual(response.status_code, 200)
        self.assertLess(elapsed, 5.0, "Xero gives up after 5 seconds")
        self.assertEqual(len(self._events()), 1000)

    def test_emulator_delivers_signed_events(self):
        """Xero (the emulator) calls Odoo's endpoint by itself after a change."""
        self.emulator.register_webhook(self.base_url() + self.url, DEMO.webhook_key)
        client = self.connection._xero_client()
        contact = client.accounting("get_contacts").data["Contacts"][0]
        client.accounting("update_contact", contact["ContactID"],
                          {"Contacts": [{"ContactID": contact["ContactID"], "Website": "https://example.com"}]})
        self.assertTrue(self.emulator.webhooks.flush(10))
        delivered = [r for r in self.emulator.webhooks.records() if r["url"].endswith(self.url)]
        self.assertTrue(delivered and all(r["delivered"] for r in delivered), delivered)
        events = self._events()
        self.assertIn(contact["ContactID"], events.mapped("resource_id"))
