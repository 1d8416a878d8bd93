"""The system activity report: one read-only list of what happened between
Odoo and Xero — every run (send, import, master data, contacts,
reconciliation: manual or automatic, who, when, what, counts, API calls)
and every change of a Xero setting (who, when, from → to, as the
connection's chatter tracked it).

A SQL view over ``xero_sync_run`` and the tracking values of the
connections' messages: always current (Refresh reloads the list), never
written. Tracking values of fields no longer on the connection are shown
with the name Odoo kept; values are shown as text (dates and times in UTC).
"""

from odoo import fields, models, tools
from odoo.tools import SQL

from ..sync.actions import check_user

RUN_KINDS = [("export", "Send to Xero"), ("inbound", "Import from Xero"), ("master", "Master data"),
             ("contacts", "Contact import"), ("reconciliation", "Reconciliation")]


def _value(side):
    """The SQL text of a tracking value (``side``: "old" or "new") by the tracked field's type."""
    return SQL(
        """CASE COALESCE(f.ttype, tv.field_info->>'type')
             WHEN 'boolean' THEN CASE WHEN tv.%(int)s = 1 THEN 'Yes' ELSE 'No' END
             WHEN 'integer' THEN tv.%(int)s::varchar
             WHEN 'float' THEN tv.%(float)s::varchar
             WHEN 'monetary' THEN tv.%(float)s::varchar
             WHEN 'date' THEN to_char(tv.%(dt)s, 'YYYY-MM-DD')
             WHEN 'datetime' THEN to_char(tv.%(dt)s, 'YYYY-MM-DD HH24:MI') || ' UTC'
             ELSE COALESCE(tv.%(char)s, tv.%(text)s)
           END""",
        int=SQL.identifier(f"{side}_value_integer"), float=SQL.identifier(f"{side}_value_float"),
        dt=SQL.identifier(f"{side}_value_datetime"), char=SQL.identifier(f"{side}_value_char"),
        text=SQL.identifier(f"{side}_value_text"))


class XeroActivity(models.Model):
    _name = "xero.activity"
    _description = "Xero System Activity"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "name"
    #: what the view reads: written but not yet flushed, it is flushed before the view is read
    _depends = {
        "xero.sync.run": ["kind", "trigger", "date_start", "user_id", "connection_id", "company_id", "operation",
                          "state", "count_done", "count_failed", "count_skipped", "api_calls", "message"],
        "mail.message": ["model", "res_id", "date", "create_uid"],
        "mail.tracking.value": ["field_id", "field_info", "mail_message_id", "old_value_integer", "old_value_float",
                                "old_value_char", "old_value_text", "old_value_datetime", "new_value_integer",
                                "new_value_float", "new_value_char", "new_value_text", "new_value_datetime"],
        "xero.connection": ["company_id"],
    }

    activity_type = fields.Selection([("run", "Run"), ("setting", "Setting changed")], "Type", readonly=True)
    kind = fields.Selection([*RUN_KINDS, ("setting", "Xero setting")], "What", readonly=True)
    trigger = fields.Selection([("manual", "Manual"), ("auto", "Automatic")], readonly=True)
    date = fields.Datetime("When", readonly=True)
    user_id = fields.Many2one("res.users", "Who", readonly=True)
    connection_id = fields.Many2one("xero.connection", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    name = fields.Char("Activity", readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("partial", "Done with errors"), ("failed", "Failed"),
         ("stopped", "Stopped (limit reached)")], "Outcome", readonly=True)
    count_done = fields.Integer("Succeeded", readonly=True)
    count_failed = fields.Integer("Failed", readonly=True)
    count_skipped = fields.Integer("Skipped", readonly=True)
    api_calls = fields.Integer("API calls", readonly=True)
    old_value = fields.Char("From", readonly=True)
    new_value = fields.Char("To", readonly=True)
    details = fields.Text(readonly=True)
    run_id = fields.Many2one("xero.sync.run", "Run", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """CREATE VIEW %(view)s AS (
                SELECT r.id * 2 AS id, 'run' AS activity_type, r.kind AS kind, r.trigger AS trigger,
                       r.date_start AS date, r.user_id AS user_id, r.connection_id AS connection_id,
                       r.company_id AS company_id, r.operation AS name, r.state AS state,
                       r.count_done AS count_done, r.count_failed AS count_failed,
                       r.count_skipped AS count_skipped, r.api_calls AS api_calls,
                       NULL::varchar AS old_value, NULL::varchar AS new_value, r.message AS details,
                       r.id AS run_id
                  FROM xero_sync_run r
                UNION ALL
                SELECT tv.id * 2 + 1, 'setting', 'setting', 'manual', m.date, m.create_uid, c.id, c.company_id,
                       COALESCE(f.field_description->>'en_US', tv.field_info->>'desc', f.name), NULL, 0, 0, 0, 0,
                       %(old)s, %(new)s, NULL, NULL
                  FROM mail_tracking_value tv
                  JOIN mail_message m ON m.id = tv.mail_message_id AND m.model = 'xero.connection'
                  JOIN xero_connection c ON c.id = m.res_id
             LEFT JOIN ir_model_fields f ON f.id = tv.field_id
            )""", view=SQL.identifier(self._table), old=_value("old"), new=_value("new")))

    def action_refresh(self):
        """Refresh (Xero users): the list read again, with its filters."""
        check_user(self.env)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
