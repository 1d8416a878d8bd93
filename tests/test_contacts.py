import json
import os

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account_xero.services.errors import XeroMappingError
from odoo.addons.account_xero.services.mappers.contact import contact_payload, partner_values
from odoo.addons.account_xero.sync.importers import contacts as contact_import
from odoo.addons.account_xero.sync.importers.contact_pages import AddressLookup

from .master_helpers import DEMO, XeroMasterCase, seed_contacts, xero_contacts

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
DEMO_ACTIVE_CONTACTS = 7


@tagged("post_install", "-at_install")
class TestContacts(XeroMasterCase):
    """Contact import (paged, resumable, matching without silent links) and
    the contact mapper."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.title = cls.env["res.partner.title"].create({"name": "Dear", "shortcut": "Dr."})
        cls.connection.contact_default_title_id = cls.title
        Partner = cls.env["res.partner"]
        cls.limo = Partner.create({"name": "City Limousines SA", "is_company": True, "vat": "98 765 4321"})
        cls.ridgeway = Partner.create({"name": "Ridgeway Univ.", "is_company": True,
                                       "email": "AP@Ridgeway.example.edu"})
        cls.hoyt = Partner.create({"name": "Hoyt Productions", "is_company": True, "phone": "+44 20 1111"})
        cls.us = cls.env.ref("base.us")
        cls.illinois = cls.env["res.country.state"].search([("country_id", "=", cls.us.id), ("code", "=", "IL")])

    def run_import(self, full=None, page_size=None):
        job = contact_import.start_import(self.connection, full=full)
        if page_size:
            job.page_size = page_size
        contact_import.run_job(job)
        return job

    def bound(self, name):
        contact = xero_contacts(self.emulator)[name]
        return self.env["xero.binder"]._to_record("res.partner", contact["ContactID"], self.env.company)

    def bound_id(self, partner):
        return self.env["xero.binder"]._to_xero(partner, self.env.company)

    def matches(self):
        return self.env["xero.contact.match"].search([("connection_id", "=", self.connection.id)])

    # ------------------------------------------------------------ import
    def test_import_demo_contacts(self):
        job = self.run_import()
        self.assertEqual(job.state, "done", job.message)
        self.assertEqual((job.count_read, job.count_created, job.count_proposed, job.count_skipped,
                          job.count_failed), (8, 4, 3, 1, 0))
        self.assertEqual((job.progress, job.total_count, job.api_calls), (100.0, 8, 2),
                         "one page of 1,000 and one 'changes since the start' call")
        self.assertEqual(self.calls("GET /Contacts"), 2)
        self.assertEqual(job.run_id.state, "done")
        basket = self.bound("Basket Case").with_company(self.env.company)
        self.assertTrue(basket.is_company, "a Xero contact is a company unless its name is its person's")
        self.assertEqual(
            (basket.name, basket.email, basket.phone, basket.vat, basket.ref, basket.street, basket.city,
             basket.zip, basket.state_id, basket.country_id, basket.customer_rank, basket.supplier_rank),
            ("Basket Case", "accounts@basketcase.example.com", "+1 217 555-0142", "12-3456789", "CUST-001",
             "Shop 2, 14 Market St", "Springfield", "62701", self.illinois, self.us, 1, 0))
        self.assertFalse(basket.title, "companies take no title")
        people = {c.name: c for c in basket.child_ids}
        self.assertEqual(set(people), {"Sarah Case", "Tom Weaver"})
        self.assertTrue(people["Sarah Case"].xero_primary_person)
        self.assertEqual(people["Sarah Case"].title, self.title, "Xero has no title: the default one")
        self.assertEqual(people["Tom Weaver"].email, "tom@basketcase.example.com")
        self.assertTrue(people["Tom Weaver"].xero_include_in_emails)
        self.assertEqual(basket.xero_contact_status, "ACTIVE")
        abc = self.bound("ABC Furniture")
        self.assertEqual((abc.customer_rank, abc.supplier_rank), (0, 1))
        power = self.bound("PowerDirect")
        self.assertTrue(power.is_company)
        self.assertFalse(power.child_ids)
        self.assertFalse(self.bound("Old Partner Ltd"), "archived in Xero: not imported")
        # matches other than by ContactID wait for a user
        found = {m.xero_name: (m.partner_id, m.match_by, m.state) for m in self.matches()}
        self.assertEqual(found, {
            "City Limousines": (self.limo, "vat", "pending"),
            "Ridgeway University": (self.ridgeway, "email", "pending"),
            "Hoyt Productions": (self.hoyt, "name", "pending"),
        })
        for partner in (self.limo, self.ridgeway, self.hoyt):
            self.assertFalse(partner.with_company(self.env.company).xero_contact_id, partner.name)
        self.assertEqual(self.connection.contact_match_count, 3)

    def test_batch_creation_syncs_as_odoo_does(self):
        """The import creates partners with Odoo's per-partner sync skipped and
        does that sync for the batch: the contact persons get what Odoo's own
        create gives them (commercial fields, address, language, company)."""
        from odoo.addons.account_xero.sync.importers.contact_pages import create_with_children

        contact = dict(xero_contacts(self.emulator)["Basket Case"], Name="Sync Check Ltd")
        values = partner_values(contact, AddressLookup(self.env), self.title.id)
        values["vat"] = "NZ 123"
        Partner = self.env["res.partner"].with_context(xero_no_push=True)
        ours = create_with_children(Partner, [values])
        odoo = Partner.create([dict(values, name="Sync Check Ltd (Odoo)")])
        fields = ["vat", "street", "street2", "city", "zip", "state_id", "country_id", "lang", "type", "email",
                  "commercial_partner_id", "company_id", "property_product_pricelist"]

        def persons(partner):
            return [{f: (c[f].id if f == "commercial_partner_id" else c[f]) for f in fields}
                    for c in partner.child_ids.sorted("name")]

        expected = persons(odoo)
        for person in expected:
            person["commercial_partner_id"] = ours.id
        self.assertEqual(persons(ours), expected)
        self.assertEqual([c.commercial_partner_id for c in ours.child_ids], [ours] * len(ours.child_ids))

    def test_second_import_changes_nothing(self):
        self.run_import()
        partners = self.env["res.partner"].search_count([])
        second = self.run_import(full=True)
        self.assertEqual(second.phase, "changes", "full pass then changes pass")
        self.assertEqual((second.count_created, second.count_updated, second.count_unchanged,
                          second.count_proposed, second.count_skipped), (0, 0, 4, 3, 1))
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(len(self.matches()), 3)
        self.assertFalse(second.run_id.log_ids)
        # later imports read only what changed in Xero since the last one
        third = self.run_import()
        self.assertEqual((third.count_read, third.api_calls), (0, 1))
        self.emulator.advance_clock(5)
        client = self.connection._xero_client()
        bayside = xero_contacts(self.emulator)["Bayside Club"]
        client.accounting("update_or_create_contacts", {"Contacts": [
            {"ContactID": bayside["ContactID"], "EmailAddress": "office@baysideclub.example.com"},
            {"Name": "Brand New Customer", "EmailAddress": "hello@brandnew.example.com"}]})
        fourth = self.run_import()
        self.assertEqual((fourth.count_read, fourth.count_updated, fourth.count_created), (2, 1, 1))
        self.assertEqual(self.bound("Bayside Club").email, "office@baysideclub.example.com")
        self.assertEqual(self.bound("Brand New Customer").email, "hello@brandnew.example.com")
        self.assertEqual(self.env["res.partner"].search_count([]), partners + 1)

    def test_confirm_create_or_ignore_matches(self):
        self.run_import()
        by_name = {m.xero_name: m for m in self.matches()}
        user = new_test_user(self.env, "xero_match_user", groups="account.group_account_invoice")
        with self.assertRaisesMessage(UserError, "Only Xero administrators"):
            by_name["City Limousines"].with_user(user).action_confirm()
        by_name["City Limousines"].action_confirm()
        limo = self.limo.with_company(self.env.company)
        self.assertEqual(limo.xero_contact_id, xero_contacts(self.emulator)["City Limousines"]["ContactID"])
        self.assertEqual(limo.email, "bookings@citylimos.example.com", "empty fields are filled")
        self.assertEqual((limo.name, limo.vat), ("City Limousines SA", "98 765 4321"), "the rest is kept")
        self.assertEqual(limo.customer_rank, 1)
        self.assertIn("Linked to the Xero contact City Limousines", limo.message_ids[0].body)
        with self.assertRaisesMessage(UserError, "already decided"):
            by_name["City Limousines"].action_confirm()
        by_name["Hoyt Productions"].action_create_new()
        hoyt = self.bound("Hoyt Productions")
        self.assertTrue(hoyt)
        self.assertNotEqual(hoyt, self.hoyt)
        self.assertFalse(self.hoyt.with_company(self.env.company).xero_contact_id)
        by_name["Ridgeway University"].action_ignore()
        again = self.run_import(full=True)
        self.assertEqual((again.count_created, again.count_proposed), (0, 0))
        self.assertEqual(by_name["Ridgeway University"].state, "ignored")
        self.assertFalse(self.bound("Ridgeway University"))
        self.assertEqual(self.connection.contact_match_count, 0)

    def test_paged_import_resumes_where_it_stopped(self):
        seed_contacts(self.emulator, 250)
        job = contact_import.start_import(self.connection)
        job.page_size = 100
        self.assertEqual(contact_import.run_job(job, max_pages=1), 1)
        self.assertEqual((job.state, job.next_page, job.count_read, job.total_count), ("running", 2, 100, 258))
        self.assertAlmostEqual(job.progress, 100 * 100 / 258, places=2)
        # the connection is lost: the job stops with the reason, nothing is lost
        self.connection.state = "disconnected"
        contact_import.run_job(job)
        self.assertEqual(job.state, "failed")
        self.assertIn("not connected to Xero", job.message)
        self.connection.state = "connected"
        self.assertEqual(contact_import.start_import(self.connection), job, "resumed, not started again")
        contact_import.run_job(job)
        self.assertEqual(job.state, "done", job.message)
        self.assertEqual((job.count_read, job.count_created, job.count_proposed), (258, 254, 3))
        self.assertEqual(self.calls("GET /Contacts"), 4, "3 pages of 100 + 1 'changes' call")
        self.assertEqual(self.env["res.partner"].search_count([("name", "=like", "Bulk Contact %")]), 250)
        # a page imported twice (a crash before its commit) changes nothing
        before = (job.count_created, job.count_updated, job.count_unchanged + job.count_proposed + job.count_skipped)
        job.write({"state": "running", "phase": "full", "next_page": 2})
        contact_import.run_job(job, max_pages=1)
        self.assertEqual(self.env["res.partner"].search_count([("name", "=like", "Bulk Contact %")]), 250)
        after = (job.count_created, job.count_updated, job.count_unchanged + job.count_proposed + job.count_skipped)
        self.assertEqual(after[:2], before[:2], "nothing created or updated")
        self.assertEqual(after[2] - before[2], 100, "the 100 contacts found as they are (or as decided)")

    def test_daily_limit_pauses_the_import(self):
        seed_contacts(self.emulator, 150)
        job = contact_import.start_import(self.connection)
        job.page_size = 100
        self.emulator.set_limits(day=1)
        contact_import.run_job(job)
        self.assertEqual((job.state, job.next_page, job.count_read), ("running", 2, 100))
        self.assertTrue(job.next_attempt)
        self.assertIn("daily API limit", job.message)
        self.emulator.set_limits(day=5000)
        contact_import.run_job(job)
        self.assertEqual((job.state, job.count_created), ("done", 154))

    # ------------------------------------------------------------ mapper
    def test_contact_payload_golden(self):
        partner = self.env["res.partner"].create({
            "name": "Golden Widgets Ltd", "is_company": True, "email": "Accounts@GoldenWidgets.example.com",
            "phone": "+1 212 555 0100", "mobile": "+1 917 555 0199", "vat": "US-12 345", "ref": "GW-001",
            "street": "1 Gold Street", "street2": "Floor 3", "city": "Springfield", "zip": "62701",
            "state_id": self.illinois.id, "country_id": self.us.id,
            "child_ids": [
                Command.create({"name": "Jane Doe", "type": "contact", "xero_primary_person": True,
                                "email": "jane@goldenwidgets.example.com"}),
                Command.create({"name": "John Roe", "type": "contact", "xero_include_in_emails": True,
                                "email": "john@goldenwidgets.example.com"}),
                Command.create({"type": "invoice", "street": "PO Box 42", "city": "Springfield", "zip": "62705",
                                "state_id": self.illinois.id, "country_id": self.us.id}),
            ],
        })
        with open(os.path.join(GOLDEN, "contact_company.json"), encoding="utf-8") as golden:
            self.assertEqual(contact_payload(partner), json.load(golden))
        self.env["xero.binder"]._bind(partner, "a6a3e5d4-0000-4000-8000-000000000001", self.env.company)
        self.assertEqual(contact_payload(partner, self.bound_id(partner))["ContactID"],
                         "a6a3e5d4-0000-4000-8000-000000000001")
        person = self.env["res.partner"].create({"name": "Mary Ann Major", "title": self.title.id,
                                                 "email": "mary@example.com"})
        payload = contact_payload(person)
        self.assertEqual((payload["FirstName"], payload["LastName"]), ("Mary", "Ann Major"))
        self.assertEqual(payload["Addresses"][0]["AttentionTo"], "Dr. Mary Ann Major")
        self.assertNotIn("IsCustomer", payload)
        person.email = "not an address"
        with self.assertRaisesRegex(XeroMappingError, "e-mail address 'not an address' of Mary Ann Major is not valid"):
            contact_payload(person)

    def test_partner_values_round_trip(self):
        """A contact imported then sent back says what Xero said."""
        contact = xero_contacts(self.emulator)["Basket Case"]
        values = partner_values(contact, AddressLookup(self.env), self.title.id)
        self.assertNotIn("title", values, "a company has no title")
        partner = self.env["res.partner"].with_context(xero_no_push=True).create(values)
        payload = contact_payload(partner, self.bound_id(partner))
        for key in ("Name", "FirstName", "LastName", "EmailAddress", "TaxNumber", "AccountNumber"):
            self.assertEqual(payload[key], contact[key], key)
        self.assertEqual(payload["ContactPersons"], [
            {"FirstName": "Tom", "LastName": "Weaver", "EmailAddress": "tom@basketcase.example.com",
             "IncludeInEmails": True}])
        street = payload["Addresses"][0]
        self.assertEqual((street["AddressLine1"], street["City"], street["Region"], street["PostalCode"],
                          street["Country"]), ("Shop 2, 14 Market St", "Springfield", "IL", "62701", "United States"))
        person = partner_values({"Name": "Ann Lee", "FirstName": "Ann", "LastName": "Lee", "ContactID": DEMO.tenant_id},
                                AddressLookup(self.env), self.title.id)
        self.assertEqual((person["is_company"], person["title"]), (False, self.title.id))
