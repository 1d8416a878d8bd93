"""Hostile and unlucky callbacks of the OAuth dance: every one is a clear
HTML page (never a 500, never a traceback) and changes nothing on the
connection."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

from odoo.tests import tagged
from odoo.tools import mute_logger

from .oauth_common import DEMO, XeroOAuthCase

CALLBACK = "/xero/oauth/callback"
LOGGERS = ("odoo.addons.account_xero.controllers.oauth", "odoo.addons.account_xero.services.client")
KEPT = ("state", "tenant_id", "tenant_name", "xero_connection_id", "access_token", "refresh_token",
        "token_scope", "token_expires_at", "state_message")


class _FakeIdentity(BaseHTTPRequestHandler):
    """Xero's identity server answering what the test says (``answers``:
    path → (status, body))."""

    answers = {}

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body = self.answers.get(self.path.split("?")[0].lower(), (404, b""))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        """Quiet."""


@tagged("post_install", "-at_install")
class TestXeroOAuthCallback(XeroOAuthCase):

    def setUp(self):
        super().setUp()
        self.conn = self.new_connection()
        self.conn.message_post(body="baseline")

    # ------------------------------------------------------------ helpers
    def snapshot(self, conn=None):
        conn = (conn or self.conn).sudo()
        self.env.invalidate_all()
        return {**{f: conn[f] for f in KEPT}, "messages": len(conn.message_ids),
                "wizards": self.env["xero.connect.wizard"].search_count([])}

    def assertUnchanged(self, before, conn=None):
        self.assertEqual(self.snapshot(conn), before, "the connection was changed")

    def _pending(self, conn=None):
        self.env.invalidate_all()
        return self.env["xero.oauth.state"].sudo().search([("connection_id", "=", (conn or self.conn).id)],
                                                          limit=1)

    def _callback(self, **params):
        return self.url_open(f"{CALLBACK}?{urlencode(params)}", allow_redirects=False)

    def _fake_identity(self, answers):
        """Point the connection at a local Xero giving ``answers`` (token
        endpoint and Identity's ``/connections``)."""
        handler = type("Handler", (_FakeIdentity,), {"answers": answers})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        self._point_at(url)

    def _point_at(self, url):
        """Change Xero's URLs (not the test's subject: untracked)."""
        self.conn.with_context(tracking_disable=True).write({"identity_url": url, "api_url": url})

    def _real_xero(self):
        self._point_at(self.emulator.base_url)

    # ------------------------------------------------------------ state
    @mute_logger(*LOGGERS)
    def test_missing_or_forged_state(self):
        location = self.consent(self.start_connect(self.conn))
        before = self.snapshot()
        self.assertRefusedPage(self.url_open(CALLBACK, allow_redirects=False), "No authorisation in progress")
        self.assertRefusedPage(self._callback(code="abc"), "No authorisation in progress")
        for forged in ("forged", "x" * 6000, "\x00", "état ☃", self.query(location)["state"][:-1]):
            self.assertRefusedPage(self._callback(state=forged, code="abc"), "Unknown authorisation")
        self.assertUnchanged(before)
        self.assertEqual(self._pending().status, "pending", "a forged state does not burn the real one")

    @mute_logger(*LOGGERS)
    def test_replayed_state(self):
        location = self.consent(self.start_connect(self.conn))
        self.assertRedirectsTo(self.callback(location), "action_xero_connection")
        after = self.snapshot()
        self.assertEqual(after["state"], "connected")
        for _i in range(2):
            self.assertRefusedPage(self.callback(location), "Authorisation already used")
        self.assertUnchanged(after)

    @mute_logger(*LOGGERS)
    def test_state_of_another_user_or_session(self):
        location = self.consent(self.start_connect(self.conn))
        before = self.snapshot()
        other = self.env["res.users"].create({
            "name": "Other Xero Admin", "login": "other_xero_admin", "password": "other_xero_admin",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id,
                                  self.env.ref("account_xero.group_xero_manager").id])]})
        self.authenticate(other.login, "other_xero_admin")
        self.assertRefusedPage(self.callback(location), "Authorisation started elsewhere")
        self.authenticate("admin", "admin")  # the same user, another browser session
        self.assertRefusedPage(self.callback(location), "Authorisation started elsewhere")
        self.assertUnchanged(before)
        self.assertEqual(self._pending().status, "pending", "someone else's replay does not burn it")

    @mute_logger(*LOGGERS)
    def test_expired_state(self):
        location = self.consent(self.start_connect(self.conn))
        self._pending().expires_at = "2020-01-01 00:00:00"
        before = self.snapshot()
        self.assertRefusedPage(self.callback(location), "Authorisation expired")
        self.assertUnchanged(before)
        self.assertEqual(self._pending().status, "refused")

    # ------------------------------------------------------------ rights
    @mute_logger(*LOGGERS)
    def test_user_no_longer_xero_administrator(self):
        manager = self.env.ref("account_xero.group_xero_manager")
        boss = self.env["res.users"].create({
            "name": "Xero Boss", "login": "xero_boss", "password": "xero_boss_pw",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id, manager.id])]})
        self.authenticate("xero_boss", "xero_boss_pw")
        location = self.consent(self.start_connect(self.conn))
        before = self.snapshot()
        boss.write({"groups_id": [(3, manager.id)]})  # while on Xero's page
        self.assertRefusedPage(self.callback(location), "Not allowed to connect Xero", status=403)
        self.assertUnchanged(before)
        self.assertEqual(self._pending().status, "refused", "burnt: it cannot be used once the right is back")
        boss.write({"groups_id": [(4, manager.id)]})
        self.assertRefusedPage(self.callback(location), "Authorisation already used")

    @mute_logger(*LOGGERS)
    def test_company_no_longer_allowed(self):
        company = self.env["res.company"].create({"name": "Callback Co"})
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= company
        conn = self.new_connection(company=company)
        location = self.consent(self.start_connect(conn, company=company))
        before = self.snapshot(conn)
        admin.write({"company_ids": [(3, company.id)]})
        self.assertRefusedPage(self.callback(location), "Not allowed to connect this company", status=403)
        self.assertUnchanged(before, conn)

    @mute_logger(*LOGGERS)
    def test_organisation_of_another_company(self):
        """The organisation granted is already connected to another company:
        refused after the exchange, and the exchange's work rolled back."""
        other = self.xero_connect(self.env["res.company"].create({"name": "First Owner Co"}))
        location = self.consent(self.start_connect(self.conn))
        before, other_before = self.snapshot(), self.snapshot(other)
        self.assertRefusedPage(self.callback(location), "already connected to the company First Owner Co")
        self.assertUnchanged(before)
        self.assertUnchanged(other_before, other)
        self.assertEqual(self._pending().status, "refused", "not left 'authorised' with its token")
        self.assertFalse(self._pending().token_json)

    # ------------------------------------------------------------ Xero's answers
    @mute_logger(*LOGGERS)
    def test_errors_sent_back_by_xero(self):
        location = self.consent(self.start_connect(self.conn), action="cancel")
        before = self.snapshot()
        self.assertRefusedPage(self.callback(location), "You cancelled the authorisation")
        self.assertIn("access_denied", self._pending().message)
        cases = [
            ({"error": "invalid_scope"}, "Xero refused the permissions asked for."),
            ({"error": "server_error", "error_description": "Xero <b>is</b> down"}, "Xero &lt;b&gt;is&lt;/b&gt; down"),
            ({"error": "temporarily_unavailable"}, "Xero reported an error."),
            ({"error": "<script>alert(1)</script>", "error_description": "\x00" * 10 + "x" * 5000},
             "unknown_error"),
            ({"error": "access_denied", "code": "also-a-code"}, "You cancelled the authorisation"),
        ]
        for params, text in cases:
            state = self.query(self.consent(self.start_connect(self.conn)))["state"]
            response = self._callback(state=state, **params)
            self.assertRefusedPage(response, "Xero did not authorise the connection")
            self.assertIn(text, response.text)
            self.assertNotIn("<script>alert", response.text)
            self.assertNotIn("x" * 301, response.text, "the description is cut")
            self.assertEqual(self._pending().status, "refused")
        self.assertUnchanged(before)

    @mute_logger(*LOGGERS)
    def test_missing_code(self):
        location = self.consent(self.start_connect(self.conn))
        state = self.query(location)["state"]
        before = self.snapshot()
        self.assertRefusedPage(self._callback(state=state), "No authorisation code")
        self.assertRefusedPage(self.callback(location), "Authorisation already used")
        self.assertUnchanged(before)

    @mute_logger(*LOGGERS)
    def test_token_endpoint_refuses_the_code(self):
        location = self.consent(self.start_connect(self.conn))
        forged = location.replace(self.query(location)["code"], "not-the-code")
        before = self.snapshot()
        response = self.callback(forged)
        self.assertRefusedPage(response, "Xero refused the authorisation")
        self.assertIn("invalid_grant", response.text)
        self.assertUnchanged(before)
        # another refusal than invalid_grant (a 400 invalid_request) is a refusal too
        location = self.consent(self.start_connect(self.conn))
        self._fake_identity({"/connect/token": (400, b'{"error": "invalid_request"}')})
        before = self.snapshot()
        self.assertRefusedPage(self.callback(location), "Xero refused the authorisation")
        self.assertUnchanged(before)

    @mute_logger(*LOGGERS)
    def test_xero_unreachable_is_the_502(self):
        location = self.consent(self.start_connect(self.conn))
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self._point_at(f"http://127.0.0.1:{port}")
        before = self.snapshot()
        self.assertRefusedPage(self.callback(location), "Xero could not be reached", status=502)
        self.assertUnchanged(before)
        self.assertEqual(self._pending().status, "refused")

    @mute_logger(*LOGGERS)
    def test_xero_failing_or_answering_nonsense(self):
        token = json.dumps({"access_token": "a.b.c", "refresh_token": "r", "expires_in": 1800}).encode()
        cases = [
            ({"/connect/token": (503, b"")}, "Xero could not be reached", 502),
            ({"/connect/token": (200, b"<html>not json</html>")}, "did not answer with a token", 502),
            ({"/connect/token": (200, b'{"access_token": 5}')}, "did not answer with a token", 502),
            ({"/connect/token": (200, b"[1, 2]")}, "did not answer with a token", 502),
            ({"/connect/token": (200, token), "/connections": (200, b'{"not": "a list"}')},
             "did not answer a list of organisations", 502),
            ({"/connect/token": (200, token), "/connections": (200, b'[{"tenantId": 5}, 7]')},
             "No organisation authorised", 400),
            ({"/connect/token": (200, token), "/connections": (403, b'{"Detail": "no"}')},
             "Xero could not list the organisations", 400),
        ]
        for answers, text, status in cases:
            self._real_xero()
            location = self.consent(self.start_connect(self.conn))
            self._fake_identity(answers)
            before = self.snapshot()
            self.assertRefusedPage(self.callback(location), text, status=status)
            self.assertUnchanged(before)
        self._real_xero()
        # and after all that, the dance still works
        self.assertRedirectsTo(self.connect(self.conn), "action_xero_connection")
        self.assertEqual(self.snapshot()["tenant_id"], DEMO.tenant_id)
