def test_web_ui_is_japanese_whatever_the_browser_asks(client, caseworker):
    client.force_login(caseworker)
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "ja"


def test_choosing_english_switches_the_web_ui(client, caseworker):
    client.force_login(caseworker)
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert client.get("/cases/").headers["Content-Language"] == "en"


def test_api_clients_may_ask_for_english(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/api/v1/cases/987654/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.headers["Content-Language"] == "en"
