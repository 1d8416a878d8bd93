"""Admin REST API under /_emulator/..., mirroring the Emulator's Python methods."""

from __future__ import annotations

from .wire import Request, Response, json_response

LIMIT_KEYS = ("minute", "day", "concurrent", "app_minute")


def _body(req: Request) -> dict:
    try:
        data = req.json() if req.body else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _health(emu, _body):
    return {"status": "ok", "base_url": emu.base_url, "tenants": len(emu.store.orgs)}


def _reset(emu, body):
    emu.reset(demo=bool(body.get("demo", True)))
    return {"status": "reset"}


def _clock(emu, body):
    emu.advance_clock(float(body.get("advance_seconds", 0)))
    return {"offset_seconds": emu.store.clock.offset, "now": emu.store.clock.now()}


def _tokens(emu, body):
    return emu.issue_token(**{k: body[k] for k in ("client_id", "tenant_ids", "scopes") if k in body})


def _organisations(emu, body):
    return {"tenant_id": emu.add_organisation(body.get("name") or "Another Company")}


def _apps(emu, body):
    emu.register_app(body["client_id"], body["client_secret"], body.get("redirect_uris") or [])
    return {"client_id": body["client_id"]}


def _add_fault(emu, body):
    extra = {k: float(body[k]) for k in ("timeout_seconds", "delay_seconds") if k in body}
    emu.inject_fault(str(body["mode"]), int(body.get("count", 1)), body.get("method"), body.get("path"), **extra)
    return {"faults": emu.faults.pending()}


def _list_faults(emu, _body):
    return {"faults": emu.faults.pending()}


def _clear_faults(emu, _body):
    emu.faults.clear()
    return {"faults": []}


def _set_limits(emu, body):
    emu.set_limits(**{k: int(body[k]) for k in LIMIT_KEYS if k in body})
    return {"limits": dict(emu.store.limits)}


def _get_limits(emu, _body):
    return {"limits": dict(emu.store.limits)}


def _add_webhook(emu, body):
    emu.register_webhook(body["url"], body["key"])
    return {"webhooks": list(emu.store.webhooks)}


def _webhooks(emu, _body):
    return {"webhooks": list(emu.store.webhooks), "deliveries": emu.webhooks.records()}


def _intent(emu, body):
    return {"results": emu.send_intent_to_receive(body.get("url"), body.get("key"))}


def _save(emu, _body):
    emu.save()
    return {"saved": str(emu.state_file)}


ROUTES = {
    ("GET", "/health"): _health,
    ("POST", "/reset"): _reset,
    ("POST", "/clock"): _clock,
    ("POST", "/tokens"): _tokens,
    ("POST", "/organisations"): _organisations,
    ("POST", "/apps"): _apps,
    ("POST", "/faults"): _add_fault,
    ("GET", "/faults"): _list_faults,
    ("DELETE", "/faults"): _clear_faults,
    ("POST", "/limits"): _set_limits,
    ("GET", "/limits"): _get_limits,
    ("POST", "/webhooks"): _add_webhook,
    ("GET", "/webhooks"): _webhooks,
    ("POST", "/webhooks/intent"): _intent,
    ("GET", "/state"): lambda emu, _body: emu.dump(),
    ("GET", "/counters"): lambda emu, _body: emu.counters(),
    ("GET", "/spec_violations"): lambda emu, _body: {"violations": emu.spec_violations()},
    ("POST", "/save"): _save,
    ("GET", "/requests"): lambda emu, body: {
        "requests": emu.requests(int(body["since"]) if body.get("since") not in (None, "") else None)
    },
}


def handle(emu, req: Request) -> Response:
    """Dispatch an admin request; errors are JSON ``{"error": ...}`` with status 400/404."""
    path = req.path[len("/_emulator") :].rstrip("/") or "/"
    action = ROUTES.get((req.method, path))
    if action is None:
        return json_response(404, {"error": f"unknown admin endpoint {req.method} {req.path}"})
    body = _body(req)
    if req.method == "GET":  # GET parameters (e.g. /requests?since=N)
        body = {**{k: v[-1] for k, v in req.query.items() if v}, **body}
    try:
        return json_response(200, action(emu, body))
    except (KeyError, TypeError, ValueError) as exc:
        return json_response(400, {"error": f"{type(exc).__name__}: {exc}"})
