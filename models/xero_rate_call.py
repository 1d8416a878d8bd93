"""Calls to Xero as the shared rate governor counts them (see
``services/shared_governor.py``): one row per call, kept two minutes.

The rows are written and read by the governor only, in short transactions
of its own through SQL (a row per call, the ORM would cost more than the
call's bookkeeping is worth); the model gives the table, its indexes and a
read-only view for system administrators. Times are seconds since the epoch
of the calling process's clock (the machines sharing a database keep their
clocks in sync: NTP; the governor keeps a second of margin).
"""

from odoo import fields, models


class XeroRateCall(models.Model):
    _name = "xero.rate.call"
    _description = "Xero call counted by the rate governor"
    _log_access = False
    _order = "id desc"

    tenant = fields.Char(required=True, readonly=True, help="Xero organisation (tenant id) called.")
    app = fields.Char(readonly=True, help="The app (OAuth client id) that called: Xero's app-wide limit is per app.")
    started = fields.Float(required=True, readonly=True, help="When the call started (epoch seconds).")
    ended = fields.Float(readonly=True, help="When its answer came (empty while it is in flight).")

    def init(self):
        """Indexes of the governor's two questions: an organisation's calls
        in the last minute, an app's calls in the last minute."""
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS xero_rate_call_tenant_started "
                            "ON xero_rate_call (tenant, started)")
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS xero_rate_call_app_started ON xero_rate_call (app, started)")
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS xero_rate_call_started ON xero_rate_call (started)")
