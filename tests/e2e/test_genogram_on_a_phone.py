"""A caseworker opens the household's genogram and ecomap on a phone: the picture fits the 390px screen,
every member is drawn where no other is, the text alternative says the same, and a screenshot is kept."""

import datetime

from casework import services
from network.models import Agency, AgencyKind
from tests import factories
from tests.browser import ARTIFACTS, E2E_MARKS

pytestmark = E2E_MARKS


def test_the_genogram_fits_a_phone_and_draws_every_member_apart(live_server, transactional_db, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    area = factories.make_area("north", "北部エリア")
    caseworker = factories.make_staff("tanaka", area=area, password="correct-horse-9")
    houkatsu = Agency.objects.create(
        code="houkatsu-north", name="北部地域包括支援センター", kind=AgencyKind.COMPREHENSIVE_CARE
    )
    case = factories.make_case(by=caseworker, area=area, name="架空 一郎", kana="カクウ イチロウ")
    add = lambda **kw: services.member_add(case=case, added_by=caseworker, **kw)  # noqa: E731
    me = add(name="架空 一郎", name_kana="カクウ イチロウ", relationship="self", sex="male", age=52)
    add(
        name="架空 花子",
        name_kana="カクウ ハナコ",
        relationship="spouse",
        sex="female",
        age=50,
        partnership="separated",
    )
    add(name="架空 母", name_kana="カクウ ハハ", relationship="parent", sex="female", age=80)
    add(
        name="架空 父",
        name_kana="カクウ チチ",
        relationship="parent",
        sex="male",
        deceased=True,
        deceased_year=2018,
        lives_together=False,
    )
    add(
        name="架空 長男",
        name_kana="カクウ チョウナン",
        relationship="child",
        sex="male",
        age=25,
        lives_together=False,
    )
    add(name="架空 次女", name_kana="カクウ ジジョ", relationship="child", sex="female", age=20)
    add(
        name="架空 弟",
        name_kana="カクウ オトウト",
        relationship="sibling",
        sex="male",
        age=48,
        lives_together=False,
    )
    services.consent_give(case=case, given_by=caseworker, agencies=[houkatsu], given_on=datetime.date.today())
    services.ecomap_resource_add(
        case=case,
        added_by=caseworker,
        name="架空 民生委員",
        kind="minsei",
        strength="strong",
        direction="mutual",
    )
    services.ecomap_resource_add(
        case=case, added_by=caseworker, name="ふれあいサロン", kind="salon", strength="stressful"
    )

    page.goto(f"{live_server.url}/")
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill("correct-horse-9")
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="ジェノグラム・エコマップ").click()

    expect(page.locator("h1")).to_have_text("ジェノグラム・エコマップ")
    picture = page.locator("svg.genogram")
    expect(picture).to_be_visible()
    expect(picture.locator("g[data-member]")).to_have_count(7)
    expect(picture.locator("g[data-tie]")).to_have_count(3)
    expect(picture.locator(f"g[data-member='{me.pk}'].focus")).to_have_count(1)

    # the picture fits the phone's width: no sideways scrolling
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    figure = page.locator("figure.genogram-figure").bounding_box()
    assert figure["width"] <= 390
    # and its labels stay readable: drawn at 9px or more however wide the picture is
    label_heights = page.evaluate(
        "[...document.querySelectorAll('svg.genogram text')].map(e => e.getBoundingClientRect().height)"
    )
    assert label_heights and min(label_heights) >= 9, min(label_heights)

    # no two members' symbols overlap as the browser draws them
    rects = page.evaluate(
        """[...document.querySelectorAll('svg.genogram g[data-member] .symbol')].map(e => {
            const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
    )
    assert len(rects) == 7
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)

    # the text alternative, beside the picture
    facts = page.locator("#genogram-text")
    expect(facts).to_contain_text("本人 架空 一郎: 男性、52歳、同居、支援の中心となる人")
    expect(facts).to_contain_text("北部地域包括支援センター")
    expect(facts).to_contain_text("架空 民生委員（民生委員）: つながり 強い、支援の向き 相互")

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("figure.genogram-figure").screenshot(path=str(ARTIFACTS / "genogram-phone.png"))
    page.screenshot(path=str(ARTIFACTS / "genogram-page-phone.png"), full_page=True)
    assert page.problems == []
