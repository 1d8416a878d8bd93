"""Partners → Xero contacts (queue action ``contact``) and their history
notes (queue action ``history``).

* :meth:`ContactExporter.ensure` — what documents call: the commercial
  partners not in Xero yet are created (or linked) in requests of 50;
* build — a commercial partner's Contact (a contact person is sent with its
  company); bind — the ContactID through the binder, the version sent;
* explain — a name Xero already has says what to do;
* lookup — a request whose key Xero forgot: contacts by exact name that no
  other partner is linked to are this request's (linked, not refused as a
  duplicate name);
* history — what changed, written in the Xero contact's history after it is
  updated, and who created it from Odoo after it is created (when the
  connection writes history notes): one call per note, through the outbox
  like everything else.
"""

from odoo import fields

from ...services.errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroMappingError,
    XeroPermissionError,
    XeroRetryableError,
)
from ...services.mappers.contact import contact_hash, contact_payload
from ..exporter import Exporter
from ..outbox import permission_message

NAME_TAKEN = "is already assigned to another contact"
#: Xero's longest history note
MAX_NOTE = 2000


def creation_note(partner, user):
    """The history note of a contact created from Odoo: who (the user whose
    action queued it), when, and what Xero was given (name, e-mail, phone)."""
    env = partner.env
    details = "; ".join(f"{label}: {value}" for label, value in (
        (env._("Name"), partner.name), (env._("Email"), partner.email), (env._("Phone"), partner.phone))
        if value)
    return env._("Created in Odoo by %(user)s on %(date)s UTC: %(details)s", user=user.name or "",
                 date=fields.Datetime.to_string(fields.Datetime.now())[:16], details=details)


class ContactExporter(Exporter):
    name = "contact"
    model = "res.partner"
    actions = ("contact",)
    xero_object = "contact"

    def __init__(self, ctx):
        super().__init__(ctx)
        #: payloads made by ensure() for the partners it queues, used by build()
        self.payloads = {}
        #: ids of the rows whose payload was made by this exporter (not replayed)
        self.built = set()
        #: {partner id: partner, empty when deleted} of the batch being sent
        self.existing = {}

    def partner(self, row):
        """The row's partner (empty when it was deleted meanwhile)."""
        if row.res_id not in self.existing:
            self._look_up(row)
        return self.existing[row.res_id]

    def _look_up(self, rows):
        """Which of the rows' partners still exist, in one query for the batch."""
        Partner = self.env["res.partner"].sudo().with_company(self.company).with_context(xero_no_push=True)
        ids = set(rows.mapped("res_id"))
        found = Partner.browse(ids).exists()
        self.existing.update(dict.fromkeys(ids, Partner))
        self.existing.update({partner.id: partner for partner in found})

    def dependencies(self, rows):
        """Nothing to make first; the batch's partners are looked up at once
        (a partner deleted since the previous batch is seen as deleted)."""
        self.existing = {}
        if rows:
            self._look_up(rows)
        return {}

    def payload(self, partner):
        return contact_payload(partner, self.binder._to_xero(partner, self.company))

    # ------------------------------------------------------------ for documents
    def ensure(self, partners):
        """Make the commercial partners of ``partners`` available in Xero.

        Bound partners cost no call (an archived Xero contact is an error).
        The others get a "contact" row (the open one is reused, a row in
        flight is replayed) and those rows are sent in batches now. When the
        connection does not push contact changes, bound partners changed
        since Xero last accepted them go in the same batches (see
        :meth:`changed`): their change travels with their next document.
        Returns ``{partner id: message}`` (the given partners and their
        commercial partners) for those that could not be made available —
        never a changed partner whose update Xero refused: it is in Xero, its
        document goes on, and the refusal stays on its queue row."""
        env, company = self.env, self.company
        Queue = env["xero.queue"].sudo()
        partners.fetch(["commercial_partner_id"])
        commercial = partners.commercial_partner_id.sudo().with_company(company)
        # the fields asked here, not every field of a partner (company-dependent ones are costly)
        commercial.fetch(["xero_contact_id", "xero_contact_status", "xero_contact_hash"])
        errors = {}
        unbound = commercial.browse()
        for partner in commercial:
            if not partner.xero_contact_id:
                unbound |= partner
            elif (partner.xero_contact_status or "").upper() == "ARCHIVED":
                errors[partner.id] = env._(
                    "The Xero contact %(name)s linked to %(partner)s is archived: restore it in Xero or link another "
                    "contact (partner ▸ Xero ▸ Link to Xero).", name=partner.name, partner=partner.display_name)
        hashes = self.changed(commercial.filtered(lambda p: p.xero_contact_id and p.id not in errors))
        stale = commercial.browse(list(hashes))
        rows = Queue.search([("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner"),
                             ("res_id", "in", (unbound | stale).ids), ("action", "=", "contact"),
                             ("state", "=", "sending")])
        in_flight = set(rows.mapped("res_id"))
        for partner in unbound.filtered(lambda p: p.id not in in_flight):
            try:
                self.payloads[partner.id] = payload = contact_payload(partner)
                hashes[partner.id] = contact_hash(payload)
            except XeroMappingError as exc:
                errors[partner.id] = exc.message
        queued = (unbound | stale).filtered(lambda p: p.id in hashes and p.id not in in_flight)
        for row in Queue._xero_enqueue_batch(self.connection, queued, "contact", hashes=hashes):
            if row.state != "failed":
                rows |= row
            elif row.res_id in unbound.ids:  # unchanged since Xero refused it
                errors[row.res_id] = row.message or env._("Xero refused %s.", row.record_name)
        if rows:
            self.process(rows)
            errors.update(self._not_made(unbound.filtered(lambda p: p.id not in errors), rows))
        result = {}
        for partner in partners:
            message = errors.get(partner.commercial_partner_id.id)
            if message:
                result[partner.id] = result[partner.commercial_partner_id.id] = message
        return result

    def changed(self, partners):
        """``{partner id: hash}`` of the bound ``partners`` whose Xero contact
        is out of date, when the connection does not push changes (when it
        does, their rows are queued as they change and sent first).

        Out of date: what Xero last accepted is known (``xero_contact_hash``)
        and the partner's contact differs from it now. Skipped: partners
        whose last accepted version is unknown (linked by hand or imported
        before this was recorded: an edit is what tells), partners already
        checked or sent with a version made in this run (each batch of
        documents asks again), and
        partners Xero would refuse as they are (their document goes to the
        contact Xero has)."""
        if self.connection.push_contacts:
            return {}
        checked = self.ctx.contacts_checked
        hashes = {}
        for partner in partners.filtered(lambda p: p.xero_contact_hash and p.id not in checked):
            checked.add(partner.id)
            try:
                digest = contact_hash(self.payload(partner))
            except XeroMappingError:
                continue
            if digest != partner.xero_contact_hash:
                hashes[partner.id] = digest
        return hashes

    def _not_made(self, partners, rows):
        """``{partner id: message}`` of those ``partners`` whose row was not
        sent (a sent row bound its partner)."""
        last_row = {row.res_id: row for row in rows}
        errors = {}
        for partner in partners:
            row = last_row.get(partner.id)
            if not row or row.state != "sent":
                errors[partner.id] = (row and row.message) or self.env._("%s could not be created in Xero.",
                                                                         partner.display_name)
        return errors

    # ------------------------------------------------------------ steps
    def build(self, row):
        partner = self.partner(row)
        if not partner:
            row._xero_skip(self.run, "contact", self.env._("The partner no longer exists in Odoo."))
            return None
        if partner.commercial_partner_id != partner:
            row._xero_skip(self.run, "contact", self.env._(
                "%s is a contact person: it is sent with its company.", partner.display_name))
            return None
        # an unbound partner's payload was just made by ensure() (it has no ContactID to add)
        payload = self.payloads.pop(partner.id, None) or self.payload(partner)
        digest = contact_hash(payload)
        if row.payload_hash != digest:
            row.payload_hash = digest
        self.built.add(row.id)
        return "contacts.update", payload

    def legacy_operation(self, rows, elements):
        return "contacts.update"

    def bind(self, pairs):
        """Bind the contacts Xero accepted and record the version sent, for
        the whole answer at once (a partner ``write`` each costs milliseconds
        and has nothing to do here); then the history notes of updates."""
        ids, versions, done = {}, {}, []
        for row, element in pairs:
            partner = self.partner(row)
            contact_id = element.get("ContactID")
            if partner:
                ids[partner.id] = contact_id
                versions[partner.id] = {"xero_contact_hash": row.payload_hash,
                                        "xero_contact_status": element.get("ContactStatus") or "ACTIVE"}
            done.append((row, contact_id, None))
        # a partner whose version was made in this run is up to date: changed() need not hash it again
        # (not one whose request is replayed from an earlier process: it may have changed since)
        self.ctx.contacts_checked.update(
            row.res_id for row, _element in pairs if row.id in self.built)
        self.binder._bind_many("res.partner", ids, self.company)
        self.binder._write_many("res.partner", versions, self.company)
        self.env["xero.queue"].sudo()._xero_succeed_many(self.run, "contact", done)
        for row, element in pairs:
            note = row.xero_history_note
            partner, contact_id, sent = self.partner(row), element.get("ContactID"), row._xero_element()
            if self.connection.contact_history and not sent.get("ContactID") and contact_id and partner:
                # created by this request: its creation goes in the contact's history
                note = creation_note(partner, row.create_uid)
            if not note:
                continue
            if partner and self.connection.contact_history and contact_id:
                # what changed goes in the contact's history, by the history exporter, in this run
                self.env["xero.queue"].sudo()._xero_enqueue(self.connection, partner, action="history",
                                                            xero_id=contact_id, xero_history_note=note)
            row.xero_history_note = False

    def explain(self, row, messages):
        if any(NAME_TAKEN in text for text in messages):
            return self.env._(
                "Xero refused %(partner)s: another active Xero contact is already named \"%(name)s\" (contact "
                "names are unique in Xero). Rename the partner, or link it to that Xero contact (partner ▸ Xero "
                "▸ Link to Xero), then retry.", partner=row.record_name,
                name=row._xero_element().get("Name") or row.record_name)
        return super().explain(row, messages)

    def lookup(self, request, pairs):
        names = [sent.get("Name") for _row, sent in pairs if sent.get("Name") and not sent.get("ContactID")]
        found = {}
        if names:
            candidates = self.api.contacts_by_names(names)
            taken = set(self.binder._to_records("res.partner", [c.get("ContactID") for c in candidates],
                                                self.company))
            for row, sent in pairs:
                for cand in candidates:
                    if cand.get("Name") == sent.get("Name") and cand.get("ContactID") not in taken:
                        found[row.id] = cand
                        taken.add(cand["ContactID"])
                        break
        return found


class HistoryExporter(Exporter):
    """One history note per row on a Xero contact, after its update
    (subclasses: the same on another Xero object)."""

    name = "contact_history"
    model = "res.partner"
    actions = ("history",)
    xero_object = "contact"
    operation = "contacts.history"

    def history(self, xero_id):
        """The history records of the Xero object ``xero_id``."""
        return self.api.contact_history(xero_id)

    def send(self, rows):
        for row in rows.filtered(lambda r: r.state in ("waiting", "sending")):
            details = (row.xero_history_note or "")[:MAX_NOTE]
            try:
                self.outbox.call(self, row, self.operation, {"xero_id": row.xero_id},
                                 {"HistoryRecords": [{"Details": details}]}, tag="note")
            except XeroPermissionError as exc:
                row._xero_fail(self.run, self.xero_object, permission_message(self.env, exc))
                continue
            except (XeroDayLimitError, XeroAuthError, XeroRetryableError):
                raise  # the row stays in flight: the next run replays the very same note
            except XeroError as exc:
                row._xero_fail(self.run, self.xero_object, self.env._(
                    "%(record)s was sent; its history note could not be written in Xero: %(error)s",
                    record=row.record_name, error=exc.message))
                continue
            row._xero_succeed(self.run, self.xero_object, xero_id=row.xero_id,
                              message=self.env._("History note written in Xero."))

    def lookup_one(self, request, row):
        details = (row.xero_history_note or "")[:MAX_NOTE]
        for note in self.history(row.xero_id):
            if note.get("Details") == details:
                return note
        return None
