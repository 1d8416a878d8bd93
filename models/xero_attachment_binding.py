from odoo import api, fields, models


class XeroAttachmentBinding(models.Model):
    """A file attached to one Xero document: the Odoo file, the Odoo record
    whose Xero copy holds it, and the AttachmentID Xero gave it there.

    Bound per file *and* document: the same file goes to several Xero
    documents (a purchase order's files to the order and to the bill made
    from it), each a binding of its own. Written by the attachment exporter
    only (users read them); a binding whose file is deleted goes with it."""

    _name = "xero.attachment.binding"
    _description = "Xero: a file attached to a Xero document"
    _inherit = ["xero.company.mixin"]
    _order = "id"

    attachment_id = fields.Many2one("ir.attachment", "File", required=True, ondelete="cascade", index=True)
    res_model = fields.Char("Document model", required=True)
    res_id = fields.Many2oneReference("Document", model_field="res_model", required=True)
    xero_attachment_id = fields.Char("Xero AttachmentID", required=True)

    _sql_constraints = [
        ("file_document_unique", "unique(connection_id, attachment_id, res_model, res_id)",
         "A file is attached once to a Xero document."),
    ]

    @api.model
    def _xero_sent(self, connection, record, attachments):
        """Ids of ``attachments`` already attached to ``record``'s Xero copy."""
        if not attachments:
            return set()
        found = self.sudo().search([("connection_id", "=", connection.id), ("res_model", "=", record._name),
                                    ("res_id", "=", record.id), ("attachment_id", "in", attachments.ids)])
        return set(found.attachment_id.ids)

    @api.model
    def _xero_bind(self, connection, record, attachment, xero_attachment_id):
        """Record that ``attachment`` is on ``record``'s Xero copy as ``xero_attachment_id``."""
        values = {"connection_id": connection.id, "attachment_id": attachment.id, "res_model": record._name,
                  "res_id": record.id, "xero_attachment_id": xero_attachment_id}
        existing = self.sudo().search([(key, "=", values[key]) for key in
                                       ("connection_id", "attachment_id", "res_model", "res_id")], limit=1)
        if existing:
            existing.xero_attachment_id = xero_attachment_id
            return existing
        return self.sudo().create(values)
