from odoo import api, models


class IrAttachment(models.Model):
    """Files of invoices, bills and purchase orders on their way to Xero.

    A new file on a document already in Xero is queued for export when the
    connection exports attachments; a new file on a purchase order goes to
    the order and to the bills made from it that are in Xero. Where a file
    went in Xero is kept per file and document by ``xero.attachment.binding``.
    Deleting a file in Odoo does not delete it in Xero (Xero's API cannot
    delete attachments)."""

    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        attachments = super().create(vals_list)
        files = attachments.filtered(lambda a: a.res_id and not a.res_field and a.type == "binary")
        move_ids = {att.res_id for att in files if att.res_model == "account.move"}
        order_ids = {att.res_id for att in files if att.res_model == "purchase.order"}
        if move_ids:
            moves = self.env["account.move"].sudo().browse(move_ids).exists()
            moves.filtered(lambda m: m.state == "posted" and m.xero_id)._xero_queue_attachments(only_when_enabled=True)
        if order_ids:
            orders = self.env["purchase.order"].sudo().browse(order_ids).exists()
            orders._xero_queue_attachments(only_when_enabled=True)
            bills = orders.invoice_ids.filtered(lambda m: m.state == "posted" and m.xero_id)
            bills._xero_queue_attachments(only_when_enabled=True)
        return attachments
