from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.account_xero.services.errors import XeroMappingError

from .master_helpers import DEMO, XeroMasterCase

DEMO_ACCOUNTS = 22
DEMO_TAX_RATES = 6


@tagged("post_install", "-at_install")
class TestMasterImport(XeroMasterCase):
    """Import of the demo organisation's chart, tax rates, tracking and items,
    the links made on the way, and the lookups documents are built with."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.acc_200 = Account.create({"code": "200", "name": "Sales", "account_type": "income"})
        cls.acc_429 = Account.create({"code": "429", "name": "General Expenses", "account_type": "expense"})
        cls.acc_499 = Account.create({"code": "499", "name": "Old marketing", "account_type": "expense"})
        Journal = cls.env["account.journal"]
        cls.bank_main = Journal.create({"name": "Main bank", "type": "bank", "code": "XBK1",
                                        "bank_acc_number": "121 222 33334444"})
        cls.bank_savings = Journal.create({"name": "Business Savings Account", "type": "bank", "code": "XBK2"})
        cls.plan = cls.env["account.analytic.plan"].create({"name": "Region"})
        Analytic = cls.env["account.analytic.account"]
        cls.north = Analytic.create({"name": "North", "plan_id": cls.plan.id})
        cls.south = Analytic.create({"name": "South", "plan_id": cls.plan.id})
        cls.central = Analytic.create({"name": "Central", "plan_id": cls.plan.id})
        cls.other_plan = cls.env["account.analytic.plan"].create({"name": "Projects"})
        cls.project = Analytic.create({"name": "Project X", "plan_id": cls.other_plan.id})

    def import_master(self, items=True):
        self.connection.action_xero_import_master_data(items=items)
        return self.env["xero.sync.run"].search([("connection_id", "=", self.connection.id)], limit=1)

    def xero_account(self, code):
        return self.env["xero.account"].search([("connection_id", "=", self.connection.id), ("code", "=", code)])

    def xero_rate(self, tax_type):
        return self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id),
                                                 ("tax_type", "=", tax_type)])

    # ------------------------------------------------------------ import
    def test_import_links_and_second_import_changes_nothing(self):
        run = self.import_master()
        self.assertEqual(run.state, "done", run.message)
        accounts = self.env["xero.account"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual(len(accounts), DEMO_ACCOUNTS)
        a200 = self.xero_account("200")
        self.assertEqual((a200.name, a200.type, a200.status, a200.tax_type), ("Sales", "REVENUE", "ACTIVE", "OUTPUT"))
        self.assertEqual(a200.account_id, self.acc_200, "linked by equal code")
        self.assertEqual(self.env["xero.binder"]._to_xero(self.acc_200, self.env.company), a200.xero_id)
        self.assertEqual(self.xero_account("499").status, "ARCHIVED")
        self.assertFalse(self.xero_account("610").account_id, "no Odoo account 610: left for the user")
        bank = self.xero_account("090")
        self.assertEqual((bank.type, bank.bank_account_number, bank.currency_code),
                         ("BANK", "121-222-33334444", "USD"))
        self.assertEqual(bank.journal_id, self.bank_main, "linked by bank account number")
        self.assertEqual(self.xero_account("091").journal_id, self.bank_savings, "linked by name")
        self.assertTrue(self.xero_account("095").enable_payments)
        rates = self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual(len(rates), DEMO_TAX_RATES)
        self.assertEqual((self.xero_rate("OUTPUT").rate, self.xero_rate("OUTPUT").status), (15.0, "ACTIVE"))
        self.assertEqual(self.xero_rate("TAX001").status, "DELETED")
        self.assertFalse(rates.tax_ids, "taxes are never mapped by guess")
        cats = self.env["xero.tracking.category"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual(sorted(cats.mapped("name")), ["Department", "Region"])
        region = cats.filtered(lambda c: c.name == "Region")
        self.assertEqual(region.analytic_plan_id, self.plan, "linked by equal name")
        options = {o.name: o.analytic_account_id for o in region.option_ids}
        self.assertEqual(options, {"North": self.north, "South": self.south,
                                   "East": self.env["account.analytic.account"],
                                   "West": self.env["account.analytic.account"]})
        self.assertFalse(cats.filtered(lambda c: c.name == "Department").analytic_plan_id)
        book = self.env["product.product"].search([("default_code", "=", "BOOK")])
        self.assertEqual(len(book), 1)
        self.assertEqual((book.name, book.list_price, book.standard_price, book.purchase_ok),
                         ("Fish out of Water: Finding Your Brand", 19.95, 12.5, True))
        self.assertFalse(self.env["product.product"].search([("default_code", "=", "DevD")]).purchase_ok)

        # a second import finds everything equal: nothing created, written or logged
        products = self.env["product.product"].search_count([])
        second = self.import_master()
        self.assertEqual(second.state, "done")
        self.assertFalse(second.log_ids, second.message)
        self.assertIn("Accounts: 0 new, 0 updated", second.message)
        self.assertIn("Items: 0 new, 0 updated, 3 unchanged", second.message)
        self.assertEqual(self.env["product.product"].search_count([]), products)
        self.assertEqual(self.env["xero.account"].search_count([("connection_id", "=", self.connection.id)]),
                         DEMO_ACCOUNTS)
        self.assertEqual(self.xero_account("200").account_id, self.acc_200)

        # a change in Xero is seen: a renamed account, an account gone, a new option
        org = self.emulator.store.orgs[DEMO.tenant_id]
        with self.emulator.store.lock:
            for acc in org.data["Accounts"].values():
                if acc["Code"] == "260":
                    acc["Name"] = "Other Income"
                if acc["Code"] == "880":
                    acc["Status"] = "DELETED"
            cat = next(c for c in org.data["TrackingCategories"].values() if c["Name"] == "Region")
            cat["Options"].append({"TrackingOptionID": "0b8a1c9e-0000-4000-8000-000000000001", "Name": "Central",
                                   "Status": "ACTIVE", "TrackingCategoryID": cat["TrackingCategoryID"]})
        third = self.import_master(items=False)
        self.assertEqual(self.xero_account("260").name, "Other Income")
        self.assertEqual(self.xero_account("880").status, "DELETED")
        central = region.option_ids.filtered(lambda o: o.name == "Central")
        self.assertEqual(central.analytic_account_id, self.central)
        self.assertEqual(len(third.log_ids), 2, "the renamed account and the new option are logged")

    # ------------------------------------------------------------ lookups
    def test_account_code_lookup(self):
        Lookup = self.env["xero.account"]
        with self.assertRaisesRegex(XeroMappingError, "has not been imported"):
            Lookup._xero_code_for(self.connection, self.acc_200)
        self.import_master(items=False)
        self.assertEqual(Lookup._xero_code_for(self.connection, self.acc_200), "200")
        revenue = self.company_data["default_account_revenue"]
        with self.assertRaisesRegex(XeroMappingError, r"is not mapped to a Xero account: map it in Accounting ▸ "
                                                      r"Configuration ▸ Xero ▸ Mappings ▸ Accounts"):
            Lookup._xero_code_for(self.connection, revenue)
        # the nominal code set on the Odoo account wins
        revenue.with_company(self.env.company).xero_code = "260"
        self.assertEqual(Lookup._xero_code_for(self.connection, revenue), "260")
        revenue.with_company(self.env.company).xero_code = "999"
        with self.assertRaisesRegex(XeroMappingError, "999, which is not in the Xero chart"):
            Lookup._xero_code_for(self.connection, revenue)
        revenue.with_company(self.env.company).xero_code = False
        # mapped in the Xero accounts list
        self.xero_account("453").account_id = revenue
        self.assertEqual(Lookup._xero_code_for(self.connection, revenue), "453")
        # same code, but archived in Xero
        with self.assertRaisesRegex(XeroMappingError, "499 Old Marketing Costs, which is archived in Xero"):
            Lookup._xero_code_for(self.connection, self.acc_499)

    def test_tax_type_lookup(self):
        self.import_master(items=False)
        Lookup = self.env["xero.tax.rate"]
        Tax = self.env["account.tax"]
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, Tax), "NONE")
        with self.assertRaisesRegex(XeroMappingError, "is not mapped to a Xero tax rate"):
            Lookup._xero_tax_type_for(self.connection, self.tax_sale_a)
        output = self.xero_rate("OUTPUT")
        output.tax_ids = [Command.set((self.tax_sale_a | self.tax_sale_b).ids)]
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, self.tax_sale_a), "OUTPUT")
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, self.tax_sale_b), "OUTPUT")
        # two 15 % taxes mapped to OUTPUT each are no 15 % combination: never "first tax wins"
        with self.assertRaisesRegex(XeroMappingError, "Several taxes on one line"):
            Lookup._xero_tax_type_for(self.connection, self.tax_sale_a | self.tax_sale_b)
        # a real combination: 5 % + 7 % sent as a 12 % Xero rate holding exactly both
        gst = self.tax_sale_a.copy({"name": "GST 5%", "amount": 5.0})
        pst = self.tax_sale_a.copy({"name": "PST 7%", "amount": 7.0})
        with self.assertRaisesRegex(XeroMappingError, "Several taxes on one line"):
            Lookup._xero_tax_type_for(self.connection, gst | pst)
        combined = Lookup.sudo().create({"connection_id": self.connection.id, "tax_type": "TAX002",
                                         "name": "GST + PST", "rate": 12.0, "tax_ids": [Command.set((gst | pst).ids)]})
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, gst | pst), "TAX002")
        with self.assertRaisesRegex(XeroMappingError, "GST 5% is not mapped"):
            Lookup._xero_tax_type_for(self.connection, gst)
        self.xero_rate("EXEMPTOUTPUT").tax_ids = [Command.set(gst.ids)]
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, gst), "EXEMPTOUTPUT",
                         "alone, the tax's own mapping; with PST, the combination")
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, gst | pst), "TAX002")
        # a group tax is mapped as one tax
        group = Tax.create({"name": "GST+PST group", "amount_type": "group", "type_tax_use": "sale",
                            "children_tax_ids": [Command.set((gst | pst).ids)]})
        combined.tax_ids = [Command.link(group.id)]
        self.assertEqual(Lookup._xero_tax_type_for(self.connection, group), "TAX002")
        self.assertFalse(combined.rate_warning)
        # mapped to a rate deleted in Xero
        self.xero_rate("TAX001").tax_ids = [Command.set(self.tax_purchase_a.ids)]
        with self.assertRaisesRegex(XeroMappingError, "which is deleted in Xero"):
            Lookup._xero_tax_type_for(self.connection, self.tax_purchase_a)
        # ambiguous: one tax on two rates
        self.xero_rate("INPUT").tax_ids = [Command.set(self.tax_purchase_a.ids)]
        with self.assertRaisesRegex(XeroMappingError, "mapped to several Xero tax rates"):
            Lookup._xero_tax_type_for(self.connection, self.tax_purchase_a)
        # the mapping list warns about a rate that is not Xero's
        self.xero_rate("INPUT").tax_ids = [Command.set((self.tax_purchase_a | gst).ids)]
        self.assertIn("GST 5% is 5.0 %", self.xero_rate("INPUT").rate_warning)

    def test_tracking_lookup(self):
        self.import_master(items=False)
        Lookup = self.env["xero.tracking.category"]
        self.assertEqual(Lookup._xero_tracking_for(self.connection, {}), [])
        self.assertEqual(Lookup._xero_tracking_for(self.connection, {str(self.north.id): 100.0}),
                         [{"Name": "Region", "Option": "North"}])
        # a plan mapped to no category is not Xero's business
        self.assertEqual(Lookup._xero_tracking_for(
            self.connection, {f"{self.north.id},{self.project.id}": 100.0}), [{"Name": "Region", "Option": "North"}])
        department = Lookup.search([("connection_id", "=", self.connection.id), ("name", "=", "Department")])
        department.action_xero_create_analytic()
        sales = department.option_ids.filtered(lambda o: o.name == "Sales").analytic_account_id
        self.assertTrue(sales)
        self.assertEqual(Lookup._xero_tracking_for(self.connection, {f"{self.north.id},{sales.id}": 100.0}),
                         [{"Name": "Department", "Option": "Sales"}, {"Name": "Region", "Option": "North"}])
        self.assertEqual(Lookup._xero_tracking_for(self.connection, {str(self.south.id): 100.0,
                                                                     str(sales.id): 100.0}),
                         [{"Name": "Department", "Option": "Sales"}, {"Name": "Region", "Option": "South"}])
        with self.assertRaisesRegex(XeroMappingError, "splits the Xero tracking category Region between North"):
            Lookup._xero_tracking_for(self.connection, {str(self.north.id): 50.0, str(self.south.id): 50.0})
        with self.assertRaisesRegex(XeroMappingError, "puts 40 % of it on Region / North"):
            Lookup._xero_tracking_for(self.connection, {str(self.north.id): 40.0})
        with self.assertRaisesRegex(XeroMappingError, "Central is in the plan Region.*has no Xero option"):
            Lookup._xero_tracking_for(self.connection, {str(self.central.id): 100.0})
        region = Lookup.search([("connection_id", "=", self.connection.id), ("name", "=", "Region")])
        region.option_ids.filtered(lambda o: o.name == "North").status = "ARCHIVED"
        with self.assertRaisesRegex(XeroMappingError, "Region / North is archived in Xero"):
            Lookup._xero_tracking_for(self.connection, {str(self.north.id): 100.0})

    def test_bank_lookups(self):
        self.import_master(items=False)
        Lookup = self.env["xero.account"]
        bank = self.xero_account("090")
        self.assertEqual(Lookup._xero_journal_for(self.connection, bank.xero_id), self.bank_main)
        self.assertEqual(Lookup._xero_journal_for(self.connection, "091"), self.bank_savings)
        self.assertEqual(Lookup._xero_bank_account_for(self.connection, self.bank_main), bank)
        with self.assertRaisesRegex(XeroMappingError, "not mapped to a Xero bank account: map it in .*Bank accounts"):
            Lookup._xero_bank_account_for(self.connection, self.company_data["default_journal_bank"])
        bank.journal_id = False
        with self.assertRaisesRegex(XeroMappingError, "090 Business Bank Account is not mapped to an Odoo bank"):
            Lookup._xero_journal_for(self.connection, "090")
        with self.assertRaisesRegex(XeroMappingError, "not in the imported chart"):
            Lookup._xero_journal_for(self.connection, "7777")

    def test_mapping_rules_and_rights(self):
        self.import_master(items=False)
        with self.assertRaisesMessage(ValidationError, "already mapped to the Xero account 200 Sales"):
            self.xero_account("260").account_id = self.acc_200
        with self.assertRaisesMessage(ValidationError, "takes no payments"):
            self.xero_account("200").journal_id = self.company_data["default_journal_bank"]
        option = self.env["xero.tracking.option"].search([("connection_id", "=", self.connection.id),
                                                          ("name", "=", "East")])
        with self.assertRaisesMessage(ValidationError, "Project X is not in the plan Region"):
            option.analytic_account_id = self.project
        # re-mapping moves the AccountID the binder keeps on the Odoo accounts
        a429 = self.xero_account("429")
        self.assertEqual(a429.account_id, self.acc_429)
        a429.account_id = self.acc_499
        binder = self.env["xero.binder"]
        self.assertFalse(binder._to_xero(self.acc_429, self.env.company))
        self.assertEqual(binder._to_xero(self.acc_499, self.env.company), a429.xero_id)
        user = new_test_user(self.env, "xero_md_user", groups="account.group_account_invoice")
        manager = new_test_user(self.env, "xero_md_manager", groups="account.group_account_manager")
        self.assertEqual(len(self.env["xero.account"].with_user(user).search([])), DEMO_ACCOUNTS)
        with self.assertRaises(AccessError):
            a429.with_user(user).account_id = self.acc_429
        with self.assertRaises(AccessError):
            self.xero_rate("OUTPUT").with_user(user).tax_ids = [Command.set(self.tax_sale_a.ids)]
        self.xero_rate("OUTPUT").with_user(manager).tax_ids = [Command.set(self.tax_sale_a.ids)]
        a429.with_user(manager).account_id = self.acc_429

    def test_menus_open_real_views(self):
        for xmlid in ("menu_xero_xero_accounts", "menu_xero_bank_accounts", "menu_xero_tax_rates",
                      "menu_xero_tracking", "menu_xero_contact_match", "menu_xero_import_job"):
            menu = self.env.ref(f"account_xero.{xmlid}")
            action = menu.action.sudo()
            views = self.env[action.res_model].get_views([(False, m) for m in action.view_mode.split(",")])
            self.assertTrue(views["views"], xmlid)
        self.assertEqual(self.env.ref("account_xero.menu_xero_tax_rates").parent_id,
                         self.env.ref("account_xero.menu_xero_mappings"))
