"""Find Xero's OpenAPI spec for the emulator's tests; download it when it is nowhere else.

Prints the folder holding xero_accounting.yaml, xero-identity.yaml and xero-webhooks.yaml,
or says once on stderr how to provide them and exits 1. The folder is, in this order:
$XERO_OPENAPI_DIR; <repo>/../shared/xero-openapi; the cache $XERO_STATE_DIR/xero-openapi,
which this script fills from XeroAPI/Xero-OpenAPI at a pinned commit, each file's sha256
checked before it goes in. Standard library only. Usage: tools/spec.py
"""

import hashlib
import http.client
import importlib.util
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMIT = "e952d0bda3628facbf7afc5990ad6a0e7e77bd1e"  # spec version 16.1.0
URL = f"https://raw.githubusercontent.com/XeroAPI/Xero-OpenAPI/{COMMIT}/"
SHA256 = {
    "xero_accounting.yaml": "140f64f8e6bd2d8524b8ffdbffd08589d417efa5466ba57bfa04939a69ff6db8",
    "xero-identity.yaml": "d95f4204d8ec369dac2bb1ee6e6b8cfb88f845a09cbcba630475dd34c73cf2bd",
    "xero-webhooks.yaml": "822244b387a8e26ca948abd338cbee419b6167408ad615582802346587ed7eac",
}
TIMEOUT = 10  # seconds, per connection and per read: no network fails fast

# spec_dir() of xero_emulator/spec.py stays the one resolver; load that file alone, not the package
_loader = importlib.util.spec_from_file_location("xero_spec", REPO / "xero_emulator" / "spec.py")
spec = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(spec)
assert set(SHA256) == set(spec.DOCS.values())


def say(msg: str) -> None:
    print(f"\033[1m[account_xero]\033[0m {msg}", file=sys.stderr)


def changed(directory: Path) -> list[str]:
    """The files of directory that are not the pinned commit's."""
    return [n for n, h in SHA256.items() if hashlib.sha256((directory / n).read_bytes()).hexdigest() != h]


def download(cache: Path) -> None:
    """The three files into a temporary folder beside cache, checked, then moved into cache."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".xero-openapi-", dir=cache.parent))
    try:
        for name in SHA256:
            with urllib.request.urlopen(URL + name, timeout=TIMEOUT) as resp:
                (tmp / name).write_bytes(resp.read())
        if bad := changed(tmp):
            raise ValueError(f"sha256 mismatch for {', '.join(bad)}")
        cache.mkdir(exist_ok=True)
        for name in SHA256:
            os.replace(tmp / name, cache / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def missing(reason: str, cache: Path) -> int:
    say(f"""Xero's OpenAPI spec is missing: {reason}.
  The emulator's tests check every request and response against it: {", ".join(SHA256)}
  of github.com/XeroAPI/Xero-OpenAPI at commit {COMMIT}. Provide it one of three ways:
  1. set XERO_OPENAPI_DIR to a folder holding the three files (XERO_OPENAPI_DIR=... make test);
  2. put them in ../shared/xero-openapi beside this clone ({REPO.parent / "shared" / "xero-openapi"});
  3. run make test once on a machine with a network: it downloads them, checks their sha256
     and keeps them in {cache} (XERO_STATE_DIR/xero-openapi).""")
    return 1


def main() -> int:
    cache, found = spec.cache_dir(), spec.spec_dir()
    reason = "not found"
    if spec.has_spec(found):
        bad = changed(found)
        if not bad:
            print(found)
            return 0
        if found != cache:  # the user's own copy: used as it is
            say(f"note: {', '.join(bad)} in {found} differ from commit {COMMIT[:7]}, the tested version")
            print(found)
            return 0
        for name in bad:  # a cached file is the pinned one or none
            (cache / name).unlink()
        reason = f"the cached {', '.join(bad)} did not match the pinned sha256 (removed)"
    if os.environ.get("XERO_OPENAPI_DIR"):
        return missing(f"XERO_OPENAPI_DIR={found} does not hold the three files", cache)
    try:
        download(cache)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return missing(f"{reason}, and downloading it failed ({exc})", cache)
    say(f"downloaded Xero's OpenAPI spec (commit {COMMIT[:7]}, sha256 checked) into {cache}")
    print(cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
