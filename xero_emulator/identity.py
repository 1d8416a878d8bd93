"""Identity API: ``GET /connections`` and ``DELETE /connections/{id}`` (api.xero.com)."""

from __future__ import annotations

from .wire import Request, Response, json_response


def connections(oauth, req: Request, conn_id: str | None) -> Response:
    """GET /connections and DELETE /connections/{id}."""
    auth = req.header("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    with oauth.store.lock:
        rec, err = oauth.check_access(token)
        if err:
            return err
        app = oauth.store.apps.get(rec["client_id"])
        if req.method == "GET" and conn_id is None:
            conns = list(app["connections"].values()) if app else []
            event = req.q("authEventId")
            if event:
                conns = [c for c in conns if c["authEventId"] == event]
            return json_response(200, [dict(c) for c in conns])
        if req.method == "DELETE" and conn_id:
            if not app or conn_id not in app["connections"]:
                return json_response(
                    404, {"Type": None, "Title": "Not Found", "Status": 404, "Detail": "Connection not found"}
                )
            del app["connections"][conn_id]
            oauth.store.dirty = True
            return Response(204, b"", "application/json")
        return json_response(405, {"Title": "Method Not Allowed", "Status": 405})
