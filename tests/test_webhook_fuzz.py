"""Hostile bodies on both webhook routes, over real HTTP (seeded, deterministic).

Every body goes to the connection URL of A (signed with A's key), to the
app URL signed with the first app's key and with the second app's key, and
to both URLs with a wrong signature (a wrong key, none, garbage, another
body's). Never a 5xx; a refused signature queues and parses nothing; a
correctly signed valid payload queues exactly its events of the
organisations the route and key reach.
"""

import json
import random
import uuid
from collections import namedtuple
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account_xero.controllers import webhook as webhook_route
from odoo.addons.account_xero.controllers.webhook import MAX_BODY, xero_signature

from .webhook_common import APP_URL, KEY_A, KEY_C, XeroWebhookCase

ROUTE_LOGGER = "odoo.addons.account_xero.controllers.webhook"
MODEL_LOGGER = "odoo.addons.account_xero.models.xero_webhook_event"
SEED = 20261122

#: ``pre``: the status whatever the signature (the body is refused before
#: it is checked); otherwise ``expect`` for a correct signature (401 for a wrong one)
Case = namedtuple("Case", "name body framing content_type pre expect events",
                  defaults=("length", "application/json; charset=utf-8", None, 400, ()))


def _ok(name, body, events, **kw):
    return Case(name, body, expect=200, events=tuple(events), **kw)


def _bad(name, body, **kw):
    return Case(name, body, **kw)


def _nested(opening, closing, depth):
    return opening * depth + b"1" + closing * depth


def corpus(case, rng):
    """The hostile bodies (``case`` is the test: its tenants and builders)."""
    uid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    ev = lambda category="INVOICE", tenant=case.tenant_a, **kw: case.event(  # noqa: E731
        category, tenant, resource_id=kw.pop("resource_id", None) or uid(), **kw)
    pay = case.payload
    one = ev()
    dumps = lambda obj: json.dumps(obj).encode()  # noqa: E731
    mixed = [ev(), ev("CONTACT"), ev("CREDITNOTE", data={"Type": "ACCPAYCREDIT", "Status": "DRAFT"}),
             ev(tenant=case.tenant_b), ev("CONTACT", case.tenant_c), ev(tenant=case.tenant_d),
             ev(tenant=case.tenant_x), ev("SUBSCRIPTION", uid(), tenantType="APPLICATION")]
    twin = uid()
    many = [ev(rng.choice(["INVOICE", "CONTACT", "CREDITNOTE", "PAYMENT"]),
               rng.choice([case.tenant_a, case.tenant_b, case.tenant_c, case.tenant_x])) for _i in range(3000)]
    # a valid payload of exactly MAX_BODY bytes (the entropy pads it)
    base = pay([one], entropy="")
    exact = pay([one], entropy="E" * (MAX_BODY - len(base)))
    garbage = [bytes(rng.getrandbits(8) for _i in range(rng.randint(1, 2000))) for _j in range(4)]
    cases = [
        # ---- sizes and framing
        _bad("empty body", b""),
        _ok("no events (intent to receive)", pay([], firstEventSequence=0, lastEventSequence=0), []),
        _ok("exactly the limit", exact, [one]),
        Case("one byte over, Content-Length", exact + b" ", pre=413),
        Case("one byte over, chunked", exact + b" ", framing="chunked", pre=413),
        Case("three times the limit, chunked", b"[" * (3 * MAX_BODY), framing="chunked", pre=413),
        Case("declares 10 GB, sends 64 KiB", b"{" * 65_536, framing=10_000_000_000, pre=413),
        Case("no Content-Length, not chunked", pay([ev()]), framing="none", pre=401),
        Case("shorter than its Content-Length", pay([ev()]), framing=100_000, pre=400),
        Case("broken chunk header", b"zz\r\n{}\r\n0\r\n\r\n", framing="raw", pre=400),
        _ok("valid payload, chunked", pay(mixed[:2]), mixed[:2], framing="chunked"),
        Case("form-encoded", b"events=1", content_type="application/x-www-form-urlencoded", pre=415),
        Case("multipart", b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n",
             content_type="multipart/form-data; boundary=b", pre=415),
        Case("form-encoded, chunked, over the limit", b"a=" + b"x" * (2 * MAX_BODY), framing="chunked",
             content_type="application/x-www-form-urlencoded", pre=415),
        _ok("no Content-Type", pay([ev()]), [], content_type=None),
        # ---- encodings
        _bad("invalid UTF-8", b"\xff\xfe\x00garbage"),
        _bad("UTF-16", pay([ev()]).decode().encode("utf-16")),
        _bad("UTF-8 BOM", b"\xef\xbb\xbf" + pay([ev()])),
        _bad("latin-1 byte in a string", pay([ev()], entropy="caf\xe9").replace(b"\\u00e9", b"\xe9")),
        _bad("overlong UTF-8", b'{"events":[],"entropy":"\xc0\xaf"}'),
        _bad("NUL in eventType", pay([ev(eventType="UP\u0000DATE")])),
        _bad("lone surrogate in eventType", pay([ev(eventType="\ud800")])),
        _bad("raw control character", b'{"events":[],"entropy":"a\x01b"}'),
        # ---- nesting
        _bad("100,000 nested arrays", _nested(b"[", b"]", 100_000)),
        _bad("100,000 nested objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        _bad("100,000 unclosed arrays", b"[" * 100_000),
        _bad("nested arrays as an event's data", pay([ev(data=json.loads(_nested(b"[", b"]", 50)))])),
        # ---- malformed JSON
        _bad("not JSON", b"not json"),
        _bad("truncated", pay(mixed)[:-7]),
        _bad("trailing garbage", pay([ev()]) + b"}"),
        _bad("single quotes", pay([ev()]).replace(b'"', b"'")),
        _bad("comment", b"/* x */" + pay([ev()])),
        # ---- wrong types
        _bad("array at the top", b"[1, 2, 3]"),
        _bad("string at the top", b'"events"'),
        _bad("null at the top", b"null"),
        _bad("events is a string", b'{"events": "nope"}'),
        _bad("events is an object", dumps({"events": ev()})),
        _bad("an event is a number", b'{"events": [1]}'),
        _bad("an event is an array", dumps({"events": [[ev()]]})),
        _bad("resourceId is a number", pay([ev(resource_id=12345)])),
        _bad("eventCategory is a list", pay([ev(category=["INVOICE"])])),
        _bad("firstEventSequence is a string", pay([ev()], firstEventSequence="1")),
        _bad("firstEventSequence is a boolean", pay([ev()], firstEventSequence=True)),
        _bad("lastEventSequence is a float", pay([ev()], lastEventSequence=1.5)),
        _bad("eventType is a number", pay([ev(eventType=5)])),
        _bad("data is a string", pay([ev("CREDITNOTE", data="DRAFT")])),
        _bad("entropy is a number", pay([ev()], entropy=123)),
        _bad("resourceUrl is an object", pay([ev(resourceUrl={"a": 1})])),
        # ---- missing fields
        _bad("empty object", b"{}"),
        _bad("no events", dumps({"firstEventSequence": 1, "lastEventSequence": 1, "entropy": "A"})),
        _bad("events null", dumps({"events": None, "firstEventSequence": 1, "lastEventSequence": 1})),
        _bad("no resourceId", pay([{k: v for k, v in ev().items() if k != "resourceId"}])),
        _bad("no tenantId", pay([{k: v for k, v in ev().items() if k != "tenantId"}])),
        _bad("no eventCategory", pay([{k: v for k, v in ev().items() if k != "eventCategory"}])),
        _bad("empty event", dumps({"events": [{}]})),
        # ---- numbers
        _bad("sequence of 31 digits", pay([ev()], firstEventSequence=10**30)),
        _bad("sequence 2^31", pay([ev()], lastEventSequence=2**31)),
        _bad("negative sequence", pay([ev()], firstEventSequence=-1)),
        _bad("1e999", pay([ev()]).replace(b'"lastEventSequence":1', b'"lastEventSequence":1e999')),
        _bad("100,000 digits", pay([ev()], extra=0).replace(b'"extra":0', b'"extra":' + b"7" * 100_000)),
        # ---- duplicate keys, NaN and Infinity
        _bad("duplicate events key", b'{"events": [], "events": []}'),
        _bad("duplicate key in an event", pay([ev()]).replace(b'"eventType":"UPDATE"',
                                                              b'"eventType":"UPDATE","eventType":"CREATE"')),
        _bad("NaN", pay([ev()]).replace(b'"lastEventSequence":1', b'"lastEventSequence":NaN')),
        _bad("Infinity", pay([ev()]).replace(b'"lastEventSequence":1', b'"lastEventSequence":Infinity')),
        _bad("-Infinity", pay([ev()]).replace(b'"lastEventSequence":1', b'"lastEventSequence":-Infinity')),
        # ---- identifiers and codes
        _bad("SQL in resourceId", pay([ev(resource_id="x'); DROP TABLE xero_webhook_event; --")])),
        _bad("UUID with a trailing newline", pay([ev(resource_id=uid() + "\n")])),
        _bad("UUID in braces", pay([ev(resource_id=f"{{{uid()}}}")])),
        _bad("tenantId not a UUID", pay([ev(tenant="Demo Company (NZ)")])),
        _bad("eventType of 10,000 characters", pay([ev(eventType="U" * 10_000)])),
        _bad("empty eventCategory", pay([ev(category="")])),
        # ---- valid payloads
        _ok("one invoice", pay([one]), [one]),
        _ok("uppercase UUID", pay([ev(resource_id=uid().upper())]), []),  # events filled below
        _ok("every organisation, SUBSCRIPTION included", pay(mixed), mixed),
        _ok("unknown fields", pay([ev(extra={"x": [1, 2]})], extra=[None]), []),
        _ok("unknown category", pay([ev("PAYMENT")]), []),
        _ok("SUBSCRIPTION only", pay([ev("SUBSCRIPTION", uid(), tenantType="APPLICATION")]), []),
        _ok("one record twice", pay([ev(resource_id=twin), ev(resource_id=twin)]), [ev(resource_id=twin)]),
        _ok("other organisations only", pay(mixed[3:]), mixed[3:]),
        _ok("lone surrogate in entropy", pay([ev()], entropy="\ud800"), []),
        _ok("3,000 events", pay(many), many),
    ]
    cases += [_bad(f"random bytes {i}", blob) for i, blob in enumerate(garbage)]
    # the payloads whose events were built inline: read them back
    return [c._replace(events=tuple(json.loads(c.body)["events"])) if c.expect == 200 and not c.events
            and c.pre is None else c for c in cases]


@tagged("post_install", "-at_install")
class TestWebhookFuzz(XeroWebhookCase):

    @mute_logger(ROUTE_LOGGER, MODEL_LOGGER, "odoo.http")
    def test_hostile_bodies_on_both_routes(self):
        rng = random.Random(SEED)  # noqa: S311 - a reproducible corpus, not a secret
        cases = corpus(self, rng)
        self.assertGreaterEqual(len(cases), 50)
        wrong = ["", "not base64 at all", xero_signature(b"another body", KEY_A), xero_signature(b"x", "k"), False]
        expected = self.pending_rows()
        parsed = 0
        with patch.object(webhook_route, "parse_events", wraps=webhook_route.parse_events) as parse:
            for case in cases:
                signed = [(self.conn_a.id, self.url_a, KEY_A), ("app", APP_URL, KEY_A), ("app", APP_URL, KEY_C)]
                for route, url, key in signed:
                    answer = self._send(case, url, key=key)
                    status = case.pre or case.expect
                    self.assertEqual(answer.status, status, (case.name, url, key[:6], answer.body[:200]))
                    if status == 200:
                        parsed += 1
                        expected |= self.expected_rows(route, key, case.events)
                    elif status == 400 and case.pre is None:
                        parsed += 1
                    self.assertEqual(self.pending_rows(), expected, (case.name, url, key[:6]))
                for url in (self.url_a, APP_URL):
                    answer = self._send(case, url, signature=rng.choice(wrong))
                    self.assertEqual(answer.status, case.pre or 401, (case.name, url, "wrong signature"))
                    self.assertEqual(self.pending_rows(), expected, (case.name, url, "wrong signature"))
        self.assertEqual(parse.call_count, parsed, "only correctly signed bodies are parsed")
        self.assertGreater(len(expected), 1000)

    def _send(self, case, url, key=KEY_A, signature=None):
        answer = self.raw_post(url, case.body, key=key, signature=signature, framing=case.framing,
                               content_type=case.content_type)
        self.assertLess(answer.status, 500, (case.name, url))
        if answer.status in (200, 401, 413):
            self.assertEqual(answer.body, b"", (case.name, url, "Xero expects empty bodies"))
        return answer
