from odoo import fields, models

from ..sync.actions import guard_xero_fields


class AccountAccount(models.Model):
    _inherit = "account.account"
    _xero_id_field = "xero_account_id"

    xero_account_id = fields.Char(
        "Xero AccountID", company_dependent=True, copy=False, index="btree_not_null",
        help="Id of the matching account in the Xero organisation of the current company.",
    )
    xero_code = fields.Char(
        "Xero account code", company_dependent=True, copy=False,
        help="Code of the Xero account lines on this account are sent to "
        "(the 'nominal code'). Empty: the Odoo code is used when Xero has it.",
    )

    def write(self, vals):
        guard_xero_fields(self, vals, ("xero_account_id",))
        return super().write(vals)
