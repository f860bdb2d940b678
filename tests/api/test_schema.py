"""The OpenAPI schema integrators generate clients from: valid, public, and every error answer documented."""

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"


def test_schema_is_served_without_a_token(anon, db):
    response = anon.get(SCHEMA_URL)
    assert response.status_code == 200
    assert b"/api/v1/cases/{case_id}/activities/" in response.content


def test_a_stale_token_does_not_lock_anyone_out_of_the_schema(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon.get(SCHEMA_URL).status_code == 200


def test_schema_is_served_to_authenticated_staff(api, db):
    assert api.get(SCHEMA_URL).status_code == 200


def test_docs_page_renders_without_a_token_under_a_policy_that_allows_it(anon, db):
    response = anon.get(DOCS_URL)

    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    swagger_ui = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@"
    assert "'self'" in policy["script-src"] and swagger_ui in policy["script-src"]
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    html = response.content.decode()
    assert html.count("<script") == html.count("<script src=")  # nothing inline for the policy to block
    assert swagger_ui in html


def test_docs_start_up_script_is_served_from_the_site_and_points_at_the_schema(anon, db):
    response = anon.get(DOCS_URL, {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert SCHEMA_URL in response.content.decode()


def test_other_pages_keep_the_strict_policy(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" not in policy and "unsafe-inline" not in policy
