"""The real OAuth dance for HttpCase tests: Odoo's Connect button over
JSON-RPC with the test session, the emulator's consent page (a real HTML
form) over HTTP, and Odoo's callback controller — redirects followed by hand."""

from urllib.parse import parse_qs, urlsplit

import requests
from lxml import html

from odoo.tests import HttpCase

from xero_emulator import DEMO

from .common import XeroMixin, get_emulator  # also puts the repo (xero_emulator) on sys.path


class XeroOAuthCase(XeroMixin, HttpCase):
    """HttpCase with the emulator reset and helpers for the OAuth dance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        admin = cls.env.ref("base.user_admin")
        if not admin.email:
            admin.email = "admin@example.com"

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.authenticate("admin", "admin")

    # ------------------------------------------------------------ fixtures
    def new_connection(self, company=None, **values):
        """A not yet connected connection pointed at the emulator."""
        emu = self.emulator
        vals = {
            "company_id": (company or self.env.company).id,
            "api_url": emu.base_url, "identity_url": emu.base_url, "login_url": emu.base_url,
            "client_id": DEMO.client_id, "client_secret": DEMO.client_secret,
        }
        vals.update(values)
        return self.env["xero.connection"].sudo().create(vals)

    # ------------------------------------------------------------ the dance
    def start_connect(self, connection, company=None, context=None):
        """Click Connect (JSON-RPC as the web client does); returns the authorize URL."""
        company = company or connection.company_id
        ctx = {"allowed_company_ids": [company.id], **(context or {})}
        action = self.make_jsonrpc_request(
            "/web/dataset/call_button/xero.connection/action_xero_connect",
            {"model": "xero.connection", "method": "action_xero_connect",
             "args": [[connection.id]], "kwargs": {"context": ctx}})
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["target"], "self")
        return action["url"]

    def consent(self, authorize_url, tenant_ids=None, action="allow"):
        """Open the emulator's consent page and submit its form; returns
        the Location it redirects to (Odoo's callback with code and state)."""
        page = requests.get(authorize_url, timeout=10)
        self.assertEqual(page.status_code, 200, page.text[:500])
        doc = html.fromstring(page.text)
        form = doc.forms[0]
        data = [(i.name, i.value or "") for i in form.xpath(".//input[@type='hidden']")]
        data += [("tenant_id", t) for t in (tenant_ids or [DEMO.tenant_id])]
        data.append(("action", action))
        target = self.emulator.base_url + form.get("action")
        resp = requests.post(target, data=data, allow_redirects=False, timeout=10)
        self.assertIn(resp.status_code, (302, 303), resp.text[:500])
        return resp.headers["Location"]

    def callback(self, location):
        """Follow Xero's redirect to Odoo's callback (not further)."""
        parts = urlsplit(location)
        self.assertEqual(parts.path, "/xero/oauth/callback")
        return self.url_open(f"{parts.path}?{parts.query}", allow_redirects=False)

    def connect(self, connection, tenant_ids=None, company=None):
        """The whole dance; returns the callback's response."""
        url = self.start_connect(connection, company=company)
        return self.callback(self.consent(url, tenant_ids))

    @staticmethod
    def query(url):
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    def assertRedirectsTo(self, response, path_prefix):
        self.assertEqual(response.status_code, 303, response.text[:1000])
        self.assertIn(path_prefix, response.headers["Location"])

    def assertRefusedPage(self, response, text, status=400):
        self.assertEqual(response.status_code, status, response.text[:1000])
        self.assertIn("text/html", response.headers.get("Content-Type", ""))
        self.assertIn(text, response.text)
        self.assertNotIn("Traceback", response.text)
