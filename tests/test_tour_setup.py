from odoo import fields
from odoo.tests import tagged

from odoo.addons.account_xero.wizard.xero_setup_wizard import quick_start_date

from .oauth_common import DEMO, XeroOAuthCase


@tagged("post_install", "-at_install")
class TestXeroSetupTour(XeroOAuthCase):
    """The setup wizard clicked through in Chromium, from the Xero menu to
    the dashboard. The company is connected first by the real OAuth dance
    through Odoo's controller (the emulator's consent page is another site,
    which a tour cannot drive); the tour then walks every step."""

    def test_return_from_xero_reopens_the_wizard(self):
        conn = self.new_connection()
        admin = self.env.ref("base.user_admin")
        wizard_action = self.env["xero.setup.wizard"].with_user(admin)._action_open()
        url = self.start_connect(conn, context={"xero_setup_wizard_id": wizard_action["res_id"]})
        response = self.callback(self.consent(url))
        location = f"/odoo/action-account_xero.action_xero_setup_wizard/{wizard_action['res_id']}"
        self.assertRedirectsTo(response, location)
        self.start_tour(location, "xero_setup_return_tour", login="admin")
        self.assertEqual(self.env["xero.setup.wizard"].browse(wizard_action["res_id"]).step, "import")

    def test_setup_tour(self):
        conn = self.new_connection()
        self.assertRedirectsTo(self.connect(conn), "action_xero_connection")
        self.env.invalidate_all()
        self.assertEqual((conn.state, conn.tenant_id), ("connected", DEMO.tenant_id))
        self.start_tour("/odoo", "xero_setup_tour", login="admin")
        self.env.invalidate_all()
        self.assertFalse(conn.import_contacts)
        self.assertEqual(conn.import_start_date,
                         quick_start_date(conn.company_id, "quarter", fields.Date.context_today(conn)))
        self.assertEqual((conn.send_mode, conn.sync_interval), ("auto", 4))
        self.assertEqual((conn.send_purchase_orders, conn.po_status), (True, "SUBMITTED"))
        self.assertTrue(conn.sync_start)
