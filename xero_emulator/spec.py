"""Validation of request and response bodies against Xero's official OpenAPI documents.

Only used in ``validate=True`` mode (the test suite); needs PyYAML, jsonschema and
referencing, which the server itself does not.  Each YAML document is registered once as a
``referencing`` resource under a URN; a validator for an operation is just
``{"$ref": "<urn>#/paths/~1Invoices/put/requestBody/content/application~1json/schema"}``,
so every ``$ref`` — including the recursive Invoice <-> Payment <-> CreditNote <-> Allocation
cycles — is resolved lazily by the registry when the validator reaches it, never inlined.
"""

from __future__ import annotations

import os
from pathlib import Path

DOCS = {"accounting": "xero_accounting.yaml", "identity": "xero-identity.yaml", "webhooks": "xero-webhooks.yaml"}


def cache_dir() -> Path:
    """Where ``make test`` keeps the downloaded spec: ``$XERO_STATE_DIR/xero-openapi`` (tools/lib.sh)."""
    state = os.environ.get("XERO_STATE_DIR") or "/var/tmp/account_xero"  # noqa: S108 - tools/lib.sh default
    return Path(state) / "xero-openapi"


def has_spec(directory: Path) -> bool:
    """True when ``directory`` holds the three documents."""
    return all((directory / name).is_file() for name in DOCS.values())


def spec_dir() -> Path:
    """``$XERO_OPENAPI_DIR``, else ``<repo>/../shared/xero-openapi``, else :func:`cache_dir` if it holds the spec."""
    env = os.environ.get("XERO_OPENAPI_DIR")
    if env:
        return Path(env)
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "xero-openapi"
    return cache_dir() if not has_spec(shared) and has_spec(cache_dir()) else shared


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class SpecValidator:
    """Validates JSON bodies of the operations of the three Xero documents."""

    def __init__(self, directory: str | os.PathLike | None = None):
        import yaml
        from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7, DRAFT202012

        self.directory = Path(directory) if directory else spec_dir()
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.docs = {}
        registry = Registry()
        for api, name in DOCS.items():
            with open(self.directory / name, encoding="utf-8") as fh:
                doc = yaml.load(fh, Loader=loader)  # noqa: S506 - CSafeLoader/SafeLoader only
            self.docs[api] = doc
            spec = DRAFT202012 if api == "webhooks" else DRAFT7  # OpenAPI 3.1 vs 3.0 schema dialects
            registry = registry.with_resource(f"urn:xero:{api}", Resource(contents=doc, specification=spec))
        self.registry = registry
        self.classes = {"accounting": Draft7Validator, "identity": Draft7Validator, "webhooks": Draft202012Validator}
        checker = FormatChecker(formats=("uuid",))
        self.format_checker = checker
        self.cache: dict = {}

    def _validator(self, api: str, pointer: str):
        key = (api, pointer)
        if key not in self.cache:
            cls = self.classes[api]
            self.cache[key] = cls(
                {"$ref": f"urn:xero:{api}#/{pointer}"}, registry=self.registry, format_checker=self.format_checker
            )
        return self.cache[key]

    def _operation(self, api: str, method: str, path: str):
        paths = self.docs[api].get("paths", {})
        item = paths.get(path)
        if item is None:  # identity serves /Connections as /connections
            item = next((v for k, v in paths.items() if k.lower() == path.lower()), None)
            path = next((k for k in paths if k.lower() == path.lower()), path)
        op = (item or {}).get(method.lower())
        return path, op

    def request_pointer(self, api: str, method: str, path: str) -> str | None:
        """JSON pointer of the JSON request body schema of an operation (None when it has none)."""
        path, op = self._operation(api, method, path)
        if not op or "requestBody" not in op:
            return None
        body = op["requestBody"]
        if "$ref" in body:
            ref = body["$ref"].lstrip("#/").split("/")
            body = self.docs[api]["components"]["requestBodies"][ref[-1]]
            base = ref
        else:
            base = ["paths", path, method.lower(), "requestBody"]
        if "schema" not in body.get("content", {}).get("application/json", {}):
            return None
        return _pointer(*base, "content", "application/json", "schema")

    def response_pointer(self, api: str, method: str, path: str, status: int) -> str | None:
        """JSON pointer of the JSON response schema for a status (None when the spec has none)."""
        path, op = self._operation(api, method, path)
        if not op:
            return None
        resp = op.get("responses", {}).get(str(status))
        if resp is None:
            return None
        base = ["paths", path, method.lower(), "responses", str(status)]
        if "$ref" in resp:
            base = resp["$ref"].lstrip("#/").split("/")
            resp = self.docs[api]["components"]["responses"][base[-1]]
        if "schema" not in resp.get("content", {}).get("application/json", {}):
            return None
        return _pointer(*base, "content", "application/json", "schema")

    @staticmethod
    def _errors(validator, data) -> list[str]:
        out = []
        for err in validator.iter_errors(data):
            where = "/".join(str(p) for p in err.absolute_path)
            out.append(f"{where or '<root>'}: {err.message[:300]}")
            if len(out) >= 5:
                break
        return out

    def validate_request(self, api: str, method: str, path: str, data) -> list[str]:
        """Errors of a request body (empty list when valid or when the operation has no body schema)."""
        pointer = self.request_pointer(api, method, path)
        return [] if pointer is None else self._errors(self._validator(api, pointer), data)

    def validate_response(self, api: str, method: str, path: str, status: int, data) -> list[str]:
        """Errors of a response body for this status (empty when valid or not described)."""
        pointer = self.response_pointer(api, method, path, status)
        return [] if pointer is None else self._errors(self._validator(api, pointer), data)

    def validate_schema(self, api: str, schema_name: str, data) -> list[str]:
        """Errors of ``data`` against ``#/components/schemas/<schema_name>``."""
        return self._errors(self._validator(api, _pointer("components", "schemas", schema_name)), data)
