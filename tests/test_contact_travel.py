"""Contacts created from Odoo get a history note in Xero (when history notes
are on), and with contact push off a changed partner is updated in Xero with
its next document, in the run's contact batches."""

from odoo.tests import tagged

from .common_export import XeroExportCase


@tagged("post_install", "-at_install")
class TestContactTravel(XeroExportCase):

    def mark(self):
        log = self.emulator.requests()
        return log[-1]["seq"] if log else 0

    def calls_since(self, mark):
        """``["PUT /Invoices", ...]`` of the accounting calls after ``mark``, in order."""
        return [f"{r['method']} {r['path'].removeprefix('/api.xro/2.0')}" for r in self.emulator.requests(since=mark)
                if r["path"].startswith("/api.xro/2.0")]

    def contact(self, partner):
        contact_id = partner.with_company(self.env.company).xero_contact_id
        return next(c for c in self.xero_tenant()["Contacts"] if c["ContactID"] == contact_id)

    def notes(self, partner):
        contact_id = partner.with_company(self.env.company).xero_contact_id
        return [h["Details"] for h in self.xero_tenant()["History"].get(contact_id, []) if h["Changes"] == "Note"]

    def test_history_note_on_creation(self):
        self.connection.contact_history = True
        partner = self.env["res.partner"].create({"name": "Brand New Customer", "is_company": True,
                                                  "email": "hello@brandnew.example.com"})
        move = self.xero_move(partner=partner)
        mark = self.mark()
        run = self.xero_sync()
        self.assertTrue(move.xero_id)
        self.assertEqual(self.calls_since(mark), [
            "POST /Contacts", "PUT /Invoices",
            f"PUT /Contacts/{partner.with_company(self.env.company).xero_contact_id}/History"])
        notes = self.notes(partner)
        self.assertEqual(len(notes), 1)
        self.assertRegex(notes[0], rf"^Created in Odoo by {self.env.user.name} on \d{{4}}-\d\d-\d\d \d\d:\d\d UTC: "
                                   r"Name: Brand New Customer; Email: hello@brandnew.example.com$")
        self.assertEqual(run.count_failed, 0)
        # notes off (the default): a new contact costs its creation only
        self.connection.contact_history = False
        other = self.env["res.partner"].create({"name": "Quiet Customer", "is_company": True})
        self.xero_move(partner=other)
        mark = self.mark()
        self.xero_sync()
        self.assertEqual(self.calls_since(mark), ["POST /Contacts", "PUT /Invoices"])
        self.assertEqual(self.notes(other), [])

    def test_changed_partner_travels_with_its_next_document(self):
        self.assertFalse(self.connection.push_contacts)
        changed, unchanged = self.partner_a, self.partner_b
        self.xero_move(partner=changed)
        self.xero_move(partner=unchanged)
        self.xero_sync()
        self.assertTrue(changed.with_company(self.env.company).xero_contact_hash, "Xero's accepted version is known")
        changed.write({"email": "billing@partner-a.example.com", "phone": "+1 555 0199"})
        unchanged.write({"comment": "<p>not something Xero shows</p>"})
        self.assertFalse(self.env["xero.queue"].search([("action", "=", "contact"), ("state", "=", "waiting")]),
                         "push is off: editing queues nothing")
        # the unchanged partner's invoice alone: no contact call
        unchanged_move = self.xero_move(partner=unchanged)
        mark = self.mark()
        self.xero_sync()
        self.assertTrue(unchanged_move.xero_id)
        self.assertEqual(self.calls_since(mark), ["PUT /Invoices"])
        # the changed partner's invoice: its change first, then the invoice, one call each
        changed_move = self.xero_move(partner=changed)
        mark = self.mark()
        run = self.xero_sync()
        self.assertEqual(self.calls_since(mark), ["POST /Contacts", "PUT /Invoices"])
        self.assertTrue(changed_move.xero_id)
        contact = self.contact(changed)
        self.assertEqual(contact["EmailAddress"], "billing@partner-a.example.com")
        self.assertEqual(contact["Phones"][0]["PhoneNumber"], "+1 555 0199")
        self.assertEqual((run.count_done, run.count_failed), (2, 0))
        # sent: the next document costs no contact call
        self.xero_move(partner=changed)
        mark = self.mark()
        self.xero_sync()
        self.assertEqual(self.calls_since(mark), ["PUT /Invoices"])

    def test_partner_linked_by_hand_waits_for_an_edit_to_be_known(self):
        """A partner linked to a Xero contact by hand has no version Xero
        accepted: its edits are not sent with its documents (pushing or
        "Export to Xero" does that)."""
        bayside = next(c for c in self.xero_tenant()["Contacts"] if c["Name"] == "Bayside Club")
        partner = self.env["res.partner"].create({"name": "Bayside Club", "is_company": True})
        self.env["xero.binder"]._bind(partner, bayside["ContactID"], self.env.company)
        partner.email = "new@bayside.example.com"
        self.xero_move(partner=partner)
        mark = self.mark()
        self.xero_sync()
        self.assertEqual(self.calls_since(mark), ["PUT /Invoices"])
        self.assertEqual(self.contact(partner)["EmailAddress"], bayside["EmailAddress"])

    def test_changed_partners_go_in_batches_of_fifty(self):
        partners = self.env["res.partner"].create([{"name": f"Travel Co {i:03d}", "is_company": True}
                                                   for i in range(60)])
        for partner in partners:
            self.xero_move(partner=partner)
        self.xero_sync(slice=None)
        self.assertTrue(all(p.with_company(self.env.company).xero_contact_hash for p in partners))
        for i, partner in enumerate(partners):
            partner.street = f"{i} Travel Street"
        for partner in partners:
            self.xero_move(partner=partner)
        mark = self.mark()
        self.xero_sync()
        calls = self.calls_since(mark)
        self.assertEqual(calls, ["POST /Contacts", "POST /Contacts", "PUT /Invoices", "PUT /Invoices"],
                         "60 changed contacts in 2 requests before their 60 invoices in 2")
        self.assertEqual(self.contact(partners[59])["Addresses"][0]["AddressLine1"], "59 Travel Street")
