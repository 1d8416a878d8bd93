from odoo import models

from ..services.mappers.invoice import kind_of

#: line fields whose change may change what Xero shows of its document
XERO_RELEVANT_LINE_FIELDS = frozenset({
    "name", "analytic_distribution", "account_id", "quantity", "price_unit", "discount", "tax_ids",
})


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def write(self, vals):
        res = super().write(vals)
        if XERO_RELEVANT_LINE_FIELDS & vals.keys() and not self.env.context.get("xero_no_queue"):
            self.move_id.filtered(lambda m: m.state == "posted" and kind_of(m))._xero_queue_documents()
        return res
