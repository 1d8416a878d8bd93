from odoo import api, fields, models

from ..sync.actions import guard_xero_fields


class IrAttachment(models.Model):
    """Files of invoices and bills, bound to the Xero attachment they became.

    A new file on a document already in Xero is queued for export when the
    connection exports attachments. Deleting a file in Odoo does not delete
    it in Xero (Xero's API cannot delete attachments)."""

    _inherit = "ir.attachment"
    _xero_id_field = "xero_attachment_id"

    xero_attachment_id = fields.Char(
        "Xero AttachmentID", copy=False, index="btree_not_null",
        help="Set once the file is attached to the document in Xero.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            guard_xero_fields(self, vals, ("xero_attachment_id",))
        attachments = super().create(vals_list)
        move_ids = {att.res_id for att in attachments
                    if att.res_model == "account.move" and att.res_id and not att.res_field and att.type == "binary"}
        if move_ids:
            moves = self.env["account.move"].sudo().browse(move_ids).exists()
            moves.filtered(lambda m: m.state == "posted" and m.xero_id)._xero_queue_attachments(only_when_enabled=True)
        return attachments

    def write(self, vals):
        guard_xero_fields(self, vals, ("xero_attachment_id",))
        return super().write(vals)
