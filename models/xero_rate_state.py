"""What Xero last said of a rate limit, shared by every process (see
``services/shared_governor.py``): one row per organisation (``t:<tenant
id>``) and per app (``a:<client id>``) — the ``X-MinLimit-Remaining`` /
``X-AppMinLimit-Remaining`` of the last answer and when it came, and until
when nobody calls after a 429. Written and read by the governor only,
through SQL, in short transactions of its own.
"""

from odoo import fields, models


class XeroRateState(models.Model):
    _name = "xero.rate.state"
    _description = "Xero rate limit as last reported"
    _log_access = False
    _rec_name = "key"

    key = fields.Char(required=True, readonly=True, index=True)
    remaining = fields.Integer(readonly=True, help="Calls Xero said were left in its minute window.")
    reported_at = fields.Float(readonly=True, help="When Xero said so (epoch seconds).")
    blocked_until = fields.Float(readonly=True, help="After a 429: no call before then (epoch seconds).")

    _sql_constraints = [("key_unique", "unique(key)", "One row per organisation or app.")]
