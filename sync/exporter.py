"""Exporters: one class per kind of write to Xero, with named steps.

The export of a run (:mod:`.export`) gives each exporter, in the order of
the registry (:mod:`.registry`), its due queue rows batch by batch; the
exporter walks them through its steps and the outbox (:mod:`.outbox`) owns
the exactly-once part::

    prepare(limit)      once per run, before the first batch (what every
                        batch will need: a run's new contacts, in full requests)
    collect(rows)       the rows worth sending now (the others are skipped or
                        put to wait, each with its reason)
    dependencies(rows)  what they need made available in Xero first;
                        returns {row id: message} for rows that cannot go
    build(row)          (operation, element) of one row, or None (skipped);
                        raises XeroMappingError when Xero would refuse it
    bind(pairs)         record what Xero accepted: [(row, element)]
    explain(row, msgs)  Xero's refusal said for a bookkeeper
    lookup(request, pairs) / lookup_one(request, row)
                        find in Xero what a request whose key Xero forgot
                        created (bound instead of sent twice)
    finish(rows)        after the batch, even when it stopped half-way
                        (chatter notes, follow-up rows)

An exporter that sends one object per call (a file, a history note)
overrides :meth:`Exporter.send` and uses :meth:`.outbox.Outbox.call`.
"""

from odoo.tools import SQL

from .outbox import Outbox
from .run import ROW_FIELDS, warm


class Exporter:
    """Base class; subclasses name their rows and override the steps."""

    #: registry name (stored on the requests it makes)
    name = None
    #: ``res_model`` and ``action``(s) of its queue rows
    model = None
    actions = ()
    #: ``xero.sync.log`` object of its outcomes
    xero_object = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.env = ctx.env
        self.connection = ctx.connection
        self.company = ctx.connection.company_id
        self.run = ctx.run
        self.api = ctx.api
        self.outbox = Outbox(ctx)
        self.binder = ctx.env["xero.binder"]

    # ------------------------------------------------------------ the run
    def process(self, rows):
        """One batch of this exporter's rows, through every step."""
        try:
            rows = self.collect(rows)
            if rows:
                self.send(rows)
        finally:
            self.finish(rows)

    def send(self, rows):
        warm(rows, ROW_FIELDS)
        self.outbox.send(self, rows, self.dependencies(rows.filtered(lambda r: r.state == "waiting")))

    def object_of(self, row):
        """The ``xero.sync.log`` object of a row's outcome."""
        return self.xero_object

    # ------------------------------------------------------------ steps
    def prepare(self, limit):
        """Once per run, before the first batch (nothing by default)."""

    def collect(self, rows):
        return rows

    def dependencies(self, rows):
        return {}

    def build(self, row):
        raise NotImplementedError

    def bind(self, pairs):
        raise NotImplementedError

    def explain(self, row, messages):
        return "; ".join(dict.fromkeys(messages))

    def lookup(self, request, pairs):
        """``{row id: element}`` of a stale request's rows found in Xero
        (none by default: they are sent again)."""
        return {}

    def lookup_one(self, request, row):
        """The element a stale one-object request created, or None."""
        return None

    def legacy_operation(self, rows, elements):
        """The operation of a request sent before requests were stored."""
        raise NotImplementedError

    def finish(self, rows):
        """After the batch (nothing by default)."""

    def match(self, pairs, candidates, id_field, same):
        """``{row id: candidate}`` for a stale request's ``pairs`` found among
        ``candidates`` (Xero's elements): each row gets the first candidate
        that ``same(candidate, sent)`` says is its own, skipping those Xero
        shows DELETED and those already bound to an Odoo record; a candidate
        is given to one row only."""
        taken = set(self.binder._to_records(self.model, [c.get(id_field) for c in candidates], self.company))
        found = {}
        for row, sent in pairs:
            for cand in candidates:
                if cand.get(id_field) in taken or cand.get("Status") == "DELETED" or not same(cand, sent):
                    continue
                found[row.id] = cand
                taken.add(cand[id_field])
                break
        return found

    # ------------------------------------------------------------ helpers
    def due_rows(self, action, limit):
        """Ids of the first ``limit`` rows of ``action`` due now (not in flight)."""
        self.env["xero.queue"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT id FROM xero_queue WHERE connection_id = %s AND res_model = %s AND action = %s
                  AND state = 'waiting' AND (next_attempt IS NULL OR next_attempt <= now() at time zone 'UTC')
             ORDER BY id LIMIT %s""", self.connection.id, self.model, action, limit))
        return [row_id for (row_id,) in self.env.cr.fetchall()]
