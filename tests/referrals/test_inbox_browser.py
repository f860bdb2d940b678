"""A coordinator, with two-factor login, accepts an incoming referral in place from the inbox (htmx)."""

from network.services import staff_groups_sync
from network.twofactor import totp_provision
from referrals import services
from tests import factories
from tests.browser import ARTIFACTS, E2E_MARKS

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

pytestmark = E2E_MARKS


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
