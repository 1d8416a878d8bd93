"""The jobs of OCA queue_job, when it is installed (see ``sync/jobs.py``).

No data: the entry points queue_job calls, each handing over at once to
``sync/jobs.py``. They are private (never called over RPC): queue_job runs
them as the user who queued them, the scheduled action's.
"""

from odoo import models

from ..sync import jobs


class XeroSyncJob(models.AbstractModel):
    _name = "xero.sync.job"
    _description = "Xero work run as queued jobs"

    def _xero_job_send(self, connection_id):
        """One slice of a connection's export (the next one is queued while work is left)."""
        return jobs.run_send(self.env, connection_id)

    def _xero_job_inbound(self, connection_id):
        """Webhook events and payments of a connection."""
        return jobs.run_inbound(self.env, connection_id)

    def _xero_job_contacts(self, import_job_id):
        """Pages of a contact import."""
        return jobs.run_contacts(self.env, import_job_id)
