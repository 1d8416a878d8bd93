from odoo import Command
from odoo.tests import tagged

from odoo.addons.account_xero.sync.exporters.contact import ContactExporter
from odoo.addons.account_xero.sync.run import RunContext

from .master_helpers import DEMO, XeroMasterCase, xero_contacts


@tagged("post_install", "-at_install")
class TestContactPush(XeroMasterCase):
    """Contacts made available before documents, and changes pushed in
    batches on the next sync (one request per 50 contacts)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write({"push_contacts": True, "alert_mode": "none"})

    def ensure(self, partners):
        run = self.env["xero.sync.run"].sudo().create({"connection_id": self.connection.id})
        return ContactExporter(RunContext.build(self.connection, run)).ensure(partners)

    def rows(self, partners=None, states=("waiting",)):
        domain = [("connection_id", "=", self.connection.id), ("action", "=", "contact"), ("state", "in", states)]
        if partners is not None:
            domain.append(("res_id", "in", partners.ids))
        return self.env["xero.queue"].sudo().search(domain)

    def new_company(self, name, **values):
        return self.env["res.partner"].create(dict({"name": name, "is_company": True}, **values))

    # ------------------------------------------------------------ ensure
    def test_ensure_contacts_for_documents(self):
        Partner = self.env["res.partner"]
        new_a = self.new_company("Fresh Customer A", email="a@fresh.example.com")
        new_b = self.new_company("Fresh Customer B")
        person_of_b = Partner.create({"name": "Bob of B", "parent_id": new_b.id})
        self.assertEqual(self.ensure(new_a | person_of_b), {})
        self.assertEqual(self.calls("POST /Contacts"), 1, "both created in one request")
        contacts = xero_contacts(self.emulator)
        company = self.env.company
        self.assertEqual(new_a.with_company(company).xero_contact_id, contacts["Fresh Customer A"]["ContactID"])
        self.assertEqual(new_b.with_company(company).xero_contact_id, contacts["Fresh Customer B"]["ContactID"])
        self.assertEqual(contacts["Fresh Customer B"]["ContactPersons"][0]["FirstName"], "Bob")
        # bound partners cost no call
        self.assertEqual(self.ensure(new_a | new_b), {})
        self.assertEqual(self.calls(), 1)
        # an archived Xero contact, an invalid e-mail, a name Xero already has
        new_b.sudo().with_company(self.env.company).xero_contact_status = "ARCHIVED"  # as the sync records it
        bad_email = self.new_company("Bad Mail Ltd", email="nobody at example")
        taken = self.new_company("Bayside Club")
        errors = self.ensure(new_b | bad_email | taken | person_of_b)
        self.assertRegex(errors[new_b.id], "Xero contact Fresh Customer B linked to .* is archived: restore it")
        self.assertEqual(errors[person_of_b.id], errors[new_b.id])
        self.assertRegex(errors[bad_email.id], "e-mail address 'nobody at example' of Bad Mail Ltd is not valid")
        self.assertRegex(errors[taken.id], 'another active Xero contact is already named "Bayside Club"')
        self.assertEqual(self.calls("POST /Contacts"), 2, "only the duplicate name was sent")
        # refused and unchanged: not sent again until it changes
        self.assertIn(taken.id, self.ensure(taken))
        self.assertEqual(self.calls("POST /Contacts"), 2)
        taken.name = "Bayside Club (Odoo)"
        self.assertEqual(self.ensure(taken), {})
        self.assertEqual(self.calls("POST /Contacts"), 3)

    # ------------------------------------------------------------ push
    def test_changes_go_in_batches_and_a_name_collision_fails_alone(self):
        partners = self.env["res.partner"].browse([
            self.new_company(f"Push Co {i:03d}", email=f"push{i:03d}@example.com").id for i in range(60)])
        self.assertEqual(self.ensure(partners), {})
        self.assertEqual(self.calls("POST /Contacts"), 2, "60 new contacts: 50 + 10")
        self.assertFalse(self.rows(partners))
        calls = self.calls()
        for i, partner in enumerate(partners):  # edits, one field at a time
            partner.phone = f"+1 555 {i:04d}"
            partner.street = f"{i} Push Street"
        partners[0].name = "Bayside Club"
        partners[1].comment = "<p>not sent to Xero</p>"
        self.assertEqual(self.calls(), calls, "editing makes no call")
        self.assertEqual(len(self.rows(partners)), 60, "one waiting row per partner, whatever the edits")
        run = self.connection._xero_sync()
        self.assertEqual(self.calls("POST /Contacts"), 4, "60 changed contacts: 2 requests")
        self.assertEqual((run.count_done, run.count_failed), (59, 1))
        failed = self.rows(partners, states=("failed",))
        self.assertEqual(failed.res_id, partners[0].id)
        self.assertIn('another active Xero contact is already named "Bayside Club"', failed.message)
        self.assertIn("Rename the partner, or link it to that Xero contact", failed.message)
        contacts = xero_contacts(self.emulator)
        self.assertEqual(contacts["Push Co 059"]["Phones"][0]["PhoneNumber"], "+1 555 0059")
        self.assertEqual(contacts["Push Co 059"]["Addresses"][0]["AddressLine1"], "59 Push Street")
        self.assertEqual(contacts["Bayside Club"]["EmailAddress"], "secretary@baysideclub.example.com",
                         "the other contact is untouched")
        self.assertIn("Push Co 000", contacts, "the refused rename left the contact as it was")

    def test_what_is_pushed(self):
        partner = self.new_company("Pushy Ltd", email="info@pushy.example.com",
                               child_ids=[Command.create({"name": "Ann Smith", "email": "ann@pushy.example.com"})])
        unbound = self.new_company("Never Sent Ltd")
        self.ensure(partner)
        person = partner.child_ids
        partner.write({"name": "Pushy Ltd", "email": "info@pushy.example.com"})
        unbound.email = "x@never.example.com"
        self.assertFalse(self.rows(), "same values, or a partner not in Xero: nothing to push")
        person.email = "ann.smith@pushy.example.com"
        row = self.rows()
        self.assertEqual(row.res_id, partner.id, "a contact person's change pushes its company")
        self.connection._xero_sync()
        contact = xero_contacts(self.emulator)["Pushy Ltd"]
        self.assertEqual(contact["ContactPersons"][0]["EmailAddress"], "ann.smith@pushy.example.com")
        partner.ref = "PUSHY-1"
        self.connection._xero_sync()
        self.assertEqual(xero_contacts(self.emulator)["Pushy Ltd"]["AccountNumber"], "PUSHY-1",
                         "the partner's reference is Xero's account number")
        self.connection.push_contacts = False
        partner.phone = "+1 555 0000"
        self.assertFalse(self.rows(), "pushing is off")

    def test_history_note_in_xero(self):
        partner = self.new_company("Historic Ltd", email="old@historic.example.com")
        self.ensure(partner)
        self.connection.contact_history = True  # after the creation, which has its own note
        partner.email = "new@historic.example.com"
        partner.phone = "+1 555 1234"
        row = self.rows(partner)
        self.assertIn("old@historic.example.com → new@historic.example.com", row.xero_history_note)
        self.connection._xero_sync()
        self.assertEqual(row.state, "sent")
        self.assertFalse(row.xero_history_note, "written, so cleared")
        contact_id = partner.with_company(self.env.company).xero_contact_id
        notes = [h["Details"] for h in self.emulator.dump()[DEMO.tenant_id]["History"][contact_id]
                 if h["Changes"] == "Note"]
        self.assertEqual(len(notes), 1)
        self.assertIn(f"Changed in Odoo by {self.env.user.name}", notes[0])
        self.assertIn("Email: old@historic.example.com → new@historic.example.com", notes[0])
        self.assertIn("Phone: (empty) → +1 555 1234", notes[0])
        # off by default: no note, no call
        self.connection.contact_history = False
        calls = self.calls()
        partner.phone = "+1 555 9999"
        self.connection._xero_sync()
        self.assertEqual(self.calls(), calls + 1)
