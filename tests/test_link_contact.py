from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .master_helpers import XeroMasterCase, seed_contacts, xero_contacts

UNKNOWN_ID = "0f0e0d0c-0b0a-4909-8807-060504030201"


@tagged("post_install", "-at_install")
class TestLinkContact(XeroMasterCase):
    """The "Link to Xero" wizard and "Export to Xero" on partners."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bay = cls.env["res.partner"].create({"name": "Bayside", "is_company": True, "email": "club@bay.example.com",
                                                 "ref": "B-1"})
        cls.other = cls.env["res.partner"].create({"name": "Another Club", "is_company": True})

    def wizard(self, partner, user=None):
        Wizard = self.env["xero.link.contact"]
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.with_context(default_partner_id=partner.id).create({})

    def contact_id(self, name):
        return xero_contacts(self.emulator)[name]["ContactID"]

    def xero_id_of(self, partner):
        return partner.with_company(self.env.company).xero_contact_id

    def test_search_compare_and_link(self):
        wizard = self.wizard(self.bay)
        self.assertEqual((wizard.search_term, wizard.current_contact_id), ("Bayside", False))
        wizard.search_term = "bay"
        wizard.action_search()
        self.assertEqual(wizard.result_ids.mapped("name"), ["Bayside Club"])
        result = wizard.result_ids
        self.assertEqual((result.status, result.account_number, result.roles), ("ACTIVE", "CUST-002", "Customer"))
        result.action_select()
        # side by side
        self.assertEqual((wizard.partner_email, wizard.selected_email),
                         ("club@bay.example.com", "secretary@baysideclub.example.com"))
        self.assertEqual((wizard.partner_ref, wizard.selected_account_number), ("B-1", "CUST-002"))
        self.assertIn("148 Bay Harbour Road", wizard.selected_address)
        self.assertEqual(wizard.action_link_selected(), {"type": "ir.actions.act_window_close"})
        self.assertEqual(self.xero_id_of(self.bay), self.contact_id("Bayside Club"))
        self.assertIn("Linked to the Xero contact Bayside Club", self.bay.message_ids[0].body)
        self.assertEqual(self.bay.email, "club@bay.example.com", "linking changes nothing else")
        # a contact links one partner; a linked partner is unlinked before another link
        other = self.wizard(self.other)
        other.search_term = "Bayside"
        other.action_search()
        self.assertEqual(other.result_ids.linked_partner_id, self.bay)
        with self.assertRaisesMessage(UserError, "already linked to Bayside"):
            other.result_ids.action_link()
        again = self.wizard(self.bay)
        self.assertEqual(again.current_contact_id, self.contact_id("Bayside Club"))
        again.search_term = "Basket"
        again.action_search()
        with self.assertRaisesMessage(UserError, "already linked to another Xero contact: unlink it first"):
            again.result_ids.action_link()

    def test_search_by_email_account_number_and_load_more(self):
        seed_contacts(self.emulator, 25, prefix="Load Test")
        wizard = self.wizard(self.other)
        wizard.search_term = "load test"
        wizard.action_search()
        self.assertEqual((len(wizard.result_ids), wizard.has_more), (20, True))
        wizard.action_load_more()
        self.assertEqual((len(wizard.result_ids), wizard.has_more, wizard.page), (25, False, 2))
        self.assertEqual(wizard.result_ids[-1].name, "Load Test 00024")
        self.assertEqual(self.calls("GET /Contacts"), 2)
        wizard.write({"search_by": "email", "search_term": "accounts@basketcase"})
        wizard.action_search()
        self.assertEqual(wizard.result_ids.mapped("name"), ["Basket Case"])
        wizard.write({"search_by": "account", "search_term": "CUST-002"})
        wizard.action_search()
        self.assertEqual(wizard.result_ids.mapped("name"), ["Bayside Club"])
        wizard.write({"search_by": "name", "search_term": "Old Partner"})
        wizard.action_search()
        self.assertEqual(wizard.result_ids.status, "ARCHIVED", "archived contacts are shown, as archived")
        wizard.write({"search_term": "no such contact"})
        wizard.action_search()
        self.assertFalse(wizard.result_ids)
        self.assertTrue(wizard.searched)

    def test_unlink(self):
        self.connection.push_contacts = True
        self.env["xero.binder"]._bind(self.bay, self.contact_id("Bayside Club"), self.env.company)
        self.bay.phone = "+1 555 0101"
        row = self.env["xero.queue"].search([("res_id", "=", self.bay.id), ("action", "=", "contact")])
        self.assertEqual(row.state, "waiting")
        self.wizard(self.bay).action_unlink()
        self.assertFalse(self.xero_id_of(self.bay))
        self.assertEqual(row.state, "skipped", "would otherwise create a second Xero contact")
        self.assertIn("Unlinked from the Xero contact", self.bay.message_ids[0].body)
        with self.assertRaisesMessage(UserError, "is not linked to Xero"):
            self.wizard(self.bay).action_unlink()

    def test_change_contact_id_by_hand(self):
        user = new_test_user(self.env, "xero_link_user", groups="account.group_account_invoice")
        wizard = self.wizard(self.bay, user=user)
        wizard.write({"manual_contact_id": self.contact_id("Bayside Club"), "manual_confirm": True})
        with self.assertRaisesMessage(UserError, "Only Xero administrators"):
            wizard.action_set_manual_id()
        wizard = self.wizard(self.bay)
        wizard.manual_contact_id = self.contact_id("Bayside Club")
        with self.assertRaisesMessage(UserError, "Tick the box"):
            wizard.action_set_manual_id()
        wizard.write({"manual_contact_id": "BAY-1", "manual_confirm": True})
        with self.assertRaisesMessage(UserError, "is not a Xero ContactID"):
            wizard.action_set_manual_id()
        wizard.manual_contact_id = UNKNOWN_ID
        with self.assertRaisesMessage(UserError, "Xero has no contact with the ContactID"):
            wizard.action_set_manual_id()
        wizard.manual_contact_id = self.contact_id("Bayside Club").upper()
        wizard.action_set_manual_id()
        self.assertEqual(self.xero_id_of(self.bay), self.contact_id("Bayside Club"))
        # changing it again: the old link is dropped and said so
        wizard = self.wizard(self.bay)
        wizard.write({"manual_contact_id": self.contact_id("Basket Case"), "manual_confirm": True})
        wizard.action_set_manual_id()
        self.assertEqual(self.xero_id_of(self.bay), self.contact_id("Basket Case"))
        self.assertIn(f"was {self.contact_id('Bayside Club')}", self.bay.message_ids[0].body)

    def test_export_to_xero(self):
        self.assertTrue(self.other.xero_connected)
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_xero_export"', arch)
        self.assertIn('name="action_xero_link"', arch)
        new = self.env["res.partner"].create({
            "name": "Export Me Ltd", "is_company": True, "email": "hello@exportme.example.com",
            "child_ids": [Command.create({"name": "Eve Export"})]})
        action = new.child_ids.action_xero_export()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        contact = xero_contacts(self.emulator)["Export Me Ltd"]
        self.assertEqual(self.xero_id_of(new), contact["ContactID"])
        self.assertEqual(contact["ContactPersons"][0]["FirstName"], "Eve")
        run = self.env["xero.sync.run"].search([("connection_id", "=", self.connection.id)], limit=1)
        self.assertEqual((run.operation, run.count_done, run.api_calls), ("Export contact", 1, 1))
        with self.assertRaisesMessage(UserError, "already linked to a Xero contact"):
            new.action_xero_export()
        clash = self.env["res.partner"].create({"name": "Bayside Club", "is_company": True})
        action = clash.action_xero_export()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn('already named "Bayside Club"', action["params"]["message"])
        self.assertFalse(self.xero_id_of(clash))

    def test_export_when_xero_refuses_the_call_says_why(self):
        """The day's budget is spent in Xero: the user gets Xero's reason in a
        notification (not a server error), the run is closed as failed, and
        nothing reached Xero."""
        new = self.env["res.partner"].create({"name": "Too Late Ltd", "is_company": True})
        self.emulator.set_limits(day=0)
        self.addCleanup(self.emulator.set_limits, day=5000)
        action = new.action_xero_export()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("daily", action["params"]["message"].lower())
        run = self.env["xero.sync.run"].search([("connection_id", "=", self.connection.id)], limit=1)
        self.assertEqual((run.operation, run.state), ("Export contact", "failed"))
        self.assertNotIn("Too Late Ltd", xero_contacts(self.emulator))
        self.assertFalse(self.xero_id_of(new))
