from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class XeroContactImportLine(models.TransientModel):
    """One Xero contact listed by the "Import contacts from Xero" wizard.

    Written by the wizard (``sudo()``) with what Xero answered; the user only
    ticks it: any other field written over RPC is refused, so what is
    imported is what Xero said."""

    _name = "xero.contact.import.line"
    _description = "Xero contact to import"
    _order = "sequence, id"

    wizard_id = fields.Many2one("xero.contact.import", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(readonly=True)
    selected = fields.Boolean("Import")
    contact_id = fields.Char("ContactID", readonly=True)
    name = fields.Char(readonly=True)
    email = fields.Char("E-mail", readonly=True)
    account_number = fields.Char(readonly=True)
    tax_number = fields.Char(readonly=True)
    roles = fields.Char("Customer / supplier", readonly=True)
    linked_partner_id = fields.Many2one("res.partner", "Linked in Odoo to", readonly=True)
    data = fields.Text(readonly=True)

    @api.model
    def _values(self, contact):
        """Line values of one Xero contact (the whole contact kept for the
        import), as the link wizard reads a contact found."""
        found = self.env["xero.link.contact.result"]._values(contact)
        values = {key: found[key] or False for key in ("contact_id", "name", "email", "account_number", "tax_number",
                                                       "data")}
        values["roles"] = found["roles"] or _("Neither yet (no documents)")
        return values

    def write(self, vals):
        if not self.env.su and set(vals) - {"selected"}:
            raise AccessError(_("Only the Import tick of a listed Xero contact can be changed."))
        return super().write(vals)
