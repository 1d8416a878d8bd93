from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import XeroTransactionCase


@tagged("post_install", "-at_install")
class TestXeroSetupWizard(XeroTransactionCase):
    """The setup wizard walked with forms through every step and branch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"fiscalyear_last_month": "12", "fiscalyear_last_day": 31})
        cls.connection = cls.xero_connect(cls.company)
        cls.env.flush_all()
        cls.env.cr.precommit.run()  # as if committed: later changes are tracked in the chatter

    def open_wizard(self):
        action = self.env["xero.setup.wizard"]._action_open(self.company)
        self.assertEqual((action["res_model"], action["target"]), ("xero.setup.wizard", "current"))
        return self.env["xero.setup.wizard"].browse(action["res_id"])

    def flush_tracking(self):
        """Tracking values are written when the transaction commits."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def next(self, wizard, expected_step):
        self.assertFalse(wizard.action_next(), "the form reloads itself on the next step")
        self.assertEqual(wizard.step, expected_step)

    def test_walk_import_yes_manual(self):
        wizard = self.open_wizard()
        self.assertEqual(wizard.step, "connect")
        self.assertEqual(wizard.tenant_name, "Demo Company (Global)")
        self.assertEqual(wizard.connection_state, "connected")
        self.next(wizard, "import")

        with Form(wizard) as form:
            self.assertFalse(form.import_choice)
        with self.assertRaisesRegex(UserError, "Choose whether to import"):
            wizard.action_next()
        with Form(wizard) as form:
            form.import_choice = "yes"
        with self.assertRaisesRegex(UserError, "cannot be undone"):
            wizard.action_next()
        with Form(wizard) as form:
            form.import_confirmed = True
        self.next(wizard, "documents")

        with Form(wizard) as form:
            self.assertEqual((form.send_invoices, form.send_bills, form.send_credit_notes, form.send_purchase_orders),
                             (True, True, True, False), "what the addon always sent; purchase orders are asked")
            form.send_invoices = form.send_bills = form.send_credit_notes = False
        with self.assertRaisesRegex(UserError, "at least one type of document"):
            wizard.action_next()
        with Form(wizard) as form:
            form.send_bills = True
            form.send_purchase_orders = True
            form.po_status = "SUBMITTED"
        self.next(wizard, "mappings")

        self.assertRegex(wizard.mapping_todo, r"^2 accounts and 2 taxes in use are not mapped$")
        self.assertFalse(self.connection.master_import_date)
        action = wizard.action_open_mappings()
        self.assertEqual((action["res_model"], action["target"]), ("xero.mapping.wizard", "new"))
        self.assertTrue(self.connection.master_import_date, "Xero's chart and taxes are imported first")
        self.env["xero.mapping.wizard"].browse(action["res_id"]).action_accept_all()
        self.env.invalidate_all()
        self.assertFalse(wizard.mapping_todo, "the suggestions cover what new documents need")
        self.next(wizard, "start_date")

        with Form(wizard) as form:
            form.start_date_choice = "custom"
            form.import_start_date = date(2020, 1, 15)  # the past is allowed
            form.start_date_confirmed = True
        self.next(wizard, "send_mode")

        with Form(wizard) as form:
            self.assertEqual(form.send_mode, "manual", "manual is the default")
            form.send_mode = "manual"
            form.send_mode_confirmed = True
        self.next(wizard, "confirm")
        self.assertIn("Yes, all customers and suppliers", wizard.summary)
        self.assertIn("2020-01-15", wizard.summary)
        self.assertIn("Manually", wizard.summary)
        self.assertIn("Vendor bills, Purchase orders (Awaiting approval)", wizard.summary)

        action = wizard.action_finish()
        self.assertEqual((action["res_model"], action["res_id"], action["target"]),
                         ("xero.connection", self.connection.id, "main"))
        self.assertEqual(action["views"][0][0], self.env.ref("account_xero.xero_connection_dashboard_form").id)
        conn = self.connection
        self.assertTrue(conn.import_contacts)
        job = self.env["xero.import.job"].sudo().search([("connection_id", "=", conn.id)])
        self.assertEqual(len(job), 1, "'Yes' starts the contact import (issue 5's job)")
        self.assertEqual(conn.import_start_date, date(2020, 1, 15))
        self.assertEqual(conn.send_mode, "manual")
        self.assertEqual((conn.send_invoices, conn.send_bills, conn.send_credit_notes, conn.send_purchase_orders,
                          conn.po_status), (False, True, False, True, "SUBMITTED"))
        # the system activity record: every change in the chatter, old -> new
        self.flush_tracking()
        tracked = self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", "xero.connection"), ("mail_message_id.res_id", "=", conn.id),
            ("field_id.name", "=", "import_start_date")])
        self.assertTrue(tracked)
        self.assertEqual(tracked[0].new_value_datetime.date(), date(2020, 1, 15))

    def test_walk_import_no_auto(self):
        wizard = self.open_wizard()
        self.next(wizard, "import")
        with Form(wizard) as form:
            form.import_choice = "no"
        self.next(wizard, "documents")
        self.next(wizard, "mappings")
        self.assertTrue(wizard.mapping_todo)
        self.next(wizard, "start_date")  # unmapped accounts hold back no step: their documents say so
        with Form(wizard) as form:
            form.start_date_choice = "custom"
            form.import_start_date = date(2099, 7, 1)  # the future is allowed
            form.start_date_confirmed = True
        self.next(wizard, "send_mode")
        with Form(wizard) as form:
            form.send_mode = "auto"
            self.assertEqual(form.sync_interval, 2, "every two hours by default")
            form.sync_interval = 6
            form.sync_start = datetime(2099, 7, 1, 6, 0)
            form.send_mode_confirmed = True
        self.next(wizard, "confirm")
        self.assertIn("Automatically every 6 hour(s)", wizard.summary)
        self.assertIn(">No<", wizard.summary)
        wizard.action_finish()
        conn = self.connection
        self.assertFalse(conn.import_contacts)
        self.assertFalse(self.env["xero.import.job"].sudo().search([("connection_id", "=", conn.id)]))
        self.assertEqual((conn.send_mode, conn.sync_interval, conn.sync_start),
                         ("auto", 6, datetime(2099, 7, 1, 6, 0)))
        self.assertEqual(conn.import_start_date, date(2099, 7, 1))

    def test_auto_needs_interval_and_start(self):
        wizard = self.open_wizard()
        wizard.write({"step": "send_mode", "send_mode": "auto", "sync_interval": 0})
        with self.assertRaisesRegex(UserError, "at least every hour"):
            wizard.action_next()
        wizard.write({"sync_interval": 2, "sync_start": False})
        with self.assertRaisesRegex(UserError, "when the automatic send starts"):
            wizard.action_next()

    def test_back_goes_to_the_previous_step(self):
        wizard = self.open_wizard()
        wizard.write({"import_choice": "no", "start_date_confirmed": True, "send_mode_confirmed": True})
        for step in ("import", "documents", "mappings", "start_date", "send_mode", "confirm"):
            self.next(wizard, step)
        for step in ("send_mode", "start_date", "mappings", "documents", "import", "connect"):
            self.assertFalse(wizard.action_back())
            self.assertEqual(wizard.step, step)
        self.assertFalse(wizard.action_back())
        self.assertEqual(wizard.step, "connect", "the first step has no step before it")

    @freeze_time("2025-05-14")
    def test_start_date_quick_choices_calendar_year(self):
        wizard = self.open_wizard()
        wizard.write({"import_choice": "no", "step": "start_date"})
        expected = {
            "today": date(2025, 5, 14),
            "quarter": date(2025, 4, 1),
            "fiscal_year": date(2025, 1, 1),
            "next_quarter": date(2025, 7, 1),
            "next_fiscal_year": date(2026, 1, 1),
        }
        for choice, day in expected.items():
            with Form(wizard) as form:
                form.start_date_choice = choice
                self.assertEqual(form.import_start_date, day, choice)
            self.assertEqual(wizard.import_start_date, day, choice)
        # a date typed by hand is "another date"
        with Form(wizard) as form:
            form.start_date_choice = "quarter"
            form.import_start_date = date(2025, 2, 3)
            self.assertEqual(form.start_date_choice, "custom")
        self.assertEqual(wizard.import_start_date, date(2025, 2, 3))

    @freeze_time("2025-05-14")
    def test_start_date_quick_choices_fiscal_year_from_july(self):
        self.company.write({"fiscalyear_last_month": "6", "fiscalyear_last_day": 30})
        wizard = self.open_wizard()
        wizard.write({"import_choice": "no", "step": "start_date"})
        expected = {
            "quarter": date(2025, 4, 1),
            "fiscal_year": date(2024, 7, 1),
            "next_quarter": date(2025, 7, 1),
            "next_fiscal_year": date(2025, 7, 1),
        }
        for choice, day in expected.items():
            with Form(wizard) as form:
                form.start_date_choice = choice
            self.assertEqual(wizard.import_start_date, day, choice)
        wizard.write({"step": "confirm", "start_date_confirmed": True, "send_mode_confirmed": True})
        wizard.action_finish()
        self.assertEqual(self.connection.import_start_date, date(2025, 7, 1))

    def test_connect_step_needs_a_connection(self):
        company = self.env["res.company"].create({"name": "Not yet on Xero"})
        admin = new_test_user(
            self.env, "xero_setup_admin", groups="base.group_system,account.group_account_manager",
            company_id=company.id, company_ids=[Command.set((company | self.company).ids)])
        Wizard = self.env["xero.setup.wizard"].with_user(admin).with_company(company)
        wizard = Wizard.browse(Wizard._action_open(company)["res_id"])
        conn = wizard.connection_id.sudo()
        self.assertEqual((conn.company_id, conn.state), (company, "draft"), "a connection is prepared")
        self.assertTrue(wizard.needs_credentials)
        with self.assertRaisesRegex(UserError, "Connect to Xero first"):
            wizard.action_next()
        with self.assertRaisesRegex(UserError, "Client ID"):
            wizard.action_connect()
        wizard.write({"app_client_id": "MY-APP", "app_client_secret": "secret"})
        with self.assertRaisesRegex(UserError, "browser session"):
            wizard.action_connect()  # no web request here: the state must be bound to a browser session

    def test_rerun_starts_from_the_stored_choices(self):
        self.connection.write({"import_contacts": True, "import_start_date": date(2024, 10, 1),
                               "send_mode": "auto", "sync_interval": 3,
                               "sync_start": datetime(2024, 10, 1, 8, 0)})
        wizard = self.open_wizard()
        self.assertEqual((wizard.import_choice, wizard.import_confirmed), ("yes", True))
        self.assertEqual((wizard.start_date_choice, wizard.import_start_date), ("custom", date(2024, 10, 1)))
        self.assertEqual((wizard.send_mode, wizard.sync_interval), ("auto", 3))
        self.assertEqual(wizard.sync_start, datetime(2024, 10, 1, 8, 0))

    def test_documents_count_from_start_date(self):
        wizard = self.open_wizard()
        wizard.import_start_date = date(1990, 1, 1)
        moves = self.env["account.move"].search_count([
            ("company_id", "=", self.company.id), ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund", "in_invoice", "in_refund"))])
        self.assertEqual(wizard.documents_count, moves)


@tagged("post_install", "-at_install")
class TestXeroSettings(XeroTransactionCase):
    """Accounting ▸ Settings ▸ Xero writes through to the connection, and
    every change is in its chatter (who, when, old → new)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.xero_connect(cls.env.company)
        cls.env.flush_all()
        cls.env.cr.precommit.run()  # as if committed: later changes are tracked in the chatter

    def test_settings_write_to_the_connection_and_are_tracked(self):
        conn = self.connection
        conn.message_ids.unlink()
        with Form(self.env["res.config.settings"]) as form:
            self.assertEqual(form.xero_tenant_name, "Demo Company (Global)")
            self.assertFalse(form.xero_push_contacts)
            form.xero_push_contacts = True
            form.xero_export_attachments = True
            form.xero_import_payments = True
            form.xero_send_payments = True
            form.xero_invoice_status = "SUBMITTED"
            form.xero_alert_mode = "both"
            form.xero_alert_emails = "accounts@example.com, boss@example.com"
            form.xero_send_mode = "auto"
            form.xero_sync_interval = 4
            form.xero_sync_start = datetime(2030, 1, 1, 7, 0)
        form.record.execute()
        self.assertTrue(conn.push_contacts and conn.export_attachments and conn.import_payments and conn.send_payments)
        self.assertEqual((conn.invoice_status, conn.alert_mode, conn.send_mode, conn.sync_interval),
                         ("SUBMITTED", "both", "auto", 4))
        self.assertEqual(conn.alert_emails, "accounts@example.com, boss@example.com")
        self.assertEqual(conn.sync_start, datetime(2030, 1, 1, 7, 0))
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written when the transaction commits
        values = self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", "xero.connection"), ("mail_message_id.res_id", "=", conn.id)])
        by_field = {t.field_id.name: t for t in values}
        for field in ("push_contacts", "export_attachments", "import_payments", "send_payments",
                      "invoice_status", "alert_mode", "alert_emails", "send_mode", "sync_interval", "sync_start"):
            self.assertIn(field, by_field, field)
        status = by_field["invoice_status"]
        self.assertEqual((status.old_value_char, status.new_value_char), ("Awaiting payment", "Awaiting approval"))
        self.assertEqual((by_field["sync_interval"].old_value_integer, by_field["sync_interval"].new_value_integer),
                         (2, 4))
        message = status.mail_message_id
        self.assertEqual(message.author_id, self.env.user.partner_id)
        self.assertTrue(message.date)

    def test_settings_without_connection_offer_the_setup(self):
        company = self.env["res.company"].create({"name": "No Xero yet"})
        self.env.user.company_ids |= company
        settings = self.env["res.config.settings"].with_company(company).create({"company_id": company.id})
        self.assertFalse(settings.xero_connection_id)
        action = settings.action_xero_open_setup()
        wizard = self.env["xero.setup.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.company_id, company)
