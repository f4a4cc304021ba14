"""The OpenAPI schema loads, documents every route, and the docs page is served."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import URLPattern, get_resolver

from harbour.api.api import api

EXPECTED = {
    ("get", "/api/v1/people/"),
    ("post", "/api/v1/people/"),
    ("post", "/api/v1/people/search"),
    ("get", "/api/v1/people/{person_id}"),
    ("patch", "/api/v1/people/{person_id}"),
}
NOT_OPERATIONS = {"openapi-json", "openapi-view", "api-root", "not-found"}


def _schema() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_loads_and_describes_the_api(db):
    schema = _schema()
    assert schema["info"]["title"] == "Harbour API"
    assert schema["openapi"].startswith("3.")
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert operations >= EXPECTED
    schemes = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    assert "ErrorOut" in schema["components"]["schemas"]


def test_every_route_is_in_the_schema(db):
    documented = set(_schema()["paths"])
    resolver = get_resolver()
    api_patterns = next(
        p for p in resolver.url_patterns if getattr(p, "namespace", None) == api.urls_namespace
    )
    routes = set()
    for pattern in api_patterns.url_patterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_OPERATIONS:
            continue
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        routes.add("/api/v1/" + route)
    assert routes
    assert routes == documented


def test_errors_are_documented_on_every_operation(db):
    for path, item in _schema()["paths"].items():
        for method, operation in item.items():
            assert "422" in operation["responses"], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_docs_page_is_served(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
