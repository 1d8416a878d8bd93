"""A disconnection discovered inside the scheduled action, with real
database sessions and real commits (the shared test cursor would hide the
bug: the run's own transaction writing the connection after another session
committed the disconnection)."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.modules import module as odoo_module
from odoo.tests import TransactionCase, tagged

from odoo.addons.account_xero.services.client import XeroClient, XeroConfig
from odoo.addons.account_xero.sync.cron import update_cron

from .common import DEMO, get_emulator


@contextmanager
def production(registry):
    """A real session that commits, as in a cron worker (not the test's cursor)."""
    with patch.object(odoo_module, "current_test", None), registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        cr.commit()  # pylint: disable=invalid-commit  # the point: a worker's real commit


@tagged("post_install", "-at_install")
class TestCronDisconnection(TransactionCase):

    def setUp(self):
        super().setUp()
        self.emulator = get_emulator()
        self.emulator.reset()
        self.created = {}
        self.addCleanup(self.drop)

    def drop(self):
        with production(self.registry) as env:
            for model, ids in reversed(list(self.created.items())):
                env[model].browse(ids).exists().unlink()
            update_cron(env)  # as it was: no automatic connection left

    def test_refused_refresh_token_in_the_cron_is_recorded_and_alerted(self):
        token = self.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])
        emu = self.emulator
        with production(self.registry) as env:
            company = env.ref("base.main_company")
            admin = env.ref("base.user_admin")
            conn = env["xero.connection"].create({
                "company_id": company.id, "state": "connected", "api_url": emu.base_url,
                "identity_url": emu.base_url, "login_url": emu.base_url, "client_id": DEMO.client_id,
                "client_secret": DEMO.client_secret, "tenant_id": DEMO.tenant_id, "tenant_name": DEMO.tenant_name,
                "access_token": token["access_token"], "refresh_token": token["refresh_token"],
                "token_expires_at": fields.Datetime.subtract(fields.Datetime.now(), minutes=5),
            })
            conn.write({"send_mode": "auto"})  # due now
            partner = env["res.partner"].create({"name": "Cron Disconnected Ltd", "is_company": True})
            env["xero.queue"]._xero_enqueue(conn, partner, action="contact")
            self.created = {"res.partner": partner.ids, "xero.connection": conn.ids}
            conn_id, admin_id = conn.id, admin.id
            self.assertIn(company, admin.company_ids)
        # the organisation withdraws the authorisation: the next refresh is refused (invalid_grant)
        config = XeroConfig(client_id=DEMO.client_id, client_secret=DEMO.client_secret, api_url=emu.base_url,
                            identity_url=emu.base_url, login_url=emu.base_url)
        XeroClient(config).revoke(token["refresh_token"])
        with production(self.registry) as env:
            env["xero.connection"]._cron_xero_sync()
        with production(self.registry) as env:
            conn = env["xero.connection"].browse(conn_id)
            self.assertEqual(conn.state, "disconnected", "recorded despite the cron's own transaction")
            self.assertIn("no longer accepts", conn.state_message)
            todo = conn.activity_ids.filtered(lambda a: a.user_id.id == admin_id)
            self.assertTrue(todo, "the administrators are told")
            run = env["xero.sync.run"].search([("connection_id", "=", conn_id)], limit=1)
            self.assertEqual(run.state, "failed")
            self.assertTrue(run.message)
            self.assertTrue(conn.last_sync, "the run's book-keeping did not conflict with the disconnection")
            row = env["xero.queue"].search([("connection_id", "=", conn_id)])
            self.assertIn(row.state, ("waiting", "sending"), "nothing lost: sent after reconnecting")
