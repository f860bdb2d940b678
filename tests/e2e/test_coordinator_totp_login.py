"""An area coordinator logs in on a phone: password, then the 6-digit code from their authenticator app,
and lands on their case list; their case page shows the sharing and "who looked at this" panels."""

from django_otp.oath import totp

from network.twofactor import totp_provision
from tests import factories
from tests.browser import ARTIFACTS, E2E_MARKS

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"

pytestmark = E2E_MARKS


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_coordinator_logs_in_with_a_totp_code_and_lands_on_today(live_server, transactional_db, browser_page):
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
    expect(page).to_have_url(f"{live_server.url}/account/2fa/?next=/")
    expect(page.locator("h1")).to_have_text("2段階認証")
    expect(page.locator(".qr")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "coordinator-2fa-phone.png"), full_page=True)
    page.get_by_label("6桁のコード").fill(current_code(device))
    page.get_by_role("button", name="確認").click()

    # the coordinator's Today page, then the case list of their area
    expect(page).to_have_url(f"{live_server.url}/today/")
    expect(page.get_by_role("heading", name="回答が必要な連携依頼")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "coordinator-today-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", name="閲覧できるケース")).to_be_visible()
    expect(page.locator("#case-results")).to_contain_text("架空 二郎")
    page.screenshot(path=str(ARTIFACTS / "coordinator-case-list-phone.png"), full_page=True)

    # the case page: lead assignment, sharing and "who looked at this" (their own read is the newest)
    page.get_by_role("link", name="架空 二郎").click()
    expect(page.locator("#sharing h2")).to_have_text("情報共有")
    expect(page.locator("#readers tbody tr").first).to_contain_text("佐藤 花子")  # the name, not the login
    page.locator("#sharing").screenshot(path=str(ARTIFACTS / "coordinator-sharing-panel-phone.png"))
    page.locator("#readers").screenshot(path=str(ARTIFACTS / "coordinator-who-looked-phone.png"))
    assert page.problems == []
