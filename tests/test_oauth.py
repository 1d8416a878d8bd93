import base64
import hashlib
import threading
import time

import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.account_xero.services.client import XeroClient, XeroConfig
from odoo.addons.account_xero.services.errors import XeroAuthError

from .common import get_emulator
from .oauth_common import DEMO, XeroOAuthCase


@tagged("post_install", "-at_install")
class TestXeroOAuth(XeroOAuthCase):
    """The whole OAuth dance through Odoo's controller against the local Xero."""

    def setUp(self):
        super().setUp()
        self.conn = self.new_connection()

    def assertAuthErrorKeeps(self, call):
        """``call`` raises XeroAuthError; unlike ``assertRaises`` no savepoint
        is rolled back, so what was recorded in its own cursor (the test
        cursor here) stays visible."""
        try:
            call()
        except XeroAuthError:
            return
        self.fail("XeroAuthError not raised")

    def _pending(self):
        return self.env["xero.oauth.state"].sudo().search([("connection_id", "=", self.conn.id)], limit=1)

    def test_connect_with_pkce(self):
        url = self.start_connect(self.conn)
        params = self.query(url)
        self.assertTrue(url.startswith(self.emulator.base_url + "/identity/connect/authorize?"))
        self.assertEqual(params["code_challenge_method"], "S256")
        self.assertEqual(params["redirect_uri"], self.base_url() + "/xero/oauth/callback")
        self.assertEqual(params["scope"].split(),
                         ["offline_access", "accounting.settings.read", "accounting.contacts", "accounting.invoices"])
        pending = self._pending()
        # the verifier stays in Odoo; only its S256 challenge and a random state travel
        digest = hashlib.sha256(pending.code_verifier.encode()).digest()
        self.assertEqual(params["code_challenge"], base64.urlsafe_b64encode(digest).rstrip(b"=").decode())
        self.assertGreaterEqual(len(params["state"]), 40)
        self.assertNotIn(params["state"], pending.state_hash)
        self.assertEqual((pending.user_id, pending.company_id), (self.env.ref("base.user_admin"), self.env.company))

        response = self.callback(self.consent(url))
        self.assertRedirectsTo(response, f"/odoo/action-account_xero.action_xero_connection/{self.conn.id}")
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "connected")
        self.assertEqual((self.conn.tenant_id, self.conn.tenant_name), (DEMO.tenant_id, DEMO.tenant_name))
        self.assertTrue(self.conn.xero_connection_id)
        self.assertTrue(self.conn.refresh_token and self.conn.access_token)
        self.assertIn("offline_access", self.conn.token_scope)
        self.assertEqual(pending.status, "done")
        self.assertFalse(pending.token_json, "the token is not kept on the authorisation once used")
        org = self.conn._xero_client().accounting("get_organisations").data["Organisations"][0]
        self.assertEqual(org["Name"], DEMO.tenant_name)

    def test_scopes_follow_the_enabled_features(self):
        self.conn.write({"import_payments": True})
        self.assertIn("accounting.payments.read", self.conn._xero_scopes())
        self.conn.write({"send_payments": True, "export_attachments": True})
        scopes = self.conn._xero_scopes()
        self.assertIn("accounting.payments", scopes)
        self.assertNotIn("accounting.payments.read", scopes)
        self.assertIn("accounting.attachments", scopes)
        self.conn.write({"send_payments": False, "import_payments": False, "export_attachments": False})
        self.callback(self.consent(self.start_connect(self.conn)))
        self.env.invalidate_all()
        self.assertFalse(self.conn.scopes_missing)
        # an option enabled later needs a new consent: the form says so, Reconnect asks for it
        self.conn.write({"export_attachments": True})
        self.assertEqual(self.conn.scopes_missing, "accounting.attachments")
        self.assertIn("accounting.attachments", self.query(self.start_connect(self.conn))["scope"])

    def test_wrong_state_refused(self):
        location = self.consent(self.start_connect(self.conn))
        forged = location.replace(self.query(location)["state"], "forged-state-value")
        self.assertRefusedPage(self.callback(forged), "Unknown authorisation")
        self.assertRefusedPage(self.url_open("/xero/oauth/callback?code=abc"), "No authorisation in progress")
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "draft")
        self.assertEqual(self._pending().status, "pending", "a forged state does not burn the real one")

    def test_state_of_another_session_refused(self):
        location = self.consent(self.start_connect(self.conn))
        self.authenticate("admin", "admin")  # a new browser session of the same user
        self.assertRefusedPage(self.callback(location), "Authorisation started elsewhere")
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "draft")

    def test_replayed_state_refused(self):
        location = self.consent(self.start_connect(self.conn))
        self.assertRedirectsTo(self.callback(location), "action_xero_connection")
        self.assertRefusedPage(self.callback(location), "Authorisation already used")

    def test_expired_state_refused(self):
        location = self.consent(self.start_connect(self.conn))
        self._pending().expires_at = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
        self.assertRefusedPage(self.callback(location), "Authorisation expired")

    def test_wrong_pkce_verifier_refused_by_xero(self):
        location = self.consent(self.start_connect(self.conn))
        self._pending().code_verifier = "x" * 64  # not the verifier of the challenge sent
        response = self.callback(location)
        self.assertRefusedPage(response, "Xero refused the authorisation")
        self.assertIn("invalid_grant", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "draft")
        self.assertFalse(self.conn.refresh_token)

    def test_cancel_on_xero_page(self):
        location = self.consent(self.start_connect(self.conn), action="cancel")
        self.assertEqual(self.query(location)["error"], "access_denied")
        self.assertRefusedPage(self.callback(location), "You cancelled the authorisation")

    def test_two_organisations_choice(self):
        second = self.emulator.add_organisation("Second Org Ltd")
        response = self.connect(self.conn, tenant_ids=[DEMO.tenant_id, second])
        self.assertRedirectsTo(response, "/odoo/action-account_xero.action_xero_connect_wizard/")
        wizard = self.env["xero.connect.wizard"].browse(int(response.headers["Location"].rsplit("/", 1)[1]))
        self.assertEqual(sorted(wizard.line_ids.mapped("tenant_name")), [DEMO.tenant_name, "Second Org Ltd"])
        self.assertFalse(wizard.line_id, "nothing preselected among several new organisations")
        with self.assertRaises(UserError):
            wizard.action_confirm()
        wizard.line_id = wizard.line_ids.filtered(lambda line: line.tenant_id == second)
        self.assertFalse(wizard.needs_confirmation)
        action = wizard.with_user(self.env.ref("base.user_admin")).action_confirm()
        self.assertEqual(action["url"], f"/odoo/action-account_xero.action_xero_connection/{self.conn.id}")
        self.assertEqual((self.conn.state, self.conn.tenant_id, self.conn.tenant_name),
                         ("connected", second, "Second Org Ltd"))
        org = self.conn._xero_client().accounting("get_organisations").data["Organisations"][0]
        self.assertEqual(org["Name"], "Second Org Ltd")

    def test_expired_access_token_refreshed(self):
        self.connect(self.conn)
        self.env.invalidate_all()
        first_access, first_refresh = self.conn.access_token, self.conn.refresh_token
        # before expiry (as Odoo counts it): refreshed ahead, transparently
        self.conn.token_expires_at = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
        client = self.conn._xero_client()
        self.assertTrue(client.accounting("get_organisations").data["Organisations"])
        self.assertNotEqual(self.conn.access_token, first_access)
        self.assertNotEqual(self.conn.refresh_token, first_refresh, "Xero rotates the refresh token")
        second_access = self.conn.access_token
        # on a 401: Xero's clock says the token expired although Odoo thinks it is valid
        self.emulator.advance_clock(1900)
        self.assertGreater(self.conn.token_expires_at, fields.Datetime.now())
        self.assertTrue(client.accounting("get_organisations").data["Organisations"])
        self.assertNotEqual(self.conn.access_token, second_access)
        self.assertEqual(self.conn.state, "connected")

    def test_invalid_grant_disconnects(self):
        self.connect(self.conn)
        self.env.invalidate_all()
        self.emulator.advance_clock(61 * 86400)  # the refresh token outlived its 60 days
        self.conn.token_expires_at = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
        self.assertAuthErrorKeeps(lambda: self.conn._xero_client().accounting("get_organisations"))
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "disconnected")
        self.assertIn("invalid_grant", self.conn.state_message)
        admin = self.env.ref("base.user_admin")
        activity = self.conn.activity_ids.filtered(lambda a: a.user_id == admin)
        self.assertEqual(activity.summary, "Reconnect Xero")
        mail = self.env["mail.mail"].search([("model", "=", "xero.connection"), ("res_id", "=", self.conn.id)])
        self.assertIn(admin.email, mail.email_to)
        # nothing else is sent until reconnected
        with self.assertRaises(UserError):
            self.conn._xero_client()
        # reconnecting clears the to-do and works again
        self.connect(self.conn)
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "connected")
        self.assertFalse(self.conn.activity_ids.filtered(lambda a: a.summary == "Reconnect Xero"))

    def test_disconnect_revokes_and_deletes_connection(self):
        self.connect(self.conn)
        self.env.invalidate_all()
        refresh, xero_connection_id = self.conn.refresh_token, self.conn.xero_connection_id
        app = self.emulator.store.apps[DEMO.client_id]
        self.assertIn(xero_connection_id, app["connections"])
        # the Disconnect button, as the web client calls it
        self.make_jsonrpc_request(
            "/web/dataset/call_button/xero.connection/action_xero_disconnect",
            {"model": "xero.connection", "method": "action_xero_disconnect", "args": [[self.conn.id]], "kwargs": {}})
        self.env.invalidate_all()
        self.assertNotIn(xero_connection_id, app["connections"], "DELETE /connections/{id} was called")
        with self.assertRaises(XeroAuthError):  # the refresh token was revoked
            XeroClient(self.conn._xero_config()).refresh_token(refresh)
        self.assertEqual(self.conn.state, "disconnected")
        self.assertFalse(self.conn.refresh_token or self.conn.access_token)
        self.assertEqual(self.conn.tenant_id, DEMO.tenant_id, "the organisation is remembered for a reconnection")
        self.assertTrue(self.conn.message_ids.filtered(lambda m: "The authorisation was revoked" in (m.body or "")))

    def test_disconnection_made_in_xero_is_noticed(self):
        self.connect(self.conn)
        self.env.invalidate_all()
        # the user removes the app from the organisation in Xero
        resp = requests.delete(f"{self.emulator.base_url}/connections/{self.conn.xero_connection_id}",
                               headers={"Authorization": f"Bearer {self.conn.access_token}"}, timeout=10)
        self.assertEqual(resp.status_code, 204)
        self.assertAuthErrorKeeps(lambda: self.conn._xero_client().accounting("get_organisations"))
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "disconnected")
        self.assertIn("no longer connected", self.conn.state_message)
        self.assertTrue(self.conn.activity_ids.filtered(lambda a: a.summary == "Reconnect Xero"))

    def test_reconnect_same_org_keeps_links_other_org_asks_and_clears(self):
        self.connect(self.conn)
        self.env.invalidate_all()
        partner = self.env["res.partner"].create({"name": "Linked Customer"})
        binder = self.env["xero.binder"]
        binder._bind(partner, "contact-1", self.env.company)
        self.env["xero.queue"].sudo().create({"connection_id": self.conn.id, "res_model": "res.partner",
                                              "res_id": partner.id, "action": "contact"})
        self.conn.action_xero_disconnect()
        # same organisation: straight back, every link kept
        self.assertRedirectsTo(self.connect(self.conn), "action_xero_connection")
        self.env.invalidate_all()
        self.assertEqual(self.conn.state, "connected")
        self.assertEqual(binder._to_xero(partner, self.env.company), "contact-1")
        self.assertEqual(self.conn.count_waiting, 1)
        # another organisation: confirmation first, then the old links are cleared
        other = self.emulator.add_organisation("Other Books Ltd")
        response = self.connect(self.conn, tenant_ids=[other])
        self.assertRedirectsTo(response, "action_xero_connect_wizard")
        wizard = self.env["xero.connect.wizard"].browse(int(response.headers["Location"].rsplit("/", 1)[1]))
        self.assertEqual(wizard.line_id.tenant_id, other)
        self.assertTrue(wizard.needs_confirmation)
        self.assertEqual(wizard.previous_tenant_name, DEMO.tenant_name)
        admin_wizard = wizard.with_user(self.env.ref("base.user_admin"))
        with self.assertRaises(UserError):
            admin_wizard.action_confirm()
        self.assertEqual(binder._to_xero(partner, self.env.company), "contact-1", "nothing cleared unconfirmed")
        admin_wizard.confirm_clear = True
        admin_wizard.action_confirm()
        self.env.invalidate_all()
        self.assertEqual((self.conn.tenant_id, self.conn.state), (other, "connected"))
        self.assertFalse(binder._to_xero(partner, self.env.company))
        self.assertEqual(self.conn.count_waiting, 0)
        self.assertTrue(self.conn.message_ids.filtered(lambda m: "Links to" in (m.body or "")))


@tagged("post_install", "-at_install")
class TestXeroTokenConcurrency(TransactionCase):
    """Two workers refreshing the same connection at once, each with its own
    real cursor and transaction: exactly one call rotates the token at Xero,
    the other worker reuses it, and the stored refresh token still works."""

    def test_concurrent_refresh_keeps_a_valid_refresh_token(self):
        emu = get_emulator()
        emu.reset()
        token = emu.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])
        registry = self.registry
        company_id = self.env.company.id
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            conn = env["xero.connection"].create({
                "company_id": company_id, "state": "connected",
                "api_url": emu.base_url, "identity_url": emu.base_url, "login_url": emu.base_url,
                "client_id": DEMO.client_id, "client_secret": DEMO.client_secret,
                "tenant_id": DEMO.tenant_id, "tenant_name": DEMO.tenant_name,
                "access_token": token["access_token"], "refresh_token": token["refresh_token"],
                "token_expires_at": fields.Datetime.subtract(fields.Datetime.now(), minutes=5),
            })
            conn_id = conn.id
        self.addCleanup(self._drop, conn_id)
        grant_id = emu.store.access_tokens[token["access_token"]]["grant_id"]

        results, errors = [], []

        def worker():
            try:
                with registry.cursor() as wcr:
                    # the test thread holds the registry lock: give the cursor its registry directly
                    wcr.transaction = api.Transaction(registry)
                    wenv = api.Environment(wcr, SUPERUSER_ID, {})
                    results.append(wenv["xero.connection"].browse(conn_id)._xero_locked_refresh(
                        failed_token=token["access_token"]))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        # hold the row so both workers are waiting for it before either refreshes
        blocker = registry.cursor()
        try:
            blocker.execute("SELECT id FROM xero_connection WHERE id=%s FOR UPDATE", (conn_id,))
            threads = [threading.Thread(target=worker) for _i in range(2)]
            for thread in threads:
                thread.start()
            deadline = time.time() + 20
            with registry.cursor() as probe:
                while True:
                    probe.execute("""SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                                     WHERE NOT l.granted AND a.datname = current_database()""")
                    if probe.fetchone()[0] >= 2 or time.time() > deadline:
                        break
                    probe.rollback()
                    time.sleep(0.05)
        finally:
            blocker.rollback()
            blocker.close()
        for thread in threads:
            thread.join(30)
        if any(thread.is_alive() for thread in threads):
            from odoo.tools.misc import dumpstacks
            dumpstacks()
        self.assertFalse(errors, errors)
        self.assertEqual(len(results), 2)
        self.assertEqual(results[0], results[1], "the second worker reused the first one's token")
        rotated = [t for t, rec in emu.store.refresh_tokens.items() if rec["grant_id"] == grant_id]
        self.assertEqual(len(rotated), 2, "exactly one refresh call reached Xero")
        with registry.cursor() as cr:
            cr.execute("SELECT access_token, refresh_token FROM xero_connection WHERE id=%s", (conn_id,))
            access, refresh = cr.fetchone()
        self.assertEqual(access, results[0])
        self.assertNotEqual(refresh, token["refresh_token"])
        # the stored refresh token is the live one: it refreshes again
        config = XeroConfig(client_id=DEMO.client_id, client_secret=DEMO.client_secret,
                            api_url=emu.base_url, identity_url=emu.base_url, login_url=emu.base_url)
        self.assertTrue(XeroClient(config).refresh_token(refresh)["access_token"])

    def _drop(self, conn_id):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["xero.connection"].browse(conn_id).unlink()
