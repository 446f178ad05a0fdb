"""The Apify OpenAPI bundle as a response validator.

Loads `Tests/conformance/apify-openapi/openapi.bundled.json` (vendored; see PROVENANCE.md there), finds the response schema of an operation by path
template, method and status (following `$ref`s to `components/responses`), and validates a JSON body against it with
`openapi-schema-validator`'s `OAS31Validator` (JSON Schema 2020-12 plus the OpenAPI 3.1 vocabulary and formats).

The schema is never copied out of the spec: the validator gets `{"$ref": "urn:apify-openapi#/<pointer>"}` and a
`referencing` registry holding the whole bundle under `urn:apify-openapi`, so every `$ref: '#/components/...'` inside
the operation's schema resolves against the bundle exactly as written.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:apify-openapi"
REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(__file__).resolve().parent / "apify-openapi" / "openapi.bundled.json"

__all__ = ["ApifySpec", "SpecError", "ValidationError", "SPEC_PATH", "REPO_ROOT"]


class SpecError(AssertionError):
    """The spec has no JSON response schema for what was asked: a bug in the test or an answer the spec forbids."""


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def canonical_path(path: str) -> str:
    """`/v2/acts/...` is the legacy prefix of `/v2/actors/...` (same handler); the spec only lists the latter."""
    if path == "/v2/acts" or path.startswith("/v2/acts/"):
        return "/v2/actors" + path[len("/v2/acts") :]
    return path


# Where the bundle contradicts itself, the schema used instead, with the reason. Each entry is checked by
# `test_schema.py::test_spec_defects_still_exist`, so it must be dropped once the spec is fixed.
SPEC_DEFECTS: dict[tuple[str, str, int], tuple[str, str]] = {
    (template, method, 201): (
        f"/paths/{_escape('/v2/actors/{actorId}/run-sync-get-dataset-items')}/{method}/responses/201"
        "/content/application~1json/schema",
        "the task variant's 201 schema is {type: object}, yet its description says it 'synchronously returns its "
        "dataset items' and the actor variant (same handler) declares {type: array, items: {type: object}}",
    )
    for template in ("/v2/actor-tasks/{actorTaskId}/run-sync-get-dataset-items",)
    for method in ("get", "post")
}


class ApifySpec:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.path = path
        self.document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)

    # --- finding operations -------------------------------------------------------------------------------------

    @cached_property
    def _templates(self) -> list[tuple[re.Pattern[str], str, int]]:
        rows = []
        for template in self.document["paths"]:
            literal_segments = sum(1 for s in template.split("/") if s and not s.startswith("{"))
            regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            rows.append((re.compile(regex), template, literal_segments))
        return rows

    def template_for(self, path: str) -> str:
        """The spec's path template matching a concrete path (literal segments win: `runs/last` over `{runId}`)."""
        path = canonical_path(path.split("?", 1)[0].rstrip("/") or "/")
        matches = [(lit, tpl) for regex, tpl, lit in self._templates if regex.match(path)]
        if not matches:
            raise SpecError(f"no path of the spec matches {path}")
        matches.sort(key=lambda m: -m[0])
        return matches[0][1]

    def operation(self, template: str, method: str) -> dict[str, Any]:
        template = canonical_path(template)
        try:
            return self.document["paths"][template][method.lower()]
        except KeyError:
            raise SpecError(f"the spec has no operation {method.upper()} {template}") from None

    # --- finding schemas ----------------------------------------------------------------------------------------

    def response_pointer(self, template: str, method: str, status: int, *, defects: bool = True) -> str:
        """JSON pointer (in the bundle) of the `application/json` schema of a response (or, for a known defect of
        the spec, of the schema used instead: see `SPEC_DEFECTS`)."""
        template = canonical_path(template)
        if defects and (template, method.lower(), status) in SPEC_DEFECTS:
            return SPEC_DEFECTS[(template, method.lower(), status)][0]
        responses = self.operation(template, method)["responses"]
        key = str(status)
        if key not in responses:
            raise SpecError(
                f"{method.upper()} {template} lists no {status} response (it lists {sorted(responses)})"
            )
        pointer = "/paths/" + _escape(template) + "/" + method.lower() + "/responses/" + key
        response = responses[key]
        while "$ref" in response:
            ref = response["$ref"]
            assert ref.startswith("#/"), ref
            pointer = ref[1:]
            response = self.resolve_pointer(pointer)
        content = response.get("content") or {}
        if "application/json" not in content or "schema" not in content["application/json"]:
            raise SpecError(
                f"{method.upper()} {template} {status}: the spec gives no application/json schema "
                f"(content types: {sorted(content)})"
            )
        return pointer + "/content/" + _escape("application/json") + "/schema"

    def resolve_pointer(self, pointer: str) -> Any:
        node: Any = self.document
        for raw in pointer.lstrip("/").split("/"):
            token = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def validator_for_pointer(self, pointer: str) -> OAS31Validator:
        schema = {"$ref": f"{SPEC_URI}#{pointer}"}
        return OAS31Validator(schema, registry=self.registry, format_checker=oas31_format_checker)

    def component_validator(self, name: str) -> OAS31Validator:
        """Validator for `#/components/schemas/<name>`."""
        if name not in self.document["components"]["schemas"]:
            raise SpecError(f"no schema {name} in components")
        return self.validator_for_pointer("/components/schemas/" + _escape(name))

    def response_validator(self, template: str, method: str, status: int) -> OAS31Validator:
        return self.validator_for_pointer(self.response_pointer(template, method, status))

    # --- validating ---------------------------------------------------------------------------------------------

    def validate(self, body: Any, template: str, method: str, status: int) -> None:
        """Raises `jsonschema.ValidationError` (the most relevant one) when `body` breaks the response schema."""
        validator = self.response_validator(template, method, status)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            detail = "; ".join(
                f"at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:8]
            )
            raise ValidationError(
                f"{method.upper()} {template} {status}: {len(errors)} schema error(s): {detail}",
                validator=first.validator,
                path=first.absolute_path,
                instance=first.instance,
                schema=first.schema,
            )

    def validate_component(self, body: Any, name: str) -> None:
        errors = list(self.component_validator(name).iter_errors(body))
        if errors:
            raise ValidationError(
                f"{name}: " + "; ".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:8])
            )
