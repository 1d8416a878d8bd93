from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .oauth_common import DEMO, XeroOAuthCase


@tagged("post_install", "-at_install")
class TestXeroMultiCompany(XeroOAuthCase):
    """Two companies connected to two organisations through the real OAuth
    dance; each sees and calls only its own."""

    def setUp(self):
        super().setUp()
        self.company_a = self.env.company
        self.company_b = self.env["res.company"].create({"name": "Xero Company B"})
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company_b
        self.org_b = self.emulator.add_organisation("Organisation B Ltd")
        self.conn_a = self.new_connection(self.company_a)
        self.conn_b = self.new_connection(self.company_b)

    def test_two_companies_two_organisations(self):
        self.assertRedirectsTo(self.connect(self.conn_a, tenant_ids=[DEMO.tenant_id]), "action_xero_connection")
        pending_b = self.start_connect(self.conn_b, company=self.company_b)
        self.assertRedirectsTo(self.callback(self.consent(pending_b, tenant_ids=[self.org_b])),
                               f"action_xero_connection/{self.conn_b.id}")
        self.env.invalidate_all()
        self.assertEqual((self.conn_a.state, self.conn_a.tenant_id), ("connected", DEMO.tenant_id))
        self.assertEqual((self.conn_b.state, self.conn_b.tenant_id), ("connected", self.org_b))
        self.assertNotEqual(self.conn_a.refresh_token, self.conn_b.refresh_token, "one grant per company")
        # each connection calls its own organisation
        name_a = self.conn_a._xero_client().accounting("get_organisations").data["Organisations"][0]["Name"]
        name_b = self.conn_b._xero_client().accounting("get_organisations").data["Organisations"][0]["Name"]
        self.assertEqual((name_a, name_b), (DEMO.tenant_name, "Organisation B Ltd"))
        # each company's users see only their own connection
        user_a = new_test_user(self.env, "xero_mc_a", groups="account.group_account_manager",
                               company_id=self.company_a.id, company_ids=[Command.set(self.company_a.ids)])
        user_b = new_test_user(self.env, "xero_mc_b", groups="account.group_account_manager",
                               company_id=self.company_b.id, company_ids=[Command.set(self.company_b.ids)])
        Conn = self.env["xero.connection"]
        self.assertEqual(Conn.with_user(user_a).search([]), self.conn_a)
        self.assertEqual(Conn.with_user(user_b).search([]), self.conn_b)
        with self.assertRaises(AccessError):
            self.conn_b.with_user(user_a).read(["tenant_name"])
        self.assertEqual(Conn.with_user(user_b).with_company(self.company_b)._for_company().tenant_name,
                         "Organisation B Ltd")
        settings_b = self.env["res.config.settings"].with_company(self.company_b).create(
            {"company_id": self.company_b.id})
        self.assertEqual(settings_b.xero_tenant_name, "Organisation B Ltd")
        # disconnecting A leaves B working (the shared app's authorisation is not revoked)
        self.conn_a.action_xero_disconnect()
        self.assertEqual(self.conn_a.state, "disconnected")
        self.assertIn("not revoked", self.conn_a.message_ids.filtered(
            lambda m: "Disconnected from" in (m.body or ""))[0].body)
        name_b = self.conn_b._xero_client().accounting("get_organisations").data["Organisations"][0]["Name"]
        self.assertEqual(name_b, "Organisation B Ltd")

    def test_one_organisation_for_one_company(self):
        self.connect(self.conn_a, tenant_ids=[DEMO.tenant_id])
        response = self.callback(self.consent(
            self.start_connect(self.conn_b, company=self.company_b), tenant_ids=[DEMO.tenant_id]))
        self.assertRefusedPage(response, "already connected to the company")
        self.env.invalidate_all()
        self.assertEqual(self.conn_b.state, "draft")
