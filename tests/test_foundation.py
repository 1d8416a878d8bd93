from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestFoundation(AccountTestInvoicingCommon):
    """Data model, security and binding rules every other feature relies on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        Conn = cls.env["xero.connection"].sudo()
        cls.conn_a = Conn.create({"company_id": cls.company_a.id, "tenant_name": "Org A",
                                  "access_token": "secret-a", "refresh_token": "refresh-a"})
        cls.conn_b = Conn.create({"company_id": cls.company_b.id, "tenant_name": "Org B",
                                  "access_token": "secret-b"})
        for conn in (cls.conn_a, cls.conn_b):
            run = cls.env["xero.sync.run"].sudo().create({"connection_id": conn.id, "operation": "export"})
            cls.env["xero.sync.log"].sudo()._log(conn, "invoice", "export", "failed", run=run, message="x")
            cls.env["xero.queue"].sudo().create({"connection_id": conn.id, "res_model": "res.partner",
                                                 "res_id": cls.partner_a.id, "action": "contact"})
        cls.user_a = new_test_user(
            cls.env, "xero_user_a", groups="account.group_account_invoice",
            company_id=cls.company_a.id, company_ids=[Command.set(cls.company_a.ids)])
        cls.manager_a = new_test_user(
            cls.env, "xero_manager_a", groups="account.group_account_manager",
            company_id=cls.company_a.id, company_ids=[Command.set(cls.company_a.ids)])

    def test_groups_implied_by_accounting_groups(self):
        self.assertTrue(self.user_a.has_group("account_xero.group_xero_user"))
        self.assertFalse(self.user_a.has_group("account_xero.group_xero_manager"))
        self.assertTrue(self.manager_a.has_group("account_xero.group_xero_manager"))

    def test_one_connection_per_company(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["xero.connection"].sudo().create({"company_id": self.company_a.id})

    def test_company_isolation(self):
        for model in ("xero.connection", "xero.sync.run", "xero.sync.log", "xero.queue"):
            records = self.env[model].with_user(self.manager_a).search([])
            self.assertTrue(records, model)
            self.assertEqual(records.company_id, self.company_a, model)
        foreign = self.env["xero.sync.log"].search([("company_id", "=", self.company_b.id)])
        with self.assertRaises(AccessError):
            foreign.with_user(self.manager_a).read(["message"])
        with self.assertRaises(AccessError):
            self.conn_b.with_user(self.manager_a).read(["tenant_name"])

    def test_token_fields_need_system_group(self):
        conn = self.conn_a.with_user(self.manager_a)
        self.assertEqual(conn.tenant_name, "Org A")
        for field in ("access_token", "refresh_token", "client_secret", "client_id", "webhook_key"):
            with self.assertRaises(AccessError, msg=field):
                conn.read([field])
        sysadmin = new_test_user(self.env, "xero_sysadmin", groups="base.group_system,account.group_account_manager",
                                 company_id=self.company_a.id, company_ids=[Command.set(self.company_a.ids)])
        self.assertEqual(self.conn_a.with_user(sysadmin).access_token, "secret-a")

    def test_logs_and_runs_read_only_to_users(self):
        log = self.env["xero.sync.log"].with_user(self.user_a).search([], limit=1)
        self.assertTrue(log)
        with self.assertRaises(AccessError):
            log.write({"message": "tampered"})
        with self.assertRaises(AccessError):
            self.env["xero.sync.run"].with_user(self.manager_a).create({"connection_id": self.conn_a.id})

    def test_copy_does_not_copy_xero_ids(self):
        binder = self.env["xero.binder"]
        binder._bind(self.partner_a, "c-1", self.company_a)
        self.assertEqual(self.partner_a.copy().with_company(self.company_a).xero_contact_id, False)
        invoice = self.init_invoice("out_invoice", products=self.product_a, post=True)
        invoice.sudo().write({"xero_id": "inv-1", "xero_state": "sent", "xero_hash": "abc"})
        copy = invoice.copy()
        self.assertFalse(copy.xero_id)
        self.assertEqual(copy.xero_state, "none")
        self.assertFalse(copy.xero_hash)

    def test_binder_is_company_scoped(self):
        binder = self.env["xero.binder"]
        binder._bind(self.partner_a, "contact-a", self.company_a)
        binder._bind(self.partner_a, "contact-b", self.company_b)
        self.assertEqual(binder._to_record("res.partner", "contact-a", self.company_a), self.partner_a)
        self.assertFalse(binder._to_record("res.partner", "contact-a", self.company_b))
        self.assertEqual(binder._to_xero(self.partner_a, self.company_b), "contact-b")
        # archived partners are still found: never create a second contact for them
        self.partner_a.active = False
        found = binder._to_records("res.partner", ["contact-a", "nope"], self.company_a)
        self.assertEqual(found, {"contact-a": self.partner_a})
        binder._unbind(self.partner_a, self.company_a)
        self.assertFalse(binder._to_record("res.partner", "contact-a", self.company_a))
        account = self.company_data["default_account_revenue"]
        binder._bind(account, "acc-1", self.company_a)
        self.assertEqual(binder._to_record("account.account", "acc-1", self.company_a), account)

    def test_menus_open_real_views(self):
        for xmlid in ("menu_xero_dashboard", "menu_xero_queue", "menu_xero_history",
                      "menu_xero_connection", "menu_xero_account_mapping"):
            menu = self.env.ref(f"account_xero.{xmlid}")
            self.assertTrue(menu.action, xmlid)
            action = menu.action.sudo()
            views = self.env[action.res_model].get_views(
                [(False, mode) for mode in action.view_mode.split(",")])
            self.assertTrue(views["views"], xmlid)

    def test_dashboard_counts(self):
        self.assertEqual(self.conn_a.count_waiting, 1)
        self.conn_a.sudo().write({})
        queue = self.env["xero.queue"].search([("connection_id", "=", self.conn_a.id)])
        queue.sudo().write({"state": "failed"})  # queue rows are written by the code only
        self.conn_a.invalidate_recordset(["count_waiting", "count_failed"])
        self.assertEqual((self.conn_a.count_waiting, self.conn_a.count_failed), (0, 1))
        queue.action_retry()
        self.assertEqual(queue.state, "waiting")
