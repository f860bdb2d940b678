"""The OpenAPI schema integrators generate clients from: valid, public, and every error answer documented."""

import json

import pytest
import yaml
from django.core.management import call_command

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"
TOKEN_OPERATION = "auth_token_create"
ERROR_DETAIL = "#/components/schemas/ErrorDetail"
VALIDATION_ERROR = "#/components/schemas/ValidationError"


@pytest.fixture
def schema(anon, db) -> dict:
    response = anon.get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _schema_ref(response: dict) -> str | None:
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


def test_schema_is_served_without_a_token(anon, db):
    response = anon.get(SCHEMA_URL)
    assert response.status_code == 200
    assert b"/api/v1/cases/{case_id}/activities/" in response.content


def test_a_stale_token_does_not_lock_anyone_out_of_the_schema(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon.get(SCHEMA_URL).status_code == 200


def test_schema_is_served_to_authenticated_staff(api, db):
    assert api.get(SCHEMA_URL).status_code == 200


def test_the_schema_passes_drf_spectacular_validation_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(out))
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_every_operation_but_the_token_login_declares_401_with_a_body(schema):
    checked = 0
    for path, method, operation in operations(schema):
        if operation["operationId"] == TOKEN_OPERATION:
            assert "401" not in operation["responses"]
            continue
        unauthorised = operation["responses"].get("401")
        assert unauthorised, (method, path)
        assert _schema_ref(unauthorised) == ERROR_DETAIL, (method, path)
        assert "WWW-Authenticate" in unauthorised["headers"], (method, path)
        checked += 1
    assert checked >= 20


def test_every_operation_with_a_request_body_declares_400_with_its_schema(schema):
    with_body = [(p, m, op) for p, m, op in operations(schema) if "requestBody" in op]
    assert len(with_body) >= 10
    for path, method, operation in with_body:
        assert _schema_ref(operation["responses"].get("400", {})) == VALIDATION_ERROR, (method, path)


def test_the_400_body_is_field_messages_or_a_detail(schema):
    body = schema["components"]["schemas"]["ValidationError"]
    by_field, detail = body["oneOf"]
    assert by_field["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert detail == {"$ref": ERROR_DETAIL}
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]


def test_every_error_answer_has_a_body_and_every_object_path_declares_404(schema):
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                expected = VALIDATION_ERROR if code == "400" else ERROR_DETAIL
                assert _schema_ref(response) == expected, (method, path, code)
        if "{" in path:
            assert "404" in operation["responses"], (method, path)


def test_state_conflicts_are_declared_where_they_happen(schema):
    assert "409" in schema["paths"]["/api/v1/referrals/{referral_id}/accept/"]["post"]["responses"]


def test_both_token_keywords_are_declared_for_generated_clients(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey" and schemes["tokenAuth"]["name"] == "Authorization"
    assert "Authorization: Token <token>" in schemes["tokenAuth"]["description"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    cases = schema["paths"]["/api/v1/cases/"]["get"]["security"]
    assert {"tokenAuth": []} in cases and {"bearerAuth": []} in cases


def test_docs_page_renders_without_a_token_under_a_policy_that_allows_it(anon, db):
    response = anon.get(DOCS_URL)

    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert policy["script-src"] == "'self'"  # Swagger UI is served from our own static files
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    html = response.content.decode()
    assert html.count("<script") == html.count("<script src=")  # nothing inline for the policy to block
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


def test_docs_start_up_script_is_served_from_the_site_and_points_at_the_schema(anon, db):
    response = anon.get(DOCS_URL, {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert SCHEMA_URL in response.content.decode()


def test_other_pages_keep_the_strict_policy(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
