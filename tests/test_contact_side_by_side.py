"""A linked partner next to its Xero contact, one click from the partner:
Odoo's values and Xero's (read by id), Xero's balances of the contact, the
link that opens it in Xero, the manual ContactID and the search."""

from datetime import date, timedelta

from odoo.tests import tagged

from .master_helpers import DEMO, XeroMasterCase, xero_contacts


@tagged("post_install", "-at_install")
class TestContactSideBySide(XeroMasterCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bay = cls.env["res.partner"].create({
            "name": "Bayside", "is_company": True, "email": "club@bay.example.com", "ref": "B-1",
            "street": "1 Odoo Road", "city": "Springfield"})

    def link(self, partner, name):
        contact = xero_contacts(self.emulator)[name]
        self.env["xero.binder"]._bind(partner, contact["ContactID"], self.env.company)
        return contact

    def invoice(self, contact, amount, due, inv_type="ACCREC", currency=None):
        element = {"Type": inv_type, "Contact": {"ContactID": contact["ContactID"]}, "Status": "AUTHORISED",
                   "Date": (date.today() - timedelta(days=40)).isoformat(), "DueDate": due.isoformat(),
                   "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": amount,
                                  "AccountCode": "200" if inv_type == "ACCREC" else "429", "TaxType": "NONE"}]}
        if currency:
            element["CurrencyCode"] = currency
        self.connection._xero_client().accounting("create_invoices", {"Invoices": [element]})

    def open(self, partner):
        action = partner.action_xero_link()
        self.assertEqual((action["res_model"], action["target"]), ("xero.link.contact", "new"))
        return self.env["xero.link.contact"].browse(action["res_id"])

    def test_one_click_shows_both_sides_with_xero_balances(self):
        contact = self.link(self.bay, "Bayside Club")
        today = date.today()
        self.invoice(contact, 300.0, today - timedelta(days=5))
        self.invoice(contact, 120.5, today + timedelta(days=25))
        self.invoice(contact, 40.0, today - timedelta(days=1), inv_type="ACCPAY")
        calls = self.calls()
        wizard = self.open(self.bay)
        self.assertEqual(self.calls(), calls + 2, "the contact by id, and the organisation's ShortCode once")
        self.assertEqual((self.calls("GET /Contacts/{ContactID}"), self.calls("GET /Organisation")), (1, 1))
        self.assertEqual(wizard.current_contact_id, contact["ContactID"])
        self.assertFalse(wizard.linked_error)
        # the two sides
        self.assertEqual((wizard.partner_id.name, wizard.selected_name), ("Bayside", "Bayside Club"))
        self.assertEqual((wizard.partner_email, wizard.selected_email),
                         ("club@bay.example.com", "secretary@baysideclub.example.com"))
        self.assertEqual((wizard.partner_ref, wizard.selected_account_number), ("B-1", "CUST-002"))
        self.assertEqual(wizard.partner_address, "1 Odoo Road, Springfield")
        self.assertIn("148 Bay Harbour Road", wizard.selected_address)
        self.assertEqual(wizard.selected_phone, contact_phone(contact))
        self.assertEqual(wizard.selected_tax_number or False, contact.get("TaxNumber") or False)
        # Xero's balances, in the contact's currency (none set: the organisation's, the company's)
        self.assertTrue(wizard.selected_has_balances)
        self.assertEqual((wizard.selected_ar_outstanding, wizard.selected_ar_overdue), (420.5, 300.0))
        self.assertEqual((wizard.selected_ap_outstanding, wizard.selected_ap_overdue), (40.0, 40.0))
        self.assertEqual(wizard.selected_currency_id, self.env.company.currency_id)
        # opens the contact in Xero (deep link with the organisation's ShortCode)
        self.assertEqual(wizard.selected_xero_url,
                         "https://go.xero.com/organisationlogin/default.aspx?shortcode=!" + DEMO.tenant_id[:5]
                         + "&redirecturl=/Contacts/View/" + contact["ContactID"])
        # shown again: one call (the ShortCode is kept)
        calls = self.calls()
        wizard.action_show_linked()
        self.assertEqual(self.calls(), calls + 1)
        self.assertEqual(len(wizard.result_ids), 1, "the contact shown replaces the one shown before")
        # the view: both sides, the balances, the link, the search and, for administrators, the manual id
        arch = self.env["xero.link.contact"].get_views([(False, "form")])["views"]["form"]["arch"]
        for part in ("o_xero_side_by_side", "o_xero_balances", "o_xero_open_contact", "action_search",
                     "action_set_manual_id", "Look up in Xero"):
            self.assertIn(part, arch)

    def test_balances_in_the_contacts_currency_and_manual_change_from_there(self):
        contact = self.link(self.bay, "Basket Case")
        client = self.connection._xero_client()
        client.accounting("update_contact", contact["ContactID"],
                          {"Contacts": [{"ContactID": contact["ContactID"], "DefaultCurrency": "EUR"}]})
        self.invoice(contact, 75.0, date.today() - timedelta(days=3), currency="EUR")
        wizard = self.open(self.bay)
        self.assertEqual(wizard.selected_currency_id.name, "EUR")
        self.assertEqual((wizard.selected_ar_outstanding, wizard.selected_ar_overdue), (75.0, 75.0))
        # the manual ContactID, in the same place (administrators; the warning is ticked)
        other = xero_contacts(self.emulator)["Bayside Club"]["ContactID"]
        wizard.write({"manual_contact_id": other, "manual_confirm": True})
        wizard.action_set_manual_id()
        self.assertEqual(self.bay.with_company(self.env.company).xero_contact_id, other)

    def test_a_contact_xero_no_longer_has_is_said_not_raised(self):
        self.env["xero.binder"]._bind(self.bay, "0f0e0d0c-0b0a-4909-8807-060504030201", self.env.company)
        wizard = self.open(self.bay)
        self.assertIn("Xero has no contact with the ContactID 0f0e0d0c", wizard.linked_error)
        self.assertFalse(wizard.selected_id)
        wizard.action_unlink()
        self.assertFalse(self.bay.with_company(self.env.company).xero_contact_id)

    def test_an_unlinked_partner_opens_the_search(self):
        calls = self.calls()
        action = self.bay.action_xero_link()
        self.assertNotIn("res_id", action)
        self.assertEqual(action["context"], {"default_partner_id": self.bay.id})
        self.assertEqual(self.calls(), calls, "nothing to read before a search")


def contact_phone(contact):
    phone = next(p for p in contact["Phones"] if p.get("PhoneNumber"))
    parts = ("+" + phone["PhoneCountryCode"] if phone.get("PhoneCountryCode") else None, phone.get("PhoneAreaCode"),
             phone["PhoneNumber"])
    return " ".join(p for p in parts if p)
