"""In-memory state of the emulator: the clock, organisations (tenants) and their data.

Everything is guarded by ``Store.lock`` (a re-entrant lock).  Objects are kept as the
PascalCase dicts Xero returns, with a few private keys starting with ``_`` (e.g. ``_upd``,
the update time in epoch ms) that are stripped before anything leaves the emulator.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from pathlib import Path

from . import demo
from .util import public

COLLECTIONS = (
    "Accounts",
    "TaxRates",
    "TrackingCategories",
    "Items",
    "Contacts",
    "Invoices",
    "CreditNotes",
    "Payments",
    "PurchaseOrders",
    "Currencies",
)
ID_FIELDS = {
    "Accounts": "AccountID",
    "TaxRates": "TaxType",
    "TrackingCategories": "TrackingCategoryID",
    "Items": "ItemID",
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
    "PurchaseOrders": "PurchaseOrderID",
    "Currencies": "Code",
}
# automatic numbers: prefix -> the ``Org.numbers`` index (document type) they must not clash with
NUMBER_PREFIXES = {"INV": "ACCREC", "CN": "ACCRECCREDIT", "PO": "PURCHASEORDER"}


class Clock:
    """Wall clock plus an offset that tests move forward with ``advance``."""

    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        """Emulator time in epoch seconds."""
        return time.time() + self.offset

    def now_ms(self) -> int:
        """Emulator time in epoch milliseconds."""
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.offset += float(seconds)


class Org:
    """One Xero organisation (tenant) and all of its data."""

    def __init__(self, tenant_id: str, name: str, now_ms: int, is_demo: bool = False, content: bool = True):
        self.tenant_id = tenant_id
        self.name = name
        self.created_ms = now_ms
        self.organisation = demo.organisation(tenant_id, name, now_ms, is_demo)
        self.data: dict[str, dict[str, dict]] = {c: {} for c in COLLECTIONS}
        self.seq = dict.fromkeys(NUMBER_PREFIXES, 0)
        self.attachments: dict[str, list[dict]] = {}  # object id -> attachment records (with _bytes)
        self.history: dict[str, list[dict]] = {}  # object id -> history records
        self.idempotency: dict[str, dict] = {}  # Idempotency-Key -> stored response
        self.contact_names: dict[str, str] = {}  # lower(name) -> ContactID (ACTIVE only)
        self.archived_names: dict[str, str] = {}  # lower(name) -> ContactID (ARCHIVED)
        self.numbers: dict[str, dict[str, str]] = {kind: {} for kind in NUMBER_PREFIXES.values()}
        self.account_codes: dict[str, str] = {}  # lower(code) -> AccountID
        self.item_codes: dict[str, str] = {}  # lower(code) -> ItemID
        if content:
            self.load_demo_content(now_ms)

    # -- content -------------------------------------------------------------------------
    def load_demo_content(self, now_ms: int) -> None:
        """Fill the organisation with the demo chart of accounts, taxes, contacts..."""
        for a in demo.accounts(now_ms):
            self.data["Accounts"][a["AccountID"]] = a
        for t in demo.tax_rates():
            self.data["TaxRates"][t["TaxType"]] = t
        for tc in demo.tracking_categories():
            self.data["TrackingCategories"][tc["TrackingCategoryID"]] = tc
        for i in demo.items(now_ms):
            self.data["Items"][i["ItemID"]] = i
        for c in demo.contacts(now_ms):
            self.data["Contacts"][c["ContactID"]] = c
        for cur in demo.currencies():
            self.data["Currencies"][cur["Code"]] = cur
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the lookup indexes from the stored objects."""
        self.contact_names = {
            c["Name"].lower(): cid
            for cid, c in self.data["Contacts"].items()
            if c.get("ContactStatus", "ACTIVE") == "ACTIVE" and c.get("Name")
        }
        self.archived_names = {
            c["Name"].lower(): cid
            for cid, c in self.data["Contacts"].items()
            if c.get("ContactStatus") == "ARCHIVED" and c.get("Name")
        }
        self.numbers = {kind: {} for kind in NUMBER_PREFIXES.values()}
        for coll, kind, number_field in (
            ("Invoices", "ACCREC", "InvoiceNumber"),
            ("CreditNotes", "ACCRECCREDIT", "CreditNoteNumber"),
            ("PurchaseOrders", "PURCHASEORDER", "PurchaseOrderNumber"),
        ):
            for doc in self.data[coll].values():
                if doc.get("Type") == kind and doc.get(number_field) and doc.get("Status") != "DELETED":
                    self.numbers[kind][doc[number_field].lower()] = doc[ID_FIELDS[coll]]
        self.account_codes = {
            a["Code"].lower(): aid
            for aid, a in self.data["Accounts"].items()
            if a.get("Code") and a.get("Status") != "DELETED"
        }
        self.item_codes = {i["Code"].lower(): iid for iid, i in self.data["Items"].items() if i.get("Code")}

    # -- lookups -------------------------------------------------------------------------
    def account_by_code(self, code) -> dict | None:
        """The account with this code (any status except DELETED)."""
        if code is None:
            return None
        aid = self.account_codes.get(str(code).lower())
        return self.data["Accounts"].get(aid) if aid else None

    def item_by_code(self, code) -> dict | None:
        """The item with this code."""
        iid = self.item_codes.get(str(code).lower()) if code is not None else None
        return self.data["Items"].get(iid) if iid else None

    def next_number(self, prefix: str) -> str:
        """Next automatic document number (INV-0001, CN-0001, PO-0001), skipping used ones."""
        kind = NUMBER_PREFIXES[prefix]
        while True:
            self.seq[prefix] = self.seq.get(prefix, 0) + 1
            number = f"{prefix}-{self.seq[prefix]:04d}"
            if number.lower() not in self.numbers[kind]:
                return number

    # -- persistence ---------------------------------------------------------------------
    def dump(self) -> dict:
        """Everything stored for this tenant, as public JSON (used by ``Emulator.dump``)."""
        out = {name: [public(o) for o in coll.values()] for name, coll in self.data.items()}
        out["Organisation"] = [dict(self.organisation)]
        out["Attachments"] = {oid: [public(a) for a in lst] for oid, lst in self.attachments.items()}
        out["History"] = {oid: list(lst) for oid, lst in self.history.items()}
        return out

    def to_json(self) -> dict:
        """Full serialisable state including private keys and attachment bytes."""
        return {
            "tenant_id": self.tenant_id,
            "name": self.name,
            "created_ms": self.created_ms,
            "organisation": self.organisation,
            "data": {k: list(v.values()) for k, v in self.data.items()},
            "seq": self.seq,
            "history": self.history,
            "attachments": {
                oid: [
                    {**{k: v for k, v in a.items() if k != "_bytes"}, "_b64": base64.b64encode(a["_bytes"]).decode()}
                    for a in lst
                ]
                for oid, lst in self.attachments.items()
            },
            "idempotency": self.idempotency,
        }

    @classmethod
    def from_json(cls, raw: dict) -> Org:
        """Rebuild an organisation saved by ``to_json``."""
        org = cls(raw["tenant_id"], raw["name"], raw["created_ms"], content=False)
        org.organisation = raw["organisation"]
        for name, objs in raw["data"].items():
            key = ID_FIELDS[name]
            org.data[name] = {o[key]: o for o in objs}
        org.seq.update(raw.get("seq", {}))  # files saved before purchase orders have no "PO"
        org.history = raw.get("history", {})
        org.idempotency = raw.get("idempotency", {})
        for oid, lst in raw.get("attachments", {}).items():
            org.attachments[oid] = [
                {**{k: v for k, v in a.items() if k != "_b64"}, "_bytes": base64.b64decode(a["_b64"])} for a in lst
            ]
        org.reindex()
        return org


class Store:
    """Root of all emulator state; guarded by ``lock``."""

    def __init__(self, day_limit: int = 5000):
        self.lock = threading.RLock()
        self.clock = Clock()
        self.default_day_limit = day_limit
        self.dirty = False
        self.clear()

    def clear(self) -> None:
        """Forget everything (the clock offset too)."""
        self.clock.offset = 0.0
        self.orgs: dict[str, Org] = {}
        self.apps: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.grants: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.webhooks: list[dict] = []
        self.limits = {"minute": 60, "day": self.default_day_limit, "concurrent": 5, "app_minute": 10000}
        self.dirty = True

    def org(self, tenant_id: str) -> Org | None:
        """The organisation with this tenant id, or None."""
        return self.orgs.get(tenant_id)

    # -- persistence ---------------------------------------------------------------------
    def to_json(self) -> dict:
        """Serialisable snapshot of the whole store."""
        return {
            "version": 1,
            "clock_offset": self.clock.offset,
            "limits": self.limits,
            "orgs": [o.to_json() for o in self.orgs.values()],
            "apps": self.apps,
            "grants": self.grants,
            "access_tokens": self.access_tokens,
            "refresh_tokens": self.refresh_tokens,
            "webhooks": self.webhooks,
        }

    def load_json(self, raw: dict) -> None:
        """Replace the store's content with a snapshot made by ``to_json``."""
        self.clear()
        self.clock.offset = raw.get("clock_offset", 0.0)
        self.limits.update(raw.get("limits", {}))
        for o in raw.get("orgs", []):
            org = Org.from_json(o)
            self.orgs[org.tenant_id] = org
        self.apps = raw.get("apps", {})
        self.grants = raw.get("grants", {})
        self.access_tokens = raw.get("access_tokens", {})
        self.refresh_tokens = raw.get("refresh_tokens", {})
        self.webhooks = raw.get("webhooks", [])
        self.dirty = False

    def save(self, path: str | os.PathLike) -> None:
        """Write the state file atomically (temp file + rename)."""
        with self.lock:
            snapshot = json.dumps(self.to_json(), separators=(",", ":"))
            self.dirty = False
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(snapshot, encoding="utf-8")
        os.replace(tmp, target)

    def load(self, path: str | os.PathLike) -> bool:
        """Load the state file if it exists; returns whether it was loaded."""
        target = Path(path)
        if not target.exists():
            return False
        raw = json.loads(target.read_text(encoding="utf-8"))
        with self.lock:
            self.load_json(raw)
        return True
