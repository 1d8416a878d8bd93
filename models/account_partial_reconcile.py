from odoo import api, models

from .account_payment import IMPORT_CONTEXT


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """Queue the payments of new reconciliations for Xero (see
        ``account.payment._xero_queue_payment`` for what is skipped)."""
        partials = super().create(vals_list)
        if not self.env.context.get(IMPORT_CONTEXT):
            payments = (partials.debit_move_id.move_id | partials.credit_move_id.move_id).origin_payment_id
            if payments:
                payments._xero_queue_payment()
        return partials
