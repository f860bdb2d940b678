def test_schema_is_served_to_authenticated_staff(api, db):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/cases/{case_id}/activities/" in response.content


def test_schema_needs_authentication(anon, db):
    assert anon.get("/api/v1/schema/").status_code == 401


def test_docs_page_renders(api, db):
    assert api.get("/api/v1/docs/").status_code == 200
