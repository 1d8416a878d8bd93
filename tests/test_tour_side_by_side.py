from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import XeroMixin, get_emulator
from .master_helpers import xero_contacts


@tagged("post_install", "-at_install")
class TestTourSideBySide(XeroMixin, HttpCase):
    """A user opens a linked partner's Xero contact next to it, in a browser."""

    def test_side_by_side_tour(self):
        emulator = get_emulator()
        emulator.reset()
        connection = self.xero_connect(self.env.company)
        contact = xero_contacts(emulator)["Bayside Club"]
        partner = self.env["res.partner"].create({"name": "Bayside", "is_company": True,
                                                  "email": "club@bay.example.com"})
        self.env["xero.binder"]._bind(partner, contact["ContactID"], self.env.company)
        today = date.today()
        client = connection._xero_client()
        for amount, due in ((300.0, today - timedelta(days=5)), (120.5, today + timedelta(days=20))):
            client.accounting("create_invoices", {"Invoices": [{
                "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Status": "AUTHORISED",
                "DueDate": due.isoformat(), "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": amount,
                                                           "AccountCode": "200", "TaxType": "NONE"}]}]})
        self.start_tour(f"/odoo/res.partner/{partner.id}", "xero_contact_side_by_side_tour", login="admin")
        self.assertEqual(partner.with_company(connection.company_id).xero_contact_id, contact["ContactID"],
                         "looking changes nothing")
