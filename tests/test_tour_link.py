from odoo.tests import HttpCase, tagged

from .common import XeroMixin, get_emulator
from .master_helpers import xero_contacts


@tagged("post_install", "-at_install")
class TestTourLink(XeroMixin, HttpCase):
    """A user links a partner to its Xero contact through the wizard, in a browser."""

    def test_link_contact_tour(self):
        emulator = get_emulator()
        emulator.reset()
        connection = self.xero_connect(self.env.company)
        partner = self.env["res.partner"].create({"name": "Bayside Club", "is_company": True,
                                                  "email": "club@bayside.example.com"})
        self.start_tour(f"/odoo/res.partner/{partner.id}", "xero_link_contact_tour", login="admin")
        contact = xero_contacts(emulator)["Bayside Club"]
        self.assertEqual(partner.with_company(connection.company_id).xero_contact_id, contact["ContactID"])
        self.assertIn("Linked to the Xero contact Bayside Club", partner.message_ids[0].body)
