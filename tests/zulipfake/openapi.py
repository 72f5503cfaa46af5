"""Checks requests and responses of the fake Zulip server against Zulip's OpenAPI description.

The spec is the committed extract ``zulip-openapi-subset.yaml`` (Zulip 9.0-dev, feature level
276).  The fake imitates a Zulip 11 server (feature level 372, see ``recorded/``), which accepts
and returns a few things this older spec does not describe; those are patched into the loaded
spec by ``KNOWN_DIFFERENCES`` below, each with the recording that shows the real behaviour.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import _keywords as oas_keywords
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).with_name("zulip-openapi-subset.yaml")
_SPEC_URI = "urn:zulip-openapi-subset"
_HTTP_METHODS = ("get", "post", "patch", "put", "delete")

# Documentation-only pseudo-paths of the spec: never served.
PSEUDO_PATHS = frozenset({"/rest-error-handling"})

# Unknown parameters that are not the bot's doing, so not violations (the server still lists
# them in ignored_parameters_unsupported): the zulip Python client adds dont_block=true to a
# request it retries after a 5xx or a connection error (zulip/__init__.py, error_retry).  It
# also repeats path parameters in the body (add_reaction, update_message send message_id),
# which check_request tolerates when the value equals the path's.
IGNORABLE_PARAMETERS = frozenset({"dont_block"})


# --- Known differences between the spec (FL 276) and the real Zulip 11 server (FL 372) -------
#
# Each entry: (JSON pointer into the spec, patch function, why).  The patches only ever widen
# what the spec allows, so everything valid for the spec stays valid.


def _add_properties(**schemas: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def patch(node: dict[str, Any]) -> None:
        node.setdefault("properties", {}).update(schemas)

    return patch


def _success_with(**schemas: dict[str, Any]) -> dict[str, Any]:
    """A 200 response object: a success with exactly these extra keys."""
    keys = {"result": {}, "msg": {}, "ignored_parameters_unsupported": {}, **schemas}
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/JsonSuccessBase"},
            {"additionalProperties": False, "properties": keys},
        ]
    }
    return {"description": "Success.", "content": {"application/json": {"schema": schema}}}


def _set_key(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def patch(node: dict[str, Any]) -> None:
        node[key] = value

    return patch


_FORM = "requestBody/content/application~1x-www-form-urlencoded/schema"
_OK = "responses/200/content/application~1json/schema"

KNOWN_DIFFERENCES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        f"#/paths/~1users~1me/get/{_OK}/allOf/1",
        _add_properties(
            bot_type={"type": "integer", "nullable": True},
            bot_owner_id={"type": "integer", "nullable": True},
        ),
        "GET /users/me of a bot has bot_type and bot_owner_id (02-users_me_bot.json)",
    ),
    (
        "#/paths/~1messages~1{message_id}/patch/responses",
        _set_key("200", _success_with(detached_uploads={"type": "array"})),
        "PATCH /messages/{id} success has detached_uploads (27, 29, 31)",
    ),
    (
        f"#/paths/~1messages/post/{_FORM}",
        _add_properties(subject={"type": "string"}),
        "POST /messages accepts the legacy alias subject for topic (38)",
    ),
    (
        "#/components/schemas/CustomProfileField",
        _add_properties(editable_by_user={"type": "boolean"}),
        "profile fields have editable_by_user (51-realm_profile_fields.json)",
    ),
    (
        f"#/paths/~1user_uploads/post/{_OK}/allOf/1",
        _add_properties(filename={"type": "string"}),
        "POST /user_uploads success has filename (55-user_upload.json)",
    ),
    (
        "#/components/schemas/RateLimitedError/allOf/1/properties/retry-after",
        _set_key("type", "number"),
        "429 retry-after is a float, not an integer (68-rate_limited_429.json)",
    ),
]
# Not spec patches but code (see OpenAPISpec.check_request): the multipart part of
# POST /user_uploads is named after the file, not "filename" (55, README surprise 14).


def _apply_known_differences(spec: dict[str, Any]) -> None:
    for pointer, patch, _why in KNOWN_DIFFERENCES:
        patch(_resolve_pointer(spec, pointer))


# --- Spec model ------------------------------------------------------------------------------


@dataclass
class Param:
    name: str
    location: str  # "path", "query" or "body"
    pointer: str  # JSON pointer of the parameter's schema
    schema: dict[str, Any]  # resolved top level of that schema (for decoding decisions)
    required: bool
    json_encoded: bool


@dataclass
class Operation:
    method: str  # upper case
    template: str  # e.g. "/messages/{message_id}"
    regex: re.Pattern[str]
    params: dict[str, Param] = field(default_factory=dict)
    body_required: bool = False
    body_media: str | None = None
    response_pointers: dict[str, str] = field(default_factory=dict)

    @property
    def served(self) -> bool:
        return self.template not in PSEUDO_PATHS


@dataclass
class RequestCheck:
    operation: Operation | None
    params: dict[str, Any]  # decoded parameter values (unknown ones kept raw)
    path_params: dict[str, Any]
    problems: list[str]
    ignored: list[str]  # parameters the operation does not know
    missing: list[str] = field(default_factory=list)  # required parameters not sent
    invalid: list[str] = field(default_factory=list)  # parameters whose value the spec rejects


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _resolve_pointer(doc: Any, pointer: str) -> Any:
    node = doc
    for token in pointer.lstrip("#/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


class OpenAPISpec:
    """The loaded spec subset, with request/response checking helpers."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        with open(path, encoding="utf-8") as f:
            spec = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        _apply_known_differences(spec)
        self.spec: dict[str, Any] = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT4)
        self._registry: Registry = Registry().with_resource(_SPEC_URI, resource)
        self._validators: dict[str, Any] = {}
        # id(oneOf list) -> {event type: the alternatives that allow it}, or None when an
        # alternative does not fix its type (then every alternative is tried).
        self._by_type: dict[int, dict[str, list[Any]] | None] = {}
        self._validator_class = extend(OAS30Validator, {"oneOf": self._one_of})
        self.operations: list[Operation] = self._build_operations()

    # -- construction --

    def _deref(self, node: Any) -> tuple[Any, str | None]:
        """Follow $ref chains; returns the node and the pointer it was found at (if a ref)."""
        pointer = None
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"]
            node = _resolve_pointer(self.spec, pointer)
        return node, pointer

    def _build_operations(self) -> list[Operation]:
        operations = []
        for template, item in self.spec["paths"].items():
            for method in _HTTP_METHODS:
                if method in item:
                    operations.append(self._build_operation(template, method, item[method]))
        # Literal paths before templated ones; among templates, typed (integer) path
        # parameters first so /users/10 is get-user-by-id, /users/a@b.c get-user-by-email.
        operations.sort(key=lambda op: (op.template.count("{"), self._string_path_params(op)))
        return operations

    @staticmethod
    def _string_path_params(op: Operation) -> int:
        return sum(
            1
            for p in op.params.values()
            if p.location == "path" and p.schema.get("type") == "string"
        )

    def _build_operation(self, template: str, method: str, raw: dict[str, Any]) -> Operation:
        base = f"#/paths/{_escape(template)}/{method}"
        regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$")
        op = Operation(method=method.upper(), template=template, regex=regex)
        for index, param_node in enumerate(raw.get("parameters", [])):
            param, pointer = self._deref(param_node)
            pointer = pointer or f"{base}/parameters/{index}"
            if "content" in param:
                schema_pointer = f"{pointer}/content/application~1json/schema"
                json_encoded = True
            else:
                schema_pointer = f"{pointer}/schema"
                json_encoded = False
            op.params[param["name"]] = Param(
                name=param["name"],
                location=param["in"],
                pointer=schema_pointer,
                schema=self._deref(_resolve_pointer(self.spec, schema_pointer))[0],
                required=bool(param.get("required", False)),
                json_encoded=json_encoded,
            )
        body = raw.get("requestBody")
        if body:
            op.body_required = bool(body.get("required", False))
            media, content = next(iter(body["content"].items()))
            op.body_media = media
            schema_pointer = f"{base}/requestBody/content/{_escape(media)}/schema"
            schema = self._deref(content["schema"])[0]
            required = set(schema.get("required", []))
            encodings = content.get("encoding", {})
            for name in schema.get("properties", {}):
                prop_pointer = f"{schema_pointer}/properties/{_escape(name)}"
                op.params[name] = Param(
                    name=name,
                    location="body",
                    pointer=prop_pointer,
                    schema=self._deref(_resolve_pointer(self.spec, prop_pointer))[0],
                    required=name in required,
                    json_encoded=encodings.get(name, {}).get("contentType") == "application/json",
                )
        for status, response in raw.get("responses", {}).items():
            response_node, ref = self._deref(response)
            if "application/json" in response_node.get("content", {}):
                prefix = ref or f"{base}/responses/{status}"
                op.response_pointers[str(status)] = f"{prefix}/content/application~1json/schema"
        return op

    # -- validation primitives --

    def validator(self, pointer: str) -> Any:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = self._validator_class(
                {"$ref": _SPEC_URI + pointer}, registry=self._registry
            )
            self._validators[pointer] = validator
        return validator

    def _one_of(
        self, validator: Any, alternatives: list[Any], instance: Any, schema: Any
    ) -> Iterable[ValidationError]:
        """``oneOf``, trying only the alternatives whose ``type`` enum allows the instance's.

        The others cannot match, so the verdict is the same; but an event list is checked
        against 71 event schemas per event otherwise, which made the fake answer a long-poll
        in about 2 ms per event and throttled the bots under benchmark.
        """
        if isinstance(instance, dict) and isinstance(instance.get("type"), str):
            key = id(alternatives)
            if key not in self._by_type:
                self._by_type[key] = self._alternatives_by_type(alternatives)
            by_type = self._by_type[key]
            if by_type is not None and instance["type"] in by_type:
                alternatives = by_type[instance["type"]]
        yield from oas_keywords.oneOf(validator, alternatives, instance, schema)

    def _alternatives_by_type(self, alternatives: list[Any]) -> dict[str, list[Any]] | None:
        by_type: dict[str, list[Any]] = {}
        for alternative in alternatives:
            allowed = self._type_enum(alternative)
            if allowed is None:
                return None
            for value in allowed:
                by_type.setdefault(value, []).append(alternative)
        return by_type

    def _type_enum(self, schema: Any) -> list[str] | None:
        """The values an object schema allows for its ``type`` property (None if unbounded)."""
        node = self._deref(schema)[0]
        if not isinstance(node, dict):
            return None
        found = _enum_of(self._deref(node.get("properties", {}).get("type"))[0])
        for part in node.get("allOf", []) if found is None else []:
            found = self._type_enum(part)
            if found is not None:
                break
        return found

    def schema_errors(self, pointer: str, instance: Any) -> list[str]:
        """Human-readable problems of ``instance`` against the schema at ``pointer``."""
        problems: list[str] = []
        for error in self.validator(pointer).iter_errors(instance):
            for problem in _describe(error):
                if problem not in problems:
                    problems.append(problem)
        return problems

    # -- matching --

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str]]:
        """Find the operation for ``method`` and ``path`` (relative to /api/v1)."""
        for op in self.operations:
            if op.method != method.upper():
                continue
            found = op.regex.match(path)
            if not found:
                continue
            values = [unquote(value) for value in found.groups()]
            path_params = dict(zip(_template_names(op.template), values, strict=True))
            if all(self._path_param_fits(op, k, v) for k, v in path_params.items()):
                return op, path_params
        return None, {}

    def _path_param_fits(self, op: Operation, name: str, raw: str) -> bool:
        param = op.params.get(name)
        if param is None:
            return True
        errors = self.validator(param.pointer).iter_errors(_decode(raw, param))
        return next(errors, None) is None

    # -- request / response checks --

    def check_request(
        self,
        method: str,
        path: str,
        raw_params: Mapping[str, str],
        file_fields: Iterable[str] = (),
    ) -> RequestCheck:
        """Match and decode a request; report anything the spec forbids.

        ``raw_params`` merges query string and form body (Zulip reads both for every
        method), each value as the raw string sent.  ``file_fields`` are multipart file
        parts, whose names the spec cannot know (the zulip client names the part after
        the file, see recorded/README.md surprise 14).
        """
        op, raw_path = self.match(method, path)
        where = f"{method.upper()} /api/v1{path}"
        if op is None:
            problem = f"{where}: not in zulip-openapi-subset.yaml (not served by the fake)"
            return RequestCheck(None, dict(raw_params), {}, [problem], [])
        problems: list[str] = []
        decoded: dict[str, Any] = {}
        ignored: list[str] = []
        unknown: list[str] = []
        missing: list[str] = []
        invalid: list[str] = []
        path_params = {k: _decode(v, op.params[k]) for k, v in raw_path.items() if k in op.params}
        for name, raw in raw_params.items():
            param = op.params.get(name)
            if param is None or param.location == "path":
                decoded[name] = raw
                ignored.append(name)
                if name not in IGNORABLE_PARAMETERS and raw_path.get(name) != raw:
                    unknown.append(name)
                continue
            value = _decode(raw, param)
            decoded[name] = value
            for problem in self.schema_errors(param.pointer, value):
                problems.append(f"{where}: parameter {name!r}={raw!r}: {problem}")
                if name not in invalid:
                    invalid.append(name)
        for param in op.params.values():
            if param.required and param.location != "path" and param.name not in raw_params:
                if param.location == "body" and op.body_media == "multipart/form-data":
                    continue
                problems.append(f"{where}: missing required parameter {param.name!r}")
                missing.append(param.name)
        for name in unknown:
            problems.append(f"{where}: unknown parameter {name!r} (the server ignores it)")
        if op.body_media == "multipart/form-data" and op.body_required and not list(file_fields):
            problems.append(f"{where}: missing multipart file")
        return RequestCheck(op, decoded, path_params, problems, ignored, missing, invalid)

    def check_response(self, op: Operation, status: int, body: Any) -> list[str]:
        """Problems of a response body against the spec (only 200s are checked)."""
        if status != 200:
            return []
        pointer = op.response_pointers.get("200")
        if pointer is None:
            return [f"{op.method} /api/v1{op.template}: the spec has no JSON 200 response"]
        return [
            f"{op.method} /api/v1{op.template}: response {problem}"
            for problem in self.schema_errors(pointer, body)
        ]


def _describe(error: ValidationError) -> list[str]:
    """Messages for one validation error; for a failed oneOf/anyOf, those of the alternative
    that got furthest into the instance (for an event list: the alternative of its type)."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        alternatives: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            alternatives.setdefault(sub.relative_schema_path[0], []).append(sub)
        closest = max(
            alternatives.values(),
            key=lambda subs: (min(len(sub.absolute_path) for sub in subs), -len(subs)),
        )
        return [message for sub in closest for message in _describe(sub)]
    where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
    return [f"{where}: {error.message}"]


def _enum_of(schema: Any) -> list[str] | None:
    """The values an ``enum`` (directly or in an ``allOf`` part) allows; None if unbounded."""
    if not isinstance(schema, dict):
        return None
    if isinstance(schema.get("enum"), list):
        return [value for value in schema["enum"] if isinstance(value, str)]
    for part in schema.get("allOf", []):
        found = _enum_of(part)
        if found is not None:
            return found
    return None


def _template_names(template: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", template)


def _decode(raw: str, param: Param) -> Any:
    """Decode a raw parameter string the way Zulip does for this parameter's schema.

    Zulip's clients JSON-encode every non-string value; plain string parameters are taken
    as sent.  Parameters that may be a string or something else (``to``, ``anchor``) are
    JSON-decoded when that works and gives a value of an allowed type.
    """
    if param.schema.get("type") == "string" and not param.json_encoded:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        # Not JSON: a plain string ("newest", a channel name for ``to``); the schema check
        # then says whether a string is allowed here.
        return raw


@lru_cache(maxsize=1)
def load_spec() -> OpenAPISpec:
    """The spec, loaded once per process (it is read-only after loading)."""
    return OpenAPISpec()


def spec_copy() -> dict[str, Any]:
    """A private deep copy of the patched spec document (for tests that inspect it)."""
    return copy.deepcopy(load_spec().spec)
