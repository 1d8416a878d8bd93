from odoo import models


class AccountTax(models.Model):
    _inherit = "account.tax"

    def _xero_percent(self):
        """The tax's percentage (a group: the sum of its percent children),
        or None when it is not a plain percentage."""
        self.ensure_one()
        if self.amount_type == "percent":
            return self.amount
        if self.amount_type == "group" and all(c.amount_type == "percent" for c in self.children_tax_ids):
            return sum(self.children_tax_ids.mapped("amount"))
        return None
