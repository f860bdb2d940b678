"""A coordinator, with two-factor login, accepts an incoming referral in place from the inbox (htmx)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from network.services import staff_groups_sync
from network.twofactor import totp_provision
from referrals import services
from tests import factories

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 390, "height": 844}
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs a Chromium browser at {CHROMIUM}"),
]


@pytest.fixture
def browser_page(monkeypatch):
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


def test_coordinator_accepts_an_incoming_referral(live_server, transactional_db, browser_page):
    from django_otp.oath import totp
    from playwright.sync_api import expect

    page = browser_page
    north, south = factories.make_area("north", "北部エリア"), factories.make_area("south", "南部エリア")
    sender = factories.make_staff("tanaka", area=north)
    coordinator = factories.make_staff("suzuki", role="coordinator", area=south, password="correct-horse-9")
    for user in (sender, coordinator):
        staff_groups_sync(user=user)
    device = totp_provision(user=coordinator, secret_base32=SECRET)
    case = factories.make_case(by=sender, area=north, name="架空 次郎", kana="カクウ ジロウ")
    referral = services.referral_request(
        case=case,
        requested_by=sender,
        kind="collaboration",
        to_area=south,
        reason="通院同行の協力をお願いします。",
    )

    page.goto(f"{live_server.url}/referrals/")
    page.get_by_label("ユーザー名").fill("suzuki")
    page.get_by_label("パスワード").fill("correct-horse-9")
    page.get_by_role("button", name="ログイン").click()
    page.locator('input[name="otp"]').fill(f"{totp(device.bin_key):06d}")
    page.locator('button[type="submit"]').last.click()

    expect(page.get_by_role("heading", name="回答待ちの依頼")).to_be_visible()
    row = page.locator(f"#referral-{referral.pk}")
    expect(row).to_contain_text(case.number)
    expect(row).to_contain_text("通院同行の協力をお願いします。")
    expect(row).not_to_contain_text("架空")  # the case's name stays hidden until acceptance
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "referral-inbox-phone.png"), full_page=True)
    row.get_by_role("button", name="受諾する").click()

    row = page.locator(f"#referral-{referral.pk}")
    expect(row.locator(".flash")).to_contain_text("受諾しました")
    expect(row.get_by_role("link", name="ケースを開く")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.decided_by == coordinator
    row.get_by_role("link", name="ケースを開く").click()
    expect(page.locator("h1")).to_contain_text("架空 次郎")  # shared with the receiving area now
    assert page.problems == []
