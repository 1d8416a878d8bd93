"""Shared fixtures of the webhook route tests: four connected companies, a
raw HTTP/1.1 client (chunked bodies, lying or missing Content-Length), and
what each route should queue.

* A — the main company on the demo organisation, webhook key ``KEY_A``;
* B — another company on a second organisation, same app, same key;
* C — a third company on a third organisation, through another app
  (``KEY_C``);
* D — a fourth company on a fourth organisation, no webhook key.
"""

import http.client
import json
import logging
import socket
import uuid
from collections import namedtuple

from odoo.tests import HttpCase
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.account_xero.controllers.webhook import xero_signature

from .common import DEMO, XeroMixin, get_emulator

_logger = logging.getLogger(__name__)

KEY_A = DEMO.webhook_key
KEY_C = "b3RoZXItYXBwLXdlYmhvb2sta2V5LWZvci1jb25uZWN0aW9uLWM="
FOLLOWED = ("INVOICE", "CREDITNOTE", "CONTACT")
APP_URL = "/xero/webhook"
JSON_TYPE = "application/json; charset=utf-8"

Answer = namedtuple("Answer", "status body")


def chunked(body, size=65_536):
    """``body`` in Transfer-Encoding: chunked framing."""
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


class XeroWebhookCase(XeroMixin, HttpCase):
    """The four connections, the raw client and the expected rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        Company = cls.env["res.company"]
        cls.tenant_a = DEMO.tenant_id
        cls.tenant_b = cls.emulator.add_organisation("Webhook Org B")
        cls.tenant_c = cls.emulator.add_organisation("Webhook Org C")
        cls.tenant_d = cls.emulator.add_organisation("Webhook Org D")
        cls.tenant_x = "0e2b2a8e-4f4b-4c55-9d7e-8e3f0b0c1d2e"  # connected nowhere
        cls.conn_a = cls.xero_connect(cls.env.company, webhook_key=KEY_A)
        cls.conn_b = cls.xero_connect(Company.create({"name": "Webhook B"}), tenant_id=cls.tenant_b,
                                      webhook_key=KEY_A)
        cls.conn_c = cls.xero_connect(Company.create({"name": "Webhook C"}), tenant_id=cls.tenant_c,
                                      webhook_key=KEY_C)
        cls.conn_d = cls.xero_connect(Company.create({"name": "Webhook D"}), tenant_id=cls.tenant_d)
        cls.connections = cls.conn_a | cls.conn_b | cls.conn_c | cls.conn_d
        cls.url_a = f"/xero/webhook/{cls.conn_a.id}"

    # ------------------------------------------------------------ payloads
    @staticmethod
    def event(category="INVOICE", tenant_id=DEMO.tenant_id, resource_id=None, **extra):
        resource_id = resource_id or str(uuid.uuid4())
        return dict({
            "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource_id}",
            "resourceId": resource_id,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
            "eventCategory": category,
            "eventType": "UPDATE",
            "eventDateUtc": "2026-11-22T09:00:00.000",
        }, **extra)

    @staticmethod
    def payload(events, **extra):
        return json.dumps(dict({"events": events, "firstEventSequence": 1, "lastEventSequence": len(events) or 1,
                                "entropy": "ABCDEFGHIJKLMNOPQRST"}, **extra), separators=(",", ":")).encode()

    # ------------------------------------------------------------ the client
    def raw_post(self, path, body, signature=None, key=KEY_A, content_type=JSON_TYPE, framing="length"):
        """POST ``body`` over a raw socket; returns (status, body).

        ``framing``: "length" (a true Content-Length), "chunked", "none"
        (neither: the body is sent unannounced), "raw" (``body`` is sent
        as is, chunked framing included) or an int (a Content-Length to
        declare, however long the body really is; shorter bodies are
        followed by a half-close, as a client that goes away does)."""
        signature = xero_signature(body, key) if signature is None else signature
        port = self.http_port()
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                f"Cookie: {TEST_CURSOR_COOKIE_NAME}={self.opener.cookies.get(TEST_CURSOR_COOKIE_NAME, '')}"]
        if content_type:
            head.append(f"Content-Type: {content_type}")
        if signature is not False:
            head.append(f"x-xero-signature: {signature}")
        data = body
        if framing == "length":
            head.append(f"Content-Length: {len(body)}")
        elif framing in ("chunked", "raw"):
            head.append("Transfer-Encoding: chunked")
            data = chunked(body) if framing == "chunked" else body
        elif isinstance(framing, int):
            head.append(f"Content-Length: {framing}")
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        try:
            try:
                sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
                if isinstance(framing, int) and framing > len(body):
                    sock.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError) as exc:
                # the server answered without reading everything: the answer is there to read
                _logger.debug("%s refused the rest of the body: %s", path, exc)
            response = http.client.HTTPResponse(sock)
            response.begin()
            return Answer(response.status, response.read())
        finally:
            sock.close()

    # ------------------------------------------------------------ expectations
    def pending_rows(self):
        """(connection id, category, Xero id) of every pending event of the four connections."""
        self.env.flush_all()
        self.env.cr.execute("""SELECT connection_id, category, resource_id FROM xero_webhook_event
                                WHERE state = 'pending' AND connection_id = ANY(%s)""", [self.connections.ids])
        return set(self.env.cr.fetchall())

    def expected_rows(self, route, key, events):
        """The rows a correctly signed delivery of ``events`` queues: on a
        connection's URL, the events of its organisation; on the app's URL,
        each event to the connections of its organisation holding ``key``."""
        if route == "app":
            targets = self.connections.filtered(lambda c: c.webhook_key == key)
        else:
            targets = self.connections.filtered(lambda c: c.id == route and c.webhook_key == key)
        by_tenant = {c.tenant_id: c.id for c in targets}
        return {(by_tenant[e["tenantId"]], e["eventCategory"], e["resourceId"]) for e in events
                if e.get("eventCategory") in FOLLOWED and e.get("tenantId") in by_tenant}
