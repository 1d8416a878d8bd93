from odoo import api, fields, models
from odoo.tools import SQL

EXCERPT = 4000

XERO_OBJECTS = [
    ("contact", "Contact"), ("invoice", "Invoice"), ("credit_note", "Credit note"),
    ("purchase_order", "Purchase order"),
    ("payment", "Payment"), ("attachment", "Attachment"), ("account", "Account"),
    ("tax_rate", "Tax rate"), ("tracking", "Tracking category"), ("item", "Item"),
    ("organisation", "Organisation"), ("webhook", "Webhook"), ("report", "Reconciliation"),
]


class XeroSyncLog(models.Model):
    """One attempt to sync one record, in one direction, with its outcome."""

    _name = "xero.sync.log"
    _description = "Xero Sync Log"
    _inherit = ["xero.company.mixin"]
    _order = "id desc"
    _rec_name = "record_name"

    run_id = fields.Many2one("xero.sync.run", ondelete="cascade", index=True)
    res_model = fields.Char("Model", index=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model")
    record_name = fields.Char("Record")
    xero_object = fields.Selection(XERO_OBJECTS, required=True, index=True)
    xero_id = fields.Char("Xero ID")
    direction = fields.Selection([("export", "Odoo → Xero"), ("import", "Xero → Odoo")], required=True)
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")], required=True, index=True)
    message = fields.Text()
    request_excerpt = fields.Text()
    response_excerpt = fields.Text()

    @api.model
    def _excerpt(self, value):
        if value is None:
            return False
        text = value if isinstance(value, str) else repr(value)
        return text[:EXCERPT]

    @api.model
    def _create_many(self, vals_list):
        """Create log rows from :meth:`_log_vals` values in one INSERT: a send
        logs its documents fifty at a time, and the ORM's ``create`` of a log
        row (which has no logic: plain values, the company its connection's)
        costs more than the rest of the bookkeeping of the document."""
        if not vals_list:
            return
        conns = self.env["xero.connection"].sudo().browse({vals["connection_id"] for vals in vals_list})
        conns.fetch(["company_id"])  # not the connection's sixty other columns
        company = {conn.id: conn.company_id.id for conn in conns}
        now, uid = fields.Datetime.now(), self.env.uid
        self.flush_model()
        rows = SQL(", ").join(SQL(
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            vals["connection_id"], company[vals["connection_id"]], vals.get("run_id") or None,
            vals.get("res_model") or None, vals.get("res_id") or None, vals.get("record_name") or None,
            vals["xero_object"], vals["direction"], vals["state"], vals.get("message") or None,
            vals.get("xero_id") or None, vals.get("request_excerpt") or None, vals.get("response_excerpt") or None,
            uid, now, uid, now) for vals in vals_list)
        self.env.cr.execute(SQL(
            """INSERT INTO xero_sync_log (connection_id, company_id, run_id, res_model, res_id, record_name,
                                          xero_object, direction, state, message, xero_id, request_excerpt,
                                          response_excerpt, create_uid, create_date, write_uid, write_date)
               VALUES %s""", rows))

    @api.model
    def _log(self, connection, xero_object, direction, state, record=None, message=None,
             run=None, xero_id=None, request=None, response=None):
        """Create one log row; ``request``/``response`` are cut to excerpts."""
        return self.sudo().create(self._log_vals(
            connection, xero_object, direction, state, record=record, message=message, run=run,
            xero_id=xero_id, request=request, response=response))

    @api.model
    def _log_vals(self, connection, xero_object, direction, state, record=None, message=None,
                  run=None, xero_id=None, request=None, response=None, record_name=None):
        """The values of one log row (see :meth:`_log`); a batch creates
        many of them in one ``create``."""
        return {
            "connection_id": connection.id,
            "run_id": run.id if run else False,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "record_name": (record_name or record.display_name) if record else False,
            "xero_object": xero_object,
            "direction": direction,
            "state": state,
            "message": message,
            "xero_id": xero_id,
            "request_excerpt": self._excerpt(request),
            "response_excerpt": self._excerpt(response),
        }

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
