"""Partners in Xero: push of contact changes, the queue handler of action
"contact", contacts made available before documents, "Export to Xero"."""

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.errors import XeroAuthError, XeroDayLimitError, XeroError, XeroMappingError
from ..services.mappers.contact import contact_hash, contact_payload
from .xero_queue_protocol import xero_commit

#: partner fields whose change is pushed to Xero (on the partner or a contact person)
PUSH_FIELDS = frozenset({
    "name", "title", "email", "phone", "mobile", "street", "street2", "city", "zip", "state_id",
    "country_id", "vat", "ref", "is_company", "parent_id", "type", "active", "xero_primary_person",
    "xero_include_in_emails",
})
#: fields named in the history note written in Xero
NOTE_FIELDS = ("name", "title", "email", "phone", "mobile", "street", "street2", "city", "zip",
               "state_id", "country_id", "vat", "ref")
NAME_TAKEN = "is already assigned to another contact"
MAX_NOTE = 2000


class ResPartnerXero(models.Model):
    _inherit = "res.partner"

    xero_contact_status = fields.Char(
        "Xero contact status", company_dependent=True, copy=False, readonly=True,
        help="ACTIVE or ARCHIVED, as last seen in Xero.")
    xero_contact_hash = fields.Char(
        "Xero contact version", company_dependent=True, copy=False, readonly=True,
        help="Hash of what Xero last accepted or sent of this contact: an edit that does not "
        "change it is not pushed.")
    xero_primary_person = fields.Boolean(
        "Xero primary person", copy=False,
        help="This contact person is the first and last name of its company's contact in Xero.")
    xero_include_in_emails = fields.Boolean(
        "Included in Xero e-mails", copy=False,
        help="Xero sends invoices e-mailed to its company to this contact person too.")
    xero_connected = fields.Boolean(compute="_compute_xero_connected")

    def _compute_xero_connected(self):
        conn = self.env["xero.connection"].sudo()._for_company(self.env.company)
        connected = bool(conn) and conn.sudo().state == "connected"
        for partner in self:
            partner.xero_connected = connected

    # ------------------------------------------------------------ change tracking
    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.context.get("xero_no_push"):
            children = partners.filtered("parent_id")
            connections = children and self._xero_push_connections()
            if connections:
                notes = {p.commercial_partner_id.id: [self.env._("New contact person %s", p.name)] for p in children}
                children.commercial_partner_id._xero_enqueue_push(connections, notes)
        return partners

    def write(self, vals):
        if self.env.context.get("xero_no_push") or not PUSH_FIELDS & vals.keys():
            return super().write(vals)
        connections = self._xero_push_connections()
        if not connections:
            return super().write(vals)
        targets = self.commercial_partner_id
        history = any(connections.mapped("contact_history"))
        before = self._xero_note_values(vals) if history else {}
        # children written by Odoo's commercial-field sync are covered by their parent
        res = super(ResPartnerXero, self.with_context(xero_no_push=True)).write(vals)
        targets |= self.commercial_partner_id
        notes = self._xero_change_notes(before) if history else {}
        targets._xero_enqueue_push(connections, notes)
        return res

    def unlink(self):
        connections = not self.env.context.get("xero_no_push") and self.filtered("parent_id") \
            and self._xero_push_connections()
        parents = self.filtered("parent_id").commercial_partner_id - self if connections else self.browse()
        notes = {p.commercial_partner_id.id: [self.env._("Contact person %s removed", p.name)]
                 for p in self.filtered("parent_id")} if connections else {}
        res = super().unlink()
        if parents:
            parents.exists()._xero_enqueue_push(connections, notes)
        return res

    @api.model
    def _xero_push_connections(self):
        return self.env["xero.connection"].sudo().search([("push_contacts", "=", True), ("state", "=", "connected")])

    def _xero_note_values(self, vals):
        fields_ = [f for f in NOTE_FIELDS if f in vals]
        return {p.id: {f: self._xero_display(p, f) for f in fields_} for p in self}

    @api.model
    def _xero_display(self, partner, field):
        value = partner[field]
        if isinstance(value, models.BaseModel):
            return value.display_name or ""
        return value or ""

    def _xero_change_notes(self, before):
        """``{commercial partner id: ["Email: a → b", ...]}`` after a write."""
        notes = {}
        for partner in self:
            lines = []
            for field, old in before.get(partner.id, {}).items():
                new = self._xero_display(partner, field)
                if new != old:
                    label = self._fields[field].get_description(self.env)["string"]
                    lines.append(f"{label}: {old or _('(empty)')} → {new or _('(empty)')}")
            if lines:
                if partner.commercial_partner_id != partner:
                    lines = [self.env._("Contact person %(name)s: %(change)s", name=partner.name, change=line)
                             for line in lines]
                notes.setdefault(partner.commercial_partner_id.id, []).extend(lines)
        return notes

    def _xero_enqueue_push(self, connections, notes=None):
        """Queue a "contact" row for each bound partner whose Xero payload
        changed, per pushing connection. Skips unbound partners (they are
        created when a document needs them or by "Export to Xero"), partners
        of another company, and edits Xero would not see (same hash)."""
        Queue = self.env["xero.queue"].sudo()
        stamp = _("Changed in Odoo by %(user)s on %(date)s UTC", user=self.env.user.name,
                  date=fields.Datetime.to_string(fields.Datetime.now())[:16])
        for conn in connections:
            company = conn.company_id
            for partner in self.sudo().with_company(company):
                if (partner.company_id and partner.company_id != company) or not partner.xero_contact_id:
                    continue
                try:
                    digest = contact_hash(contact_payload(partner, conn))
                except XeroMappingError:
                    digest = None  # the row fails at send time with the message
                if digest and digest == partner.xero_contact_hash:
                    continue
                row = Queue._xero_enqueue(conn, partner, action="contact", payload_hash=digest)
                lines = (notes or {}).get(partner.id)
                if conn.contact_history and lines:
                    note = f"{stamp}: " + "; ".join(lines)
                    row.xero_history_note = "\n".join(filter(None, [row.xero_history_note, note]))

    # ------------------------------------------------------------ queue handler
    @api.model
    def _xero_process_queue(self, connection, rows, run, client):
        """Send "contact" rows: ≤ 50 contacts per request, ContactIDs bound
        through the binder. A row whose partner is gone or is a contact
        person is skipped; one Xero refuses fails alone (a duplicate name gets
        a message saying what to do). History notes follow, when enabled."""
        company = connection.company_id
        Partner = self.env["res.partner"].sudo().with_company(company).with_context(xero_no_push=True)
        with_history = []

        def build(row):
            partner = Partner.browse(row.res_id).exists()
            if not partner:
                row._xero_skip(run, "contact", _("The partner no longer exists in Odoo."))
                return None
            if partner.commercial_partner_id != partner:
                row._xero_skip(run, "contact", _(
                    "%s is a contact person: it is sent with its company.", partner.display_name))
                return None
            payload = contact_payload(partner, connection)
            row.payload_hash = contact_hash(payload)
            return payload

        def on_success(row, element):
            partner = Partner.browse(row.res_id)
            contact_id = element.get("ContactID")
            self.env["xero.binder"].bind(partner, contact_id, company)
            partner.write({"xero_contact_hash": row.payload_hash,
                           "xero_contact_status": element.get("ContactStatus") or "ACTIVE"})
            row._xero_succeed(run, "contact", xero_id=contact_id)
            sent = json.loads(row.payload or "{}")
            if connection.contact_history and row.xero_history_note and sent.get("ContactID"):
                with_history.append(row)

        rows._xero_send_batch(connection, client, run, "update_or_create_contacts", "Contacts", build,
                              on_success, "contact")
        for row in rows.filtered(lambda r: r.state == "failed" and NAME_TAKEN in (r.message or "")):
            payload = json.loads(row.payload or "{}")
            row.message = _(
                "Xero refused %(partner)s: another active Xero contact is already named \"%(name)s\" "
                "(contact names are unique in Xero). Rename the partner, or link it to that Xero "
                "contact (partner ▸ Xero ▸ Link to Xero), then retry.",
                partner=row.record_name, name=payload.get("Name") or row.record_name)
        if with_history:
            self._xero_write_history(connection, client, run, with_history)

    @api.model
    def _xero_write_history(self, connection, client, run, rows):
        """One ``PUT Contacts/{id}/History`` per updated contact saying what
        changed, when and by whom. A refused note leaves the contact sent and
        says so on its row; a spent day limit or a lost grant stops here."""
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")[:8]
        for row in rows:
            key = f"odoo-history-{dbuuid}-{row.id}-{(row.payload_hash or '')[:16]}"
            try:
                client.accounting("create_contact_history", row.xero_id,
                                  {"HistoryRecords": [{"Details": row.xero_history_note[:MAX_NOTE]}]},
                                  idempotency_key=key)
            except (XeroDayLimitError, XeroAuthError):
                raise
            except XeroError as exc:
                row.message = _("Sent; the history note could not be written in Xero: %s", exc.message)
                continue
            row.xero_history_note = False
        xero_commit(self.env)

    # ------------------------------------------------------------ for documents
    @api.model
    def _xero_ensure_contacts(self, connection, partners, run, client):
        """Make the commercial partners of ``partners`` available in Xero.

        Bound partners cost no call (an archived Xero contact is an error).
        The others get a "contact" row (the open one is reused, a row left
        ``sending`` is replayed) and those rows are sent in batches now.
        Returns ``{partner id: message}`` (the given partners and their
        commercial partners) for those that could not be made available."""
        company = connection.company_id
        Queue = self.env["xero.queue"].sudo()
        commercial = partners.commercial_partner_id.sudo().with_company(company)
        errors = {}
        unbound = commercial.browse()
        for partner in commercial:
            if not partner.xero_contact_id:
                unbound |= partner
            elif (partner.xero_contact_status or "").upper() == "ARCHIVED":
                errors[partner.id] = _(
                    "The Xero contact %(name)s linked to %(partner)s is archived: restore it in Xero or "
                    "link another contact (partner ▸ Xero ▸ Link to Xero).",
                    name=partner.name, partner=partner.display_name)
        # a request already in flight is replayed as it is; the others are (re)queued in one go
        rows = Queue.search([("connection_id", "=", connection.id), ("res_model", "=", "res.partner"),
                             ("res_id", "in", unbound.ids), ("action", "=", "contact"), ("state", "=", "sending")])
        in_flight = set(rows.mapped("res_id"))
        hashes = {}
        for partner in unbound.filtered(lambda p: p.id not in in_flight):
            try:
                hashes[partner.id] = contact_hash(contact_payload(partner, connection))
            except XeroMappingError as exc:
                errors[partner.id] = exc.message
        for row in Queue._xero_enqueue_batch(connection, unbound.filtered(lambda p: p.id in hashes), "contact",
                                             hashes=hashes):
            if row.state == "failed":  # unchanged since Xero refused it
                errors[row.res_id] = row.message or _("Xero refused %s.", row.record_name)
            else:
                rows |= row
        if rows:
            self._xero_process_queue(connection, rows, run, client)
            last_row = {row.res_id: row for row in rows}
            for partner in commercial.filtered(lambda p: p.id not in errors and not p.xero_contact_id):
                row = last_row.get(partner.id)
                errors[partner.id] = (row and row.message) or _("%s could not be created in Xero.",
                                                                partner.display_name)
        result = {}
        for partner in partners:
            message = errors.get(partner.commercial_partner_id.id)
            if message:
                result[partner.id] = result[partner.commercial_partner_id.id] = message
        return result

    # ------------------------------------------------------------ buttons
    def _xero_connection(self):
        conn = self.env["xero.connection"].sudo()._for_company(self.env.company)
        if not conn:
            raise UserError(_("%s is not connected to Xero.", self.env.company.name))
        conn.sudo()._ensure_connected()
        return conn.sudo()

    def action_xero_link(self):
        """Open the "Link to Xero" wizard on this partner's commercial partner."""
        self.ensure_one()
        self._xero_connection()
        return {
            "type": "ir.actions.act_window",
            "name": _("Link to Xero"),
            "res_model": "xero.link.contact",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_xero_export(self):
        """Create this unlinked partner as a new Xero contact now (one call)."""
        self.ensure_one()
        if not self.env.user.has_group("account_xero.group_xero_user"):
            raise UserError(_("Only Xero users can send partners to Xero."))
        conn = self._xero_connection()
        partner = self.commercial_partner_id
        company = conn.company_id
        if self.env["xero.binder"].to_xero(partner, company):
            raise UserError(_("%s is already linked to a Xero contact.", partner.display_name))
        with conn._xero_run("manual", _("Export contact")) as run:
            client = conn._xero_client()
            try:
                errors = self.env["res.partner"].sudo().with_company(company)._xero_ensure_contacts(
                    conn, partner, run, client)
            except XeroError as exc:
                # Xero's limit, an outage or a refused token: the request (if it
                # left) is replayed by the next sync, never sent twice
                if isinstance(exc, XeroAuthError):
                    conn._xero_disconnected(exc.message)
                errors = {partner.id: exc.message}
                run._finish(state="failed", message=exc.message)
            else:
                run._finish()
            run.api_calls = client.calls
            xero_commit(self.env)
        if errors:
            message, kind = errors[partner.id], "danger"
        else:
            message, kind = _("%s was created in Xero.", partner.display_name), "success"
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("Export to Xero"), "message": message, "type": kind,
                           "sticky": kind == "danger",
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}


class XeroQueueContact(models.Model):
    _inherit = "xero.queue"

    xero_history_note = fields.Text(
        "History note", copy=False,
        help="What changed in Odoo, written in the Xero contact's history after it is sent.")
