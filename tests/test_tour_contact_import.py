from odoo.tests import HttpCase, tagged

from .common import XeroMixin, get_emulator
from .master_helpers import seed_contacts, xero_contacts


@tagged("post_install", "-at_install")
class TestTourContactImport(XeroMixin, HttpCase):
    """An administrator imports two chosen Xero contacts, in a browser."""

    def test_contact_import_tour(self):
        emulator = get_emulator()
        emulator.reset()
        seed_contacts(emulator, 105, prefix="Tour Pick")
        connection = self.xero_connect(self.env.company)
        partners = self.env["res.partner"].search_count([])
        self.start_tour(f"/odoo/action-account_xero.action_xero_connection/{connection.id}",
                        "xero_contact_import_tour", login="admin")
        contacts = xero_contacts(emulator)
        binder = self.env["xero.binder"]
        for name in ("Tour Pick 00001", "Tour Pick 00103"):
            partner = binder._to_record("res.partner", contacts[name]["ContactID"], self.env.company)
            self.assertEqual(partner.name, name)
        self.assertEqual(self.env["res.partner"].search_count([]), partners + 2)
