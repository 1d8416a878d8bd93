"""The dashboard's buttons on a connection: preview of the next send, and
the lists behind its figures."""

from odoo import models


class XeroConnectionDashboard(models.Model):
    _inherit = "xero.connection"

    def action_xero_dry_run(self):
        """Dashboard button "Preview next send"."""
        self.ensure_one()
        wizard = self.env["xero.dry.run"]._xero_preview(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Next send to Xero (preview)"),
            "res_model": "xero.dry.run",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_sync_run")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_view_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_xero.action_xero_sync_log")
        action["domain"] = [("connection_id", "=", self.id)]
        return action
