from odoo import api, fields, models

from ..sync.actions import check_manager, check_user, waiting_of_types

#: settings field → the connection's "Documents to send" field
DOCUMENT_TYPES = {"xero_send_invoices": "send_invoices", "xero_send_bills": "send_bills",
                  "xero_send_credit_notes": "send_credit_notes", "xero_send_purchase_orders": "send_purchase_orders"}


class ResConfigSettings(models.TransientModel):
    """Accounting ▸ Settings ▸ Xero: the options of the current company's
    connection. Each field writes through to the connection, whose chatter
    tracks every change (who, when, old → new)."""

    _inherit = "res.config.settings"

    xero_connection_id = fields.Many2one("xero.connection", compute="_compute_xero_connection_id")
    xero_connection_state = fields.Selection(related="xero_connection_id.state", string="Xero status")
    xero_tenant_name = fields.Char(related="xero_connection_id.tenant_name", string="Xero organisation")
    xero_push_contacts = fields.Boolean(related="xero_connection_id.push_contacts", readonly=False)
    xero_export_attachments = fields.Boolean(related="xero_connection_id.export_attachments", readonly=False)
    xero_import_payments = fields.Boolean(related="xero_connection_id.import_payments", readonly=False)
    xero_send_payments = fields.Boolean(related="xero_connection_id.send_payments", readonly=False)
    xero_invoice_status = fields.Selection(related="xero_connection_id.invoice_status", readonly=False)
    xero_send_invoices = fields.Boolean(related="xero_connection_id.send_invoices", readonly=False)
    xero_send_bills = fields.Boolean(related="xero_connection_id.send_bills", readonly=False)
    xero_send_credit_notes = fields.Boolean(related="xero_connection_id.send_credit_notes", readonly=False)
    xero_send_purchase_orders = fields.Boolean(related="xero_connection_id.send_purchase_orders", readonly=False)
    xero_po_status = fields.Selection(related="xero_connection_id.po_status", readonly=False)
    xero_alert_mode = fields.Selection(related="xero_connection_id.alert_mode", readonly=False)
    xero_alert_emails = fields.Char(related="xero_connection_id.alert_emails", readonly=False)
    xero_send_mode = fields.Selection(related="xero_connection_id.send_mode", readonly=False)
    xero_sync_interval = fields.Integer(related="xero_connection_id.sync_interval", readonly=False)
    xero_sync_start = fields.Datetime(related="xero_connection_id.sync_start", readonly=False)

    @api.depends("company_id")
    def _compute_xero_connection_id(self):
        for settings in self:
            settings.xero_connection_id = self.env["xero.connection"]._for_company(settings.company_id)

    @api.onchange(*DOCUMENT_TYPES)
    def _onchange_xero_documents(self):
        """A document type turned off: say what of the types off already waits."""
        conn = self.xero_connection_id
        off = [field for name, field in DOCUMENT_TYPES.items() if conn and not self[name]]
        message = off and waiting_of_types(conn, off)
        if message:
            return {"warning": {"title": self.env._("Documents to send"), "message": message}}
        return None

    def action_xero_open_setup(self):
        check_manager(self.env)
        return self.env["xero.setup.wizard"]._action_open(self.company_id)

    def action_xero_open_connection(self):
        self.ensure_one()
        check_user(self.env)
        return {
            "type": "ir.actions.act_window",
            "res_model": "xero.connection",
            "res_id": self.xero_connection_id.id,
            "view_mode": "form",
            "views": [(self.env.ref("account_xero.xero_connection_form").id, "form")],
        }
