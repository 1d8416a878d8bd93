"""Acceptance 3 of issue 16: the demo of ``make run`` — seeded by the very
function ``make run`` calls — has its work waiting; in the browser, open the
Xero dashboard and "Send data now": every waiting demo document, and the
payment, is in Xero."""

from odoo.tests import HttpCase, tagged

from odoo.addons.account_xero.demo.seed import seed_demo

from .common import XeroMixin, get_emulator


@tagged("post_install", "-at_install")
class TestTourDemo(XeroMixin, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", "http://odoo.test")
        cls.connection = cls.xero_connect(cls.env.ref("base.main_company"))
        cls.demo = seed_demo(cls.connection)

    def test_demo_send_tour(self):
        demo = self.demo
        moves, payment = demo["moves"], demo["payment"]
        self.assertTrue(demo["created"] and demo["mapped"])
        first, waiting = moves[:1], moves[1:]
        self.assertEqual(first.xero_state, "sent", "the first invoice was sent before, so its payment waits")
        self.assertEqual(set(waiting.mapped("xero_state")), {"waiting"})
        Queue = self.env["xero.queue"].sudo()
        self.assertEqual(Queue.search_count([("res_model", "=", "account.payment"), ("res_id", "=", payment.id),
                                             ("state", "=", "waiting")]), 1)
        self.assertEqual(self.connection.count_waiting, 6)
        self.assertFalse(self.connection.mapping_todo)
        again = seed_demo(self.connection)
        self.assertFalse(again["created"], "a second call adds nothing")
        self.assertEqual(again["moves"], moves)

        self.start_tour("/odoo", "xero_demo_tour", login="admin")
        self.env.invalidate_all()
        self.assertEqual(set(moves.mapped("xero_state")), {"sent"}, moves.mapped("xero_message"))
        self.assertTrue(payment.xero_payment_id)
        self.assertEqual(self.connection.count_waiting, 0)
