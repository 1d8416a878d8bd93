"""Choosing what to import: one Import action per kind of master data, and
contacts listed from Xero 100 at a time (search, customers / suppliers,
"Load more"), ticked, then imported."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .master_helpers import XeroMasterCase, seed_contacts, xero_contacts


@tagged("post_install", "-at_install")
class TestContactChoice(XeroMasterCase):

    def wizard(self, user=None):
        Wizard = self.env["xero.contact.import"].with_context(default_connection_id=self.connection.id)
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.create({})

    def bound(self, contact_id):
        return self.env["xero.binder"]._to_record("res.partner", contact_id, self.env.company)

    def test_tick_three_of_250_listed_imports_exactly_those(self):
        seed_contacts(self.emulator, 250, prefix="Chosen Co")
        partners = self.env["res.partner"].search_count([])
        wizard = self.wizard()
        wizard.search_term = "chosen co"
        calls = self.calls()
        wizard.action_search()
        self.assertEqual((len(wizard.line_ids), wizard.has_more, wizard.page), (100, True, 1))
        self.assertEqual(wizard.line_ids[0].name, "Chosen Co 00000", "by name")
        wizard.action_load_more()
        wizard.action_load_more()
        self.assertEqual((len(wizard.line_ids), wizard.has_more, wizard.page), (250, False, 3))
        self.assertEqual(self.calls("GET /Contacts"), 3, "100 at a time")
        ticked = wizard.line_ids[7] | wizard.line_ids[142] | wizard.line_ids[249]
        wizard.write({"line_ids": [(1, line.id, {"selected": True}) for line in ticked]})
        self.assertEqual(wizard.count_selected, 3)
        wizard.action_import()
        self.assertEqual(self.calls(), calls + 3, "importing the listed contacts calls Xero no more")
        self.assertEqual(self.env["res.partner"].search_count([]), partners + 3)
        for line in ticked:
            partner = self.bound(line.contact_id)
            self.assertEqual(partner.name, line.name)
            self.assertEqual(line.linked_partner_id, partner)
        self.assertFalse(self.bound(wizard.line_ids[8].contact_id), "what was not ticked is not imported")
        self.assertEqual(wizard.result, "3 chosen: 3 created, 0 updated, 0 unchanged, 0 to confirm, 0 skipped, "
                                        "0 failed.")
        run = self.env["xero.sync.run"].search([("connection_id", "=", self.connection.id)], limit=1)
        self.assertEqual((run.kind, run.operation, run.state), ("contacts", "Import chosen contacts", "done"))
        # ticking them again updates (nothing here): never a second partner
        wizard.write({"line_ids": [(1, line.id, {"selected": True}) for line in ticked]})
        wizard.action_import()
        self.assertEqual(self.env["res.partner"].search_count([]), partners + 3)
        self.assertIn("0 created, 0 updated, 3 unchanged", wizard.result)

    def test_customers_suppliers_and_new_contacts_shown_as_neither(self):
        client = self.connection._xero_client()
        client.accounting("update_or_create_contacts", {"Contacts": [{"Name": "Newcomer Pty"}]})
        contacts = xero_contacts(self.emulator)
        customers = {name for name, c in contacts.items() if c.get("IsCustomer") and c["ContactStatus"] == "ACTIVE"}
        suppliers = {name for name, c in contacts.items() if c.get("IsSupplier") and c["ContactStatus"] == "ACTIVE"}
        self.assertTrue(customers and suppliers and not customers & suppliers)
        wizard = self.wizard()
        wizard.action_search()
        listed = {line.name: line.roles for line in wizard.line_ids}
        self.assertEqual(set(listed), customers | suppliers | {"Newcomer Pty"}, "active contacts, archived ones not")
        self.assertEqual(listed["Newcomer Pty"], "Neither yet (no documents)")
        self.assertEqual({listed[name] for name in customers}, {"Customer"})
        wizard.role = "customer"
        wizard.action_search()
        self.assertEqual(set(wizard.line_ids.mapped("name")), customers | {"Newcomer Pty"})
        wizard.role = "supplier"
        wizard.action_search()
        self.assertEqual(set(wizard.line_ids.mapped("name")), suppliers | {"Newcomer Pty"})
        self.assertFalse(wizard.has_more)

    def test_only_administrators_and_only_the_tick(self):
        user = new_test_user(self.env, "xero_choice_user", groups="account.group_account_invoice",
                             company_id=self.env.company.id, company_ids=[Command.set(self.env.company.ids)])
        with self.assertRaises(AccessError):
            self.wizard(user=user)
        manager = new_test_user(self.env, "xero_choice_manager", groups="account.group_account_manager",
                                company_id=self.env.company.id, company_ids=[Command.set(self.env.company.ids)])
        wizard = self.wizard(user=manager)
        with self.assertRaisesRegex(UserError, "Tick the contacts to import first"):
            wizard.action_import()
        wizard.action_search()
        line = wizard.line_ids[0]
        with self.assertRaisesRegex(AccessError, "Only the Import tick"):
            line.write({"data": '{"ContactID": "forged"}'})
        line.write({"selected": True})
        self.assertTrue(line.selected)
        with self.assertRaises(AccessError):
            line.with_user(user).write({"selected": False})

    def test_each_master_data_kind_has_its_own_import(self):
        conn = self.connection
        Account = self.env["xero.account"].sudo()
        for part, model in (("accounts", "xero.account"), ("tax_rates", "xero.tax.rate"),
                            ("tracking", "xero.tracking.category")):
            before = {m: self.env[m].sudo().search_count([("connection_id", "=", conn.id)])
                      for m in ("xero.account", "xero.tax.rate", "xero.tracking.category")}
            calls = self.calls()
            action = conn.with_context(xero_import_parts=[part]).action_xero_import_master_data()
            self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
            self.assertEqual(self.calls(), calls + 1, f"{part}: one call, its own")
            after = {m: self.env[m].sudo().search_count([("connection_id", "=", conn.id)]) for m in before}
            self.assertGreater(after[model], before[model], part)
            self.assertEqual({m: n for m, n in after.items() if m != model},
                             {m: n for m, n in before.items() if m != model}, f"{part} only")
        self.assertTrue(Account.search_count([("connection_id", "=", conn.id)]))
        products = self.env["product.product"].search_count([])
        calls = self.calls()
        action = conn.with_context(xero_import_parts=["items"]).action_xero_import_master_data()
        self.assertEqual(self.calls(), calls + 1)
        self.assertEqual(self.env["product.product"].search_count([]), products + 3, "BOOK, DevD, GB1-White")
        self.assertIn("Items: 3 new", action["params"]["message"])
        run = self.env["xero.sync.run"].search([("connection_id", "=", conn.id)], limit=1)
        self.assertEqual(run.operation, "Import from Xero: Items")
        arch = self.env["xero.connection"].get_views([(self.env.ref("account_xero.xero_connection_form").id,
                                                       "form")])["views"]["form"]["arch"]
        for css in ("o_xero_import_accounts", "o_xero_import_tax_rates", "o_xero_import_tracking",
                    "o_xero_import_items", "o_xero_choose_contacts"):
            self.assertIn(css, arch)
