"""HTTP layer: a ThreadingHTTPServer whose handler turns sockets into ``Request`` objects and
hands them to ``Emulator.dispatch``."""

from __future__ import annotations

import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .wire import Request, Response, json_response

log = logging.getLogger("xero_emulator")
MAX_READ = 64 * 1024 * 1024


class EmulatorServer(ThreadingHTTPServer):
    """Threaded server (one thread per connection) that knows its Emulator."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emu):
        self.emu = emu
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    """Parses one HTTP/1.1 request at a time (keep-alive supported)."""

    protocol_version = "HTTP/1.1"
    server_version = "XeroEmulator/1.0"
    sys_version = ""

    def setup(self) -> None:
        """Disable Nagle: headers and body go out in separate writes (avoids 40 ms delayed-ACK stalls)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_READ:
            self._send(json_response(413, {"Title": "Request Entity Too Large", "Status": 413}), close=True)
            return
        body = self.rfile.read(length) if length else b""
        req = Request(
            self.command,
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            self.headers,
            body,
            query_string=url.query,
        )
        try:
            resp = self.server.emu.dispatch(req)
        except Exception:  # a bug in a handler must not kill the connection silently
            log.exception("unhandled error for %s %s", self.command, self.path)
            resp = json_response(
                500,
                {
                    "Title": "An error occurred",
                    "Status": 500,
                    "Detail": "Internal emulator error (see the emulator log).",
                },
            )
        if resp.drop:
            self._drop()
            return
        self._send(resp)

    def _send(self, resp: Response, close: bool = False) -> None:
        self.send_response(resp.status)
        if resp.status != 204:
            self.send_header("Content-Type", resp.content_type)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)

    def _drop(self) -> None:
        """Close the connection without sending any response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError as exc:
            log.debug("drop: %s", exc)

    def log_message(self, fmt, *args) -> None:
        if getattr(self.server.emu, "verbose", False):
            log.info("%s - %s", self.address_string(), fmt % args)
