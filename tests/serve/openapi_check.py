"""Validate real responses against the server's own OpenAPI document."""

from __future__ import annotations

from typing import Any

import jsonschema


class OpenAPIChecker:
    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document

    def schema_for(self, method: str, path: str, status: int) -> dict[str, Any]:
        operation = self.doc["paths"][path][method.lower()]
        responses = operation["responses"]
        assert str(status) in responses, f"{method} {path}: status {status} is not documented ({sorted(responses)})"
        content = responses[str(status)].get("content", {})
        assert "application/json" in content, f"{method} {path} {status}: no JSON schema documented"
        return content["application/json"]["schema"]

    def validate(self, method: str, path: str, response: Any) -> None:
        schema = self.schema_for(method, path, response.status_code)
        root = {**schema, "components": self.doc.get("components", {})}
        jsonschema.Draft202012Validator(root).validate(response.json())

    def validate_request(self, path: str, body: Any) -> None:
        schema = self.doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        root = {**schema, "components": self.doc.get("components", {})}
        jsonschema.Draft202012Validator(root).validate(body)
