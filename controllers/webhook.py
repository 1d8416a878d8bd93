"""The public endpoints Xero posts webhook events to.

Xero has one webhook per *app*: one delivery URL and one webhook key, and it
sends there the events of every organisation connected to the app.

``POST /xero/webhook`` — the app's delivery URL, to enter in Xero's
developer portal (Webhooks). Accepts a body signed with the webhook key of
any connection, then gives each event to the connections that hold that same
key and are connected to the event's organisation (``tenantId`` =
``xero.connection.tenant_id``). Events of an organisation no connection holds
with that key are dropped (logged at info).

``POST /xero/webhook/<connection id>`` — the former per-connection URL,
kept for existing setups. Accepts a body signed with that connection's key;
events of other organisations are dropped.

**Where the app's key lives.** Xero shows the webhook key once per app; the
administrator copies it into the connections of the companies connected
through that app (``xero.connection.webhook_key``, system administrators
only). There is no separate "app" record: the app route tries every distinct
key held by a connection (HMAC of the body with each, constant-time compare
each), and the key that signed the body decides which connections may
receive its events — a body signed with one app's key never reaches the
connections of another app.

Both routes answer, in this order, and parse or queue nothing before the
signature is checked:

* **415** to a form-encoded body, before Odoo itself reads it (Xero posts
  JSON; Odoo would parse a form body before any route runs, a chunked one
  without limit);
* **413** (empty body) to a body over :data:`~.webhook_payload.MAX_BODY`:
  a Content-Length over it is refused without reading a byte; a chunked
  body (or one without Content-Length) is read up to the limit plus one
  byte, never further;
* **400** to a body that cannot be read (broken chunked encoding, client
  gone mid-body);
* **401 with an empty body** when ``x-xero-signature`` is not
  base64(HMAC-SHA256(raw body, key)) — Xero's "intent to receive" check
  sends a correctly and a wrongly signed empty payload and expects 200 and
  401, both with empty bodies;
* **400** (short text) to a correctly signed body that is not Xero's
  payload: not UTF-8, not strict JSON, nested too deep, a wrong type, a
  missing field (see :func:`~.webhook_payload.parse_events`) — never a 500;
* **200** (empty) otherwise, once the events are inserted (one statement per
  connection; the records are fetched by the next inbound run, well within
  Xero's 5-second limit).

``SUBSCRIPTION`` events are Xero App Store subscription changes (their
``tenantId`` is the app's id, not an organisation): acknowledged, logged,
never queued.
"""

import base64
import hashlib
import hmac
import logging

from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.formparser import FormDataParser

from odoo import http
from odoo.http import request

from .webhook_payload import MAX_BODY, BodyRefused, MalformedPayload, parse_events, read_body

_logger = logging.getLogger(__name__)

__all__ = ["MAX_BODY", "XeroWebhookController", "matching_key", "parse_events", "signature_ok", "xero_signature"]

#: Content types Odoo (werkzeug) parses itself as a form before the route runs
FORM_MIMETYPES = frozenset(FormDataParser.parse_functions)
#: where the body read once is kept for the request (Odoo retries a route
#: whose transaction hit a serialization failure; the stream is read by then)
BODY_KEY = "account_xero.webhook_body"
#: ``max_content_length`` that turns werkzeug's own limit off (the route reads the body itself)
NO_WERKZEUG_LIMIT = None
#: record ids are PostgreSQL integers
MAX_ID = 2**31 - 1
#: ids quoted in a log line at most
LOG_IDS = 5


def xero_signature(body, key):
    """base64(HMAC-SHA256(body, key)), the value of ``x-xero-signature``."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def matching_key(body, signature, keys):
    """The key among ``keys`` that signed ``body`` as ``signature`` says, or
    None. Every key is tried, each compared in constant time."""
    if not signature:
        return None
    given = signature.strip().encode()
    found = None
    for key in keys:
        if key and hmac.compare_digest(xero_signature(body, key).encode(), given):
            found = key
    return found


def signature_ok(body, signature, key):
    """Whether ``signature`` signs ``body`` with ``key`` (constant-time compare)."""
    return matching_key(body, signature, [key]) is not None


def _body_limit(_controller):
    """The routes' ``max_content_length``: Odoo calls it before it reads any
    of the body. A form body is refused (415) before Odoo would parse it;
    any other body is left unread by Odoo (None: werkzeug's own limit would
    first read and discard an over-long body) for :func:`_request_body`."""
    if request.httprequest.mimetype in FORM_MIMETYPES:
        raise UnsupportedMediaType("Xero posts webhook events as JSON.")
    return NO_WERKZEUG_LIMIT


def _input_stream(httprequest):
    """werkzeug's input stream of the request: limited to the Content-Length,
    de-chunked for a chunked body, empty without either. Odoo 18's request
    wrapper does not expose it (only ``get_data``, which reads everything)."""
    stream = getattr(httprequest, "stream", None)
    if stream is None:
        stream = httprequest._HTTPRequest__wrapped.stream
    return stream


def _request_body():
    """The raw body (see :func:`~.webhook_payload.read_body`), read once per
    request; raises :class:`~.webhook_payload.BodyRefused`."""
    httprequest = request.httprequest
    environ = httprequest.environ
    if BODY_KEY not in environ:
        try:
            environ[BODY_KEY] = read_body(_input_stream(httprequest), httprequest.content_length)
        except BodyRefused as exc:
            environ[BODY_KEY] = exc
    if isinstance(environ[BODY_KEY], BodyRefused):
        raise environ[BODY_KEY]
    return environ[BODY_KEY]


def _empty(status):
    return request.make_response("", status=status)


def _record_events(events, where):
    """The events minus the ``SUBSCRIPTION`` ones, which are logged only."""
    subscriptions = [e for e in events if e["eventCategory"] == "SUBSCRIPTION"]
    if subscriptions:
        _logger.info("Xero webhook (%s): %s App Store subscription event(s) acknowledged, not queued: %s",
                     where, len(subscriptions), ", ".join(
                         f"{e['resourceId']} {e['eventType'] or ''} (application {e['tenantId']})"
                         for e in subscriptions[:LOG_IDS]))
    return [e for e in events if e["eventCategory"] != "SUBSCRIPTION"]


class XeroWebhookController(http.Controller):

    @http.route("/xero/webhook", type="http", auth="public", methods=["POST"], csrf=False,
                save_session=False, max_content_length=_body_limit)
    def xero_webhook_app(self, **kwargs):
        """The app's delivery URL: a body signed with any connection's key;
        each event to the connections of its organisation holding that key
        (see the module doc for every answer)."""
        connections = request.env["xero.connection"].sudo().search([("webhook_key", "!=", False)])
        Event = request.env["xero.webhook.event"].sudo()
        return self._receive(set(connections.mapped("webhook_key")), Event._xero_route_events, "app")

    @http.route("/xero/webhook/<int:connection_id>", type="http", auth="public", methods=["POST"], csrf=False,
                save_session=False, max_content_length=_body_limit)
    def xero_webhook(self, connection_id, **kwargs):
        """One connection's URL: a body signed with that connection's key;
        events of other organisations dropped (see the module doc)."""
        Connection = request.env["xero.connection"].sudo()
        connection = Connection.browse(connection_id).exists() if connection_id <= MAX_ID else Connection
        Event = request.env["xero.webhook.event"].sudo()
        return self._receive({connection.webhook_key} if connection else set(),
                             lambda _key, events: Event._xero_queue_events(connection, events),
                             f"connection {connection_id}")

    def _receive(self, keys, deliver, where):
        """Read, authenticate, parse, then ``deliver(key, events)``."""
        try:
            body = _request_body()
        except BodyRefused as exc:
            _logger.info("Xero webhook (%s): body refused with %s (%s)", where, exc.status, exc.reason)
            return _empty(exc.status)
        key = matching_key(body, request.httprequest.headers.get("x-xero-signature"), keys)
        if key is None:
            _logger.info("Xero webhook (%s): signature does not match, refused", where)
            return _empty(401)
        try:
            events = parse_events(body)
        except MalformedPayload as exc:
            _logger.info("Xero webhook (%s): malformed payload refused (%s)", where, exc)
            return request.make_response("Malformed webhook payload", status=400,
                                         headers=[("Content-Type", "text/plain; charset=utf-8")])
        events = _record_events(events, where)
        if events:
            deliver(key, events)
        return _empty(200)
