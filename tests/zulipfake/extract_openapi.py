"""One-off generator of ``zulip-openapi-subset.yaml`` from Zulip's full OpenAPI file.

Not used by the tests (they only read the committed YAML). Re-run by hand when the set of
endpoints the fake serves changes::

    python tests/zulipfake/extract_openapi.py /path/to/zulip.yaml > tests/zulipfake/zulip-openapi-subset.yaml

It copies the selected ``paths`` operations verbatim, then every ``components`` entry they
reference, transitively, so the result is a self-contained OpenAPI 3.0 document.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

UPSTREAM_COMMIT = "f58636627283a5aa17fc022b8c16c901e44b0816"

# path -> methods the fake serves.  "/rest-error-handling" is a documentation pseudo-path
# (it is never served); it is kept because it carries the shared error shapes (rate limit, ...).
SELECTED: dict[str, list[str]] = {
    "/server_settings": ["get"],
    "/users/me": ["get"],
    "/users": ["get"],
    "/users/{user_id}": ["get"],
    "/users/{email}": ["get"],
    "/realm/profile_fields": ["get"],
    "/realm/emoji": ["get"],
    "/user_groups": ["get"],
    "/get_stream_id": ["get"],
    "/streams": ["get"],
    "/streams/{stream_id}/members": ["get"],
    "/users/me/subscriptions": ["get", "post", "delete"],
    "/register": ["post"],
    "/events": ["get", "delete"],
    "/messages": ["get", "post"],
    "/messages/{message_id}": ["get", "patch"],
    "/messages/{message_id}/reactions": ["post", "delete"],
    "/user_uploads": ["post"],
    "/scheduled_messages": ["get", "post"],
    "/scheduled_messages/{scheduled_message_id}": ["delete"],
    "/rest-error-handling": ["post"],
}

HEADER = f"""\
# Extract of Zulip's REST API OpenAPI description, served by the fake Zulip server in
# tests/zulipfake/.
#
# Source: upstream zulip/zulip `zerver/openapi/zulip.yaml`, commit
# {UPSTREAM_COMMIT}
# (2024-07-24; Zulip 9.0-beta1+git, API feature level 276).
# License: Apache-2.0 (see `info.license`), Copyright Kandra Labs, Inc. and contributors.
#
# This is NOT the complete file: only the `paths` operations the fake serves are kept,
# together with every `components` entry they reference (transitively), so this is a
# self-contained OpenAPI 3.0 document.  Content is otherwise unchanged (re-serialised by
# tests/zulipfake/extract_openapi.py, so formatting and comments differ from upstream).
# Known differences between this older spec and the Zulip 11 server the fake imitates are
# listed in tests/zulipfake/openapi.py (KNOWN_DIFFERENCES), not edited in here.
"""


def _refs(node: Any) -> set[str]:
    """All "#/components/..." references inside ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def extract(full: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in SELECTED.items():
        item = full["paths"][path]
        kept = {key: value for key, value in item.items() if key not in _HTTP_METHODS}
        kept.update({method: item[method] for method in methods})
        paths[path] = kept

    components: dict[str, dict[str, Any]] = {
        "securitySchemes": dict(full["components"]["securitySchemes"])
    }
    pending = _refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        value = full["components"][section][name]
        components.setdefault(section, {})[name] = value
        pending |= _refs(value)
    for section in components.values():
        # Sorted for a stable, diffable output.
        items = sorted(section.items())
        section.clear()
        section.update(items)

    out = {key: full[key] for key in ("openapi", "info", "servers", "security")}
    out["paths"] = paths
    out["components"] = components
    return out


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Keep the long Markdown descriptions readable as block scalars.
    style = "|" if "\n" in data and not data.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        full = yaml.safe_load(f)
    text = yaml.dump(extract(full), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    sys.stdout.write(HEADER + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
