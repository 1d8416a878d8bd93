"""After Xero's consent: pick the organisation when several were granted,
and confirm when it is not the organisation the company was linked to."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..sync.actions import check_manager


class XeroConnectWizard(models.TransientModel):
    _name = "xero.connect.wizard"
    _description = "Choose the Xero organisation"

    pending_id = fields.Many2one("xero.oauth.state", required=True, ondelete="cascade")
    connection_id = fields.Many2one("xero.connection", compute="_compute_from_pending")
    company_id = fields.Many2one("res.company", compute="_compute_from_pending")
    previous_tenant_id = fields.Char(compute="_compute_from_pending")
    previous_tenant_name = fields.Char("Linked until now to", compute="_compute_from_pending")
    line_ids = fields.One2many("xero.connect.wizard.line", "wizard_id")
    line_count = fields.Integer(compute="_compute_line_count")
    line_id = fields.Many2one("xero.connect.wizard.line", "Organisation",
                              domain="[('wizard_id', '=', id)]")
    needs_confirmation = fields.Boolean(compute="_compute_needs_confirmation")
    confirm_clear = fields.Boolean(
        "I understand that the links to the previous organisation are cleared")

    @api.model_create_multi
    def create(self, vals_list):
        """One line per organisation of the authorisation; the one linked
        before (if granted) is preselected, else the only one."""
        wizards = super().create(vals_list)
        for wizard in wizards:
            pending = wizard.pending_id.sudo()
            if pending.user_id != self.env.user:
                raise UserError(_("This authorisation belongs to another user."))
            orgs = pending._xero_organisations()
            wizard.line_ids = [(0, 0, {"tenant_id": o["tenantId"], "tenant_name": o.get("tenantName") or o["tenantId"]})
                               for o in orgs]
            previous = wizard.line_ids.filtered_domain([("tenant_id", "=", pending.connection_id.tenant_id)])
            wizard.line_id = previous or (wizard.line_ids if len(wizard.line_ids) == 1 else False)
        return wizards

    @api.depends("pending_id")
    def _compute_from_pending(self):
        for wizard in self:
            conn = wizard.pending_id.sudo().connection_id
            wizard.connection_id = conn
            wizard.company_id = conn.company_id
            wizard.previous_tenant_id = conn.tenant_id
            wizard.previous_tenant_name = conn.tenant_name

    @api.depends("line_ids")
    def _compute_line_count(self):
        for wizard in self:
            wizard.line_count = len(wizard.line_ids)

    @api.depends("line_id", "previous_tenant_id")
    def _compute_needs_confirmation(self):
        for wizard in self:
            wizard.needs_confirmation = bool(
                wizard.line_id and wizard.previous_tenant_id
                and wizard.line_id.tenant_id != wizard.previous_tenant_id)

    def action_confirm(self):
        """Connect the chosen organisation (administrators); go on where the connection was started."""
        self.ensure_one()
        check_manager(self.env)
        if not self.line_id:
            raise UserError(_("Choose the organisation to connect."))
        if self.needs_confirmation and not self.confirm_clear:
            raise UserError(_(
                "Tick the box to confirm: connecting %(new)s instead of %(old)s clears the links "
                "to %(old)s (contacts, accounts and documents will be matched again).",
                new=self.line_id.tenant_name, old=self.previous_tenant_name))
        url = self.pending_id._xero_apply(self.line_id.tenant_id, confirmed=self.needs_confirmation)
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_cancel(self):
        """Keep the connection as it was; the authorisation is dropped."""
        self.ensure_one()
        pending = self.pending_id.sudo()
        if pending.user_id == self.env.user and pending.status == "authorised":
            pending.write({"status": "refused", "token_json": False, "message": _("Cancelled")})
        return {"type": "ir.actions.act_url", "url": pending._xero_next_url(), "target": "self"}

