from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"
    _xero_id_field = "xero_contact_id"

    xero_contact_id = fields.Char(
        "Xero ContactID", company_dependent=True, copy=False, index="btree_not_null",
        help="Id of this partner's contact in the Xero organisation of the current company.",
    )
