"""The setup wizard's confirmations, its "first entry" start date and the
title given to persons imported from Xero."""

from datetime import date

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.account_xero.sync.importers import contacts as contact_import

from .master_helpers import XeroMasterCase, xero_contacts


@tagged("post_install", "-at_install")
class TestSetupParity(XeroMasterCase):

    def open_wizard(self, step=None):
        wizard = self.env["xero.setup.wizard"].browse(self.env["xero.setup.wizard"]._action_open()["res_id"])
        if step:
            wizard.step = step
        return wizard

    def test_start_date_and_send_mode_need_their_tick(self):
        wizard = self.open_wizard()
        wizard.write({"import_choice": "no", "step": "start_date"})
        with self.assertRaisesRegex(UserError, "Tick the box to confirm the import start date"):
            wizard.action_next()
        self.assertEqual(wizard.step, "start_date")
        wizard.start_date_confirmed = True
        wizard.action_next()
        self.assertEqual(wizard.step, "send_mode")
        with self.assertRaisesRegex(UserError, "Tick the box to confirm the send mode"):
            wizard.action_next()
        wizard.send_mode_confirmed = True
        wizard.action_next()
        self.assertEqual(wizard.step, "confirm")
        # Finish checks every step again: an unticked box is refused there too
        wizard.start_date_confirmed = False
        with self.assertRaisesRegex(UserError, "confirm the import start date"):
            wizard.action_finish()
        wizard.start_date_confirmed = True
        wizard.action_finish()
        self.assertEqual(self.connection.send_mode, "manual")

    def test_start_date_the_day_the_company_started_using_odoo_accounting(self):
        self.assertFalse(self.env["account.move"].search_count([
            ("company_id", "=", self.env.company.id), ("state", "=", "posted")]))
        wizard = self.open_wizard("start_date")
        with Form(wizard) as form:
            form.start_date_choice = "first_entry"
        self.assertEqual(wizard.import_start_date, fields.Date.context_today(wizard), "nothing posted yet: today")
        self.init_invoice("out_invoice", invoice_date="2021-03-04", amounts=[100.0], post=True)
        self.init_invoice("out_invoice", invoice_date="2022-06-30", amounts=[50.0], post=True)
        self.init_invoice("out_invoice", invoice_date="2020-01-01", amounts=[10.0])  # a draft: not counted
        wizard = self.open_wizard("start_date")
        with Form(wizard) as form:
            form.start_date_choice = "first_entry"
        self.assertEqual(wizard.import_start_date, date(2021, 3, 4))
        labels = dict(wizard._fields["start_date_choice"]._description_selection(self.env))
        self.assertEqual(labels["first_entry"], "The day this company started using Odoo Accounting")

    def test_title_of_imported_persons(self):
        mister = self.env.ref("base.res_partner_title_mister")
        wizard = self.open_wizard()
        self.assertFalse(wizard.contact_title_id, "none unless chosen")
        self.assertTrue(self.env["res.partner.title"].search_count([]), "although titles exist")
        wizard.write({"step": "confirm", "import_choice": "yes", "import_confirmed": True,
                      "contact_title_id": mister.id, "start_date_confirmed": True, "send_mode_confirmed": True})
        self.assertIn("Title of imported persons", wizard.summary)
        self.assertIn(mister.name, wizard.summary)
        wizard.action_finish()
        self.assertEqual(self.connection.contact_default_title_id, mister)
        job = self.env["xero.import.job"].search([("connection_id", "=", self.connection.id)])
        contact_import.run_job(job)
        sarah = self.env["xero.binder"]._to_record("res.partner", xero_contacts(self.emulator)["Basket Case"]
                                                   ["ContactID"], self.env.company).child_ids.filtered(
            lambda p: p.name == "Sarah Case")
        self.assertEqual(sarah.title, mister, "a person imported from Xero gets the chosen title")
        # the wizard shows the stored title when run again; clearing it imports persons without one
        wizard = self.open_wizard()
        self.assertEqual(wizard.contact_title_id, mister)
        wizard.write({"step": "confirm", "import_choice": "no", "contact_title_id": False,
                      "start_date_confirmed": True, "send_mode_confirmed": True})
        wizard.action_finish()
        self.assertFalse(self.connection.contact_default_title_id)
