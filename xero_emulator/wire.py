"""Request/response value types passed between the HTTP layer and the handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .util import dumps


@dataclass
class Request:
    """A parsed HTTP request (headers are a case-insensitive ``email.message.Message``)."""

    method: str
    path: str
    query: dict
    headers: object
    body: bytes = b""
    route: str = ""  # e.g. "PUT /Invoices" once routed
    spec_path: str = ""  # the OpenAPI path template, e.g. "/Invoices/{InvoiceID}"
    params: dict = field(default_factory=dict)
    handler: object = None  # the routed handler callable
    query_string: str = ""  # the raw query, as received (for the request log)

    def q(self, name: str, default=None):
        """First value of a query parameter, matched case-insensitively."""
        lname = name.lower()
        for key, values in self.query.items():
            if key.lower() == lname and values:
                return values[0]
        return default

    def header(self, name: str, default=None):
        """A request header value."""
        value = self.headers.get(name) if self.headers is not None else None
        return default if value is None else value

    def json(self):
        """The body decoded as JSON (raises ValueError when it is not JSON)."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict:
        """The body decoded as application/x-www-form-urlencoded (lists of values)."""
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


@dataclass
class Response:
    """What a handler answers; ``data`` keeps the JSON value for spec validation."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)
    data: object = None
    drop: bool = False  # close the connection without answering


def json_response(status: int, data, headers: dict | None = None) -> Response:
    """A JSON response."""
    return Response(status, dumps(data), headers=dict(headers or {}), data=data)


def html_response(status: int, html: str) -> Response:
    """An HTML page."""
    return Response(status, html.encode("utf-8"), "text/html; charset=utf-8")


def text_response(status: int, text: str) -> Response:
    """A plain-text response."""
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def redirect(location: str) -> Response:
    """A 302 redirect."""
    return Response(302, b"", "text/plain", {"Location": location})


def form_value(form: dict, name: str, default: str = "") -> str:
    """First value of a form field."""
    values = form.get(name)
    return values[0] if values else default
