from odoo import api, fields, models

from ..sync.actions import guard_xero_fields


class ProductProduct(models.Model):
    """Products linked to a Xero item by the item import (same internal
    reference as the item's code): their purchase order lines carry the
    item's code to Xero. The link is written by the import only."""

    _inherit = "product.product"
    _xero_id_field = "xero_item_id"

    xero_item_id = fields.Char("Xero ItemID", company_dependent=True, copy=False, readonly=True,
                               help="The Xero item this product was imported from or matched to.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            guard_xero_fields(self, vals, ("xero_item_id",))
        return super().create(vals_list)

    def write(self, vals):
        guard_xero_fields(self, vals, ("xero_item_id",))
        return super().write(vals)
