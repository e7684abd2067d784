"""The API documents what it answers: every operation in /openapi.json has a response schema,
every JSON body is a pydantic model, and the README's JSON examples match the schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from ttt.api.app import _routers, create_app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"<!-- example: (GET|POST|PUT|PATCH|DELETE) (\S+) (\d{3}) -->\s*```json\n(.*?)```", re.S)


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def spec(app):
    return app.openapi()


def _api_routes() -> list[APIRoute]:
    """Every route of every router the app includes (their paths carry their own prefixes)."""
    routes = [r for router in _routers() for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 40
    return routes


def test_every_operation_documents_its_success_response(spec):
    missing = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
            if not success:
                missing.append(f"{method.upper()} {path}: no 2xx response")
                continue
            for code, response in success.items():
                if code == "204":
                    continue  # no content
                schemas = [c.get("schema") for c in (response.get("content") or {}).values()]
                if not any(s and s != {} for s in schemas):
                    missing.append(f"{method.upper()} {path} {code}: no schema")
    assert missing == []


def test_json_bodies_are_pydantic_models():
    untyped = []
    for route in _api_routes():
        if route.body_field is None:
            continue
        annotation = route.body_field.field_info.annotation
        if annotation in (dict, list) or str(annotation).startswith(("dict", "list[Any]", "typing.Any")):
            untyped.append(f"{sorted(route.methods)} {route.path}: {annotation}")
    assert untyped == []


def _route_model(method: str, path: str, status: int):
    for route in _api_routes():
        if route.path == path and method in route.methods:
            extra = (route.responses or {}).get(status) or (route.responses or {}).get(str(status)) or {}
            return extra.get("model") or route.response_model
    raise AssertionError(f"no route {method} {path}")


def test_readme_examples_match_the_response_schemas():
    examples = EXAMPLE.findall(README)
    assert len(examples) >= 4, "the README's API examples are marked <!-- example: METHOD PATH STATUS -->"
    for method, path, status, text in examples:
        model = _route_model(method, path, int(status))
        assert model is not None, f"{method} {path} declares no response model"
        value = TypeAdapter(model).validate_python(json.loads(text))
        if isinstance(value, BaseModel):
            # every key the README shows is either declared or passed through, none is lost
            assert set(json.loads(text)) <= set(value.model_dump(by_alias=True)), f"{method} {path}"
