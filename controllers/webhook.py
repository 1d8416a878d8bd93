"""The public endpoint Xero posts webhook events to.

Configure in Xero's developer portal (Webhooks) the URL
``https://<odoo>/xero/webhook/<connection id>`` and copy Xero's webhook key
into the connection. The endpoint:

* checks ``x-xero-signature`` = base64(HMAC-SHA256(raw body, webhook key)) in
  constant time and answers **401 with an empty body** when it does not match
  (which is also how the "intent to receive" handshake is validated: an empty,
  correctly signed payload gets 200, a wrongly signed one 401);
* answers **400** to a correctly signed body that is not Xero's payload shape
  (never a 500);
* only inserts the events (one statement) and answers **200** at once: the
  records are fetched by the next inbound run, well outside Xero's 5-second
  limit.
"""

import base64
import hashlib
import hmac
import json
import logging

from odoo import http
from odoo.http import request

from ..services.util import is_uuid

_logger = logging.getLogger(__name__)

#: Xero's payloads are small; anything far bigger is not Xero
MAX_BODY = 5_000_000


def xero_signature(body, key):
    """base64(HMAC-SHA256(body, key)), the value of ``x-xero-signature``."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(body, signature, key):
    """Whether ``signature`` signs ``body`` with ``key`` (constant-time compare)."""
    if not key or not signature:
        return False
    return hmac.compare_digest(xero_signature(body, key).encode(), signature.strip().encode())


def parse_events(body):
    """The ``events`` list of a webhook payload, or None when it is malformed.

    Every event must be an object with a string ``eventCategory`` and a UUID
    ``resourceId``; ``tenantId``, ``eventType`` and ``eventDateUtc`` must be
    strings when present."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        return None
    events = payload["events"]
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("eventCategory"), str) \
                or not is_uuid(event.get("resourceId")):
            return None
        for key in ("tenantId", "eventType", "eventDateUtc"):
            if event.get(key) is not None and not isinstance(event[key], str):
                return None
    return events


class XeroWebhookController(http.Controller):

    @http.route("/xero/webhook/<int:connection_id>", type="http", auth="public", methods=["POST"],
                csrf=False, save_session=False)
    def xero_webhook(self, connection_id, **kwargs):
        """Receive one webhook delivery (see the module doc for the answers)."""
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY:
            return request.make_response("", status=413)
        body = httprequest.get_data(cache=False)
        connection = request.env["xero.connection"].sudo().browse(connection_id).exists()
        key = connection.webhook_key if connection else None
        if not signature_ok(body, httprequest.headers.get("x-xero-signature", ""), key):
            return request.make_response("", status=401)
        events = parse_events(body)
        if events is None:
            _logger.info("Xero webhook for connection %s: malformed body refused", connection_id)
            return request.make_response("Malformed webhook payload", status=400)
        if events:
            request.env["xero.webhook.event"].sudo()._xero_queue_events(connection, events)
        return request.make_response("", status=200)
