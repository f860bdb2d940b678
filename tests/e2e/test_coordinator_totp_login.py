"""An area coordinator logs in on a phone: password, then the 6-digit code from their authenticator app,
and lands on their case list; their case page shows the sharing and "who looked at this" panels."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp

from network.twofactor import totp_provision
from tests import factories

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 390, "height": 844}
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs a Chromium browser at {CHROMIUM}"),
]


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
        )
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and page.problems.append(
                    f"console: {msg.text} at {msg.location.get('url')}:{msg.location.get('lineNumber')}"
                )
            ),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_coordinator_logs_in_with_a_totp_code_and_lands_on_the_case_list(
    live_server, transactional_db, browser_page
):
    from playwright.sync_api import expect

    page = browser_page
    area = factories.make_area("north", "北部エリア")
    coordinator = factories.make_staff("sato", role="coordinator", area=area, password="correct-horse-9")
    coordinator.last_name, coordinator.first_name = "佐藤", "花子"
    coordinator.save()
    device = totp_provision(user=coordinator, secret_base32=SECRET)
    caseworker = factories.make_staff("tanaka", area=area)
    factories.make_case(by=caseworker, area=area, name="架空 二郎", kana="カクウ ジロウ")

    # password first
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("ログイン")
    page.get_by_label("ユーザー名").fill("sato")
    page.get_by_label("パスワード").fill("correct-horse-9")
    page.get_by_role("button", name="ログイン").click()

    # then the second factor: no enrolment (the device is provisioned), just the code
    expect(page).to_have_url(f"{live_server.url}/account/2fa/?next=/cases/")
    expect(page.locator("h1")).to_have_text("2段階認証")
    expect(page.locator(".qr")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "coordinator-2fa-phone.png"), full_page=True)
    page.get_by_label("6桁のコード").fill(current_code(device))
    page.get_by_role("button", name="確認").click()

    # the case list of the coordinator's area
    expect(page).to_have_url(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", name="ケース一覧")).to_be_visible()
    expect(page.locator("#case-results")).to_contain_text("架空 二郎")
    page.screenshot(path=str(ARTIFACTS / "coordinator-case-list-phone.png"), full_page=True)

    # the case page: lead assignment, sharing and "who looked at this" (their own read is the newest)
    page.get_by_role("link", name="架空 二郎").click()
    expect(page.locator("#sharing h2")).to_have_text("情報共有")
    expect(page.locator("#readers tbody tr").first).to_contain_text("sato")
    page.locator("#sharing").screenshot(path=str(ARTIFACTS / "coordinator-sharing-panel-phone.png"))
    page.locator("#readers").screenshot(path=str(ARTIFACTS / "coordinator-who-looked-phone.png"))
    assert page.problems == []
