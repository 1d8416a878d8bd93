"""Acceptance 5: in the browser, post an invoice, open the Xero dashboard,
"Send data now", and see it sent."""

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import XeroMixin, get_emulator
from .common_export import XeroExportMixin


@tagged("post_install", "-at_install")
class TestTourSend(XeroExportMixin, XeroMixin, AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.connection = cls.xero_connect(cls.env.company)
        cls.xero_setup_export(base_url=None)

    def test_send_tour(self):
        move = self.xero_move("out_invoice", post=False, ref="XERO-TOUR", lines=[{"price": 480.0, "quantity": 2}])
        self.start_tour(f"/odoo/action-account.action_move_out_invoice_type/{move.id}", "xero_send_tour",
                        login=self.env.user.login)
        self.env.invalidate_all()
        self.assertEqual((move.state, move.xero_state, move.xero_remote_status), ("posted", "sent", "AUTHORISED"))
        doc = self.xero_doc(move)
        self.assertEqual((doc["InvoiceNumber"], doc["Total"], doc["Reference"]), (move.name, 1104.0, "XERO-TOUR"))
