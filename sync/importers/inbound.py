"""Xero → Odoo: the inbound run ("Fetch from Xero now" and its scheduled action).

One run of kind ``inbound`` per call: the queued webhook events first
(:mod:`.webhook_events`), then — when the connection imports payments — the
payments changed in Xero since the last poll (:mod:`.payments`). The run
holds the connection's sync lock, so it never interleaves with a run sending
payments to Xero (a payment being sent is not imported back as a new one);
a second run while one is going is refused with a UserError (its caller, a
person or the scheduled action, comes back).

What the run does not do, and why, goes in its message: payments not read
while payments sent from Odoo wait for Xero's answer, payments left aside
because their document did not come from Odoo. Xero errors are recorded on
the run by :class:`~..run.SyncRun` (a spent day limit stops it, Xero not
answering leaves it partial: the next run reads everything again from the
cursor, which only moves once every page is applied).
"""

from odoo import fields

from ..run import SyncRun
from . import payments, webhook_events
from .payments import payments_in_flight

__all__ = ["InboundRun", "import_from_xero", "payments_in_flight"]


class InboundRun(SyncRun):
    """The run of an import from Xero: ``last_inbound`` is written however it ended."""

    def __init__(self, connection, trigger="auto", client=None):
        super().__init__(connection, "inbound", trigger, operation=connection.env._("Import from Xero"),
                         client=client)

    def after(self):
        self.connection.last_inbound = fields.Datetime.now()


def import_from_xero(connection, trigger="auto", client=None):
    """Process the webhook events, then poll payments; return the closed
    ``xero.sync.run``. ``client`` replaces the connection's own (tests,
    benchmarks). Raises UserError when the connection is not connected or
    another sync of it is running."""
    connection.ensure_one()
    sync = InboundRun(connection, trigger=trigger, client=client)
    with sync as ctx:
        webhook_events.process_events(ctx)
        if ctx.connection.import_payments:
            note = payments.poll(ctx)
            if note:
                ctx.notes.append(note)
    return sync.run
