"""Webhook deliveries (signature, payload, retries) and the intent-to-receive handshake."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import create_credit_note, create_invoice
from xero_python.accounting import Contact, Contacts

from xero_emulator import DEMO

KEY = DEMO.webhook_key


class Receiver:
    """A webhook receiver that verifies signatures like a real app should."""

    def __init__(self, statuses=None, verify=True):
        self.statuses = list(statuses or [])
        self.verify = verify
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()
                valid = hmac.compare_digest(expected, self.headers.get("x-xero-signature", ""))
                receiver.received.append({"body": json.loads(body), "valid": valid})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.verify and not valid:
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xero/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def events(receiver):
    return [e for msg in receiver.received for e in msg["body"]["events"]]


def test_events_are_signed_and_batched(emu, xero, receiver):
    emu.register_webhook(receiver.url, KEY)
    created = xero.accounting.create_contacts(DEMO.tenant_id, Contacts(contacts=[Contact(name="Hooked Ltd")])).contacts[
        0
    ]
    inv = create_invoice(xero, contact_name="Hooked Ltd", status="AUTHORISED")
    cn = create_credit_note(xero, contact_name="Hooked Ltd")
    assert emu.webhooks.flush(5)
    assert receiver.received and all(m["valid"] for m in receiver.received)
    got = {(e["eventCategory"], e["eventType"], e["resourceId"]) for e in events(receiver)}
    assert ("CONTACT", "CREATE", created.contact_id) in got
    assert ("INVOICE", "CREATE", inv.invoice_id) in got
    assert ("CREDITNOTE", "CREATE", cn.credit_note_id) in got
    first = receiver.received[0]["body"]
    assert first["firstEventSequence"] >= 1 and first["lastEventSequence"] >= first["firstEventSequence"]
    assert len(first["entropy"]) == 20
    for event in events(receiver):
        assert event["tenantId"] == DEMO.tenant_id and event["tenantType"] == "ORGANISATION"
        assert event["resourceUrl"].endswith(event["resourceId"])
    for msg in receiver.received:
        assert emu.validate_webhook_payload(msg["body"]) == []
    cn_event = next(e for e in events(receiver) if e["eventCategory"] == "CREDITNOTE")
    assert cn_event["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}


def test_update_events_and_retry_on_non_200(emu, xero):
    flaky = Receiver(statuses=[500, 503])
    try:
        emu.register_webhook(flaky.url, KEY)
        inv = create_invoice(xero)
        assert emu.webhooks.flush(5)
        records = emu.webhooks.records()
        assert records[0]["attempts"] == [500, 503, 200] and records[0]["delivered"]
        assert len(flaky.received) == 3
        xero.accounting.update_or_create_contacts(
            DEMO.tenant_id,
            Contacts(contacts=[Contact(contact_id=inv.contact.contact_id, email_address="new@example.com")]),
        )
        assert emu.webhooks.flush(5)
        assert ("CONTACT", "UPDATE") in {(e["eventCategory"], e["eventType"]) for e in events(flaky)}
    finally:
        flaky.close()


def test_retries_are_bounded(emu, xero):
    down = Receiver(statuses=[500] * 10)
    try:
        emu.register_webhook(down.url, KEY)
        create_invoice(xero)
        assert emu.webhooks.flush(5)
        record = emu.webhooks.records()[0]
        assert record["attempts"] == [500, 500, 500, 500] and not record["delivered"]
    finally:
        down.close()


def test_intent_to_receive(emu, receiver):
    emu.register_webhook(receiver.url, KEY)
    result = emu.send_intent_to_receive()
    assert result == [{"url": receiver.url, "correct_signature_status": 200, "wrong_signature_status": 401, "ok": True}]
    assert receiver.received[0]["body"]["events"] == []
    lax = Receiver(verify=False)
    try:
        bad = emu.send_intent_to_receive(lax.url, KEY)
        assert bad[0]["ok"] is False and bad[0]["wrong_signature_status"] == 200
    finally:
        lax.close()
