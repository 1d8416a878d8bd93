"""The system activity report: every run and every change of a Xero setting
in one read-only list, searchable by date, type and user."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common_export import XeroExportCase


@tagged("post_install", "-at_install")
class TestActivityReport(XeroExportCase):

    def flush_tracking(self):
        """Tracking values are written when the transaction commits."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_runs_and_setting_changes_in_one_list(self):
        company = self.env.company
        clerk = new_test_user(self.env, "xero_activity_clerk", groups="account.group_account_invoice",
                              company_id=company.id, company_ids=[Command.set(company.ids)])
        self.flush_tracking()  # what the fixtures changed is not this test's
        self.xero_move()
        self.connection.with_user(clerk).action_send_now()
        manual = self.env["xero.sync.run"].search([("connection_id", "=", self.connection.id)], limit=1)
        auto = self.connection._xero_sync(trigger="auto")
        # (the accounting fixtures turn tracking off: a user's write tracks)
        tracked = self.connection.with_context(tracking_disable=False, mail_notrack=False)
        tracked.write({"send_mode": "auto", "invoice_status": "SUBMITTED", "push_contacts": True,
                       "import_start_date": "2020-02-01"})
        self.flush_tracking()
        Activity = self.env["xero.activity"].with_user(clerk)
        rows = Activity.search([("connection_id", "=", self.connection.id)])
        # the runs: manual or automatic, who, when, what, counts, API calls
        by_run = {row.run_id: row for row in rows if row.activity_type == "run"}
        row = by_run[manual]
        self.assertEqual((row.kind, row.trigger, row.user_id, row.name, row.state), (
            "export", "manual", clerk, "Send to Xero", "done"))
        self.assertEqual((row.count_done, row.count_failed, row.api_calls), (2, 0, 2), "the contact and the invoice")
        self.assertEqual(row.date, manual.date_start)
        self.assertEqual((by_run[auto].trigger, by_run[auto].api_calls), ("auto", 0))
        # the settings: who, when, from → to
        settings = {row.name: row for row in rows if row.activity_type == "setting"}
        self.assertEqual((settings["Send Mode"].old_value, settings["Send Mode"].new_value),
                         ("Manually", "Automatically"))
        self.assertEqual((settings["Status in Xero"].old_value, settings["Status in Xero"].new_value),
                         ("Awaiting payment", "Awaiting approval"))
        self.assertEqual((settings["Push contact changes to Xero"].old_value,
                          settings["Push contact changes to Xero"].new_value), ("No", "Yes"))
        start = settings["Import Start Date"]
        self.assertEqual((start.old_value, start.new_value), ("2019-01-01", "2020-02-01"))
        self.assertEqual((start.user_id, start.kind), (self.env.user, "setting"))
        self.assertTrue(start.date)
        # searchable by date range, type and user
        now = fields.Datetime.now()
        self.assertEqual(Activity.search([("connection_id", "=", self.connection.id),
                                          ("date", ">=", now - timedelta(hours=1)), ("date", "<=", now)]), rows)
        self.assertFalse(Activity.search([("date", "<", now - timedelta(days=1))]))
        self.assertEqual(set(Activity.search([("activity_type", "=", "setting")]).mapped("name")), {
            "Send Mode", "Status in Xero", "Push contact changes to Xero", "Import Start Date"})
        self.assertEqual(Activity.search([("user_id", "=", clerk.id)]), by_run[manual])
        self.assertEqual(Activity.search([("activity_type", "=", "run"), ("trigger", "=", "auto")]), by_run[auto])
        # Refresh: the list is read again, and what happened since is in it
        self.assertEqual(rows.action_refresh(), {"type": "ir.actions.client", "tag": "soft_reload"})
        later = self.connection._xero_sync()
        self.assertIn(later, Activity.search([]).run_id)

    def test_who_may_read_it(self):
        company = self.env.company
        employee = new_test_user(self.env, "xero_activity_employee", groups="base.group_user",
                                 company_id=company.id, company_ids=[Command.set(company.ids)])
        self.connection._xero_sync()
        with self.assertRaises(AccessError):
            self.env["xero.activity"].with_user(employee).search([])
        with self.assertRaises(AccessError):
            self.env["xero.activity"].with_user(employee).browse().action_refresh()
        other = self.env["res.company"].create({"name": "Elsewhere"})
        manager = new_test_user(self.env, "xero_activity_elsewhere", groups="account.group_account_manager",
                                company_id=other.id, company_ids=[Command.set(other.ids)])
        self.assertFalse(self.env["xero.activity"].with_user(manager).search([]), "another company's activity")
        menu = self.env.ref("account_xero.menu_xero_activity")
        self.assertEqual(menu.action, self.env.ref("account_xero.action_xero_activity"))
