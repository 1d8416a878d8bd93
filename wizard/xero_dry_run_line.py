from odoo import fields, models

from ..models.xero_queue import QUEUE_ACTIONS
from .xero_dry_run import OUTCOMES


class XeroDryRunLine(models.TransientModel):
    _name = "xero.dry.run.line"
    _description = "Xero: one record of a send preview"
    _order = "id"

    wizard_id = fields.Many2one("xero.dry.run", required=True, ondelete="cascade")
    res_model = fields.Char("Model")
    res_id = fields.Many2oneReference("Record ID", model_field="res_model")
    record_name = fields.Char("Record")
    action = fields.Selection(QUEUE_ACTIONS)
    outcome = fields.Selection(OUTCOMES)
    message = fields.Text()
    payload = fields.Text(help="The element that would be sent, as JSON.")

    def action_open_record(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model, "res_id": self.res_id,
                "view_mode": "form"}
