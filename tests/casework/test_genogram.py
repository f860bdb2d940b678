"""The genogram's layout and SVG, from Persons alone (no database): conventional symbols and lines for
known households, and no two members overlapping for any household of 1–12 members in 2–4 generations."""

import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.genogram import Person, Tie, describe, layout, parents_of, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def members(root):
    return root.findall(f".//{SVG}g[@data-member]")


def classes(element) -> set[str]:
    return set(element.get("class", "").split())


def family():
    """本人 (45, male) separated from his wife, two children (one living apart, the daughter with a baby), his
    parents (father deceased), a brother living elsewhere and his grandmother."""
    return [
        Person(1, "self", "本人", "male", "山田 太郎", 45),
        Person(2, "spouse", "配偶者", "female", "山田 花子", 43, partnership="separated"),
        Person(3, "child", "子", "female", "", 15),
        Person(4, "child", "子", "male", "", 12, lives_together=False),
        Person(5, "parent", "親", "male", "", 75, deceased=True, deceased_year=2020),
        Person(6, "parent", "親", "female", "", 72),
        Person(7, "sibling", "兄弟姉妹", "male", "", 48, lives_together=False),
        Person(8, "grandparent", "祖父母", "female", "", 95, lives_together=False),
        Person(9, "grandchild", "孫", "unknown", "", 1, mother_id=3),
    ]


def test_every_member_is_one_symbol_of_the_conventional_shape():
    root = parse(render_svg(layout(family())))
    nodes = members(root)
    assert len(nodes) == 9
    shape = {
        int(n.get("data-member")): next(
            c.tag.removeprefix(SVG) for c in n if "symbol" in classes(c) or c.tag.endswith("circle")
        )
        for n in nodes
    }
    assert shape == {
        1: "rect",
        2: "circle",
        3: "circle",
        4: "rect",
        5: "rect",
        6: "circle",
        7: "rect",
        8: "circle",
        9: "polygon",
    }


def test_the_focus_person_has_a_double_outline_and_the_deceased_a_cross():
    root = parse(render_svg(layout(family())))
    focus = [n for n in members(root) if "focus" in classes(n)]
    assert [n.get("data-member") for n in focus] == ["1"]
    assert len(focus[0].findall(f"{SVG}rect")) == 2  # the symbol and its inner ring
    crossed = [
        n.get("data-member") for n in members(root) if n.find(f"{SVG}path[@class='cross']") is not None
    ]
    assert crossed == ["5"]


def test_ages_are_written_inside_the_symbols():
    root = parse(render_svg(layout(family())))
    ages = {n.get("data-member"): n.find(f"{SVG}text[@class='age']").text for n in members(root)}
    assert ages["1"] == "45" and ages["9"] == "1"


def test_couples_separation_one_slash_divorce_two():
    people = family()
    root = parse(render_svg(layout(people)))
    couples = {g.get("data-couple"): g for g in root.iter(f"{SVG}g") if g.get("data-couple")}
    assert set(couples) == {"1-2", "5-6"}
    assert "separated" in classes(couples["1-2"]) and "married" in classes(couples["5-6"])
    assert len(couples["1-2"].findall(f"{SVG}path[@class='slash']")) == 1
    assert couples["5-6"].findall(f"{SVG}path[@class='slash']") == []

    divorced = [
        p if p.id != 2 else Person(2, "spouse", "配偶者", "female", partnership="divorced") for p in people
    ]
    root = parse(render_svg(layout(divorced)))
    couple = next(g for g in root.iter(f"{SVG}g") if g.get("data-couple") == "1-2")
    assert "divorced" in classes(couple)
    assert len(couple.findall(f"{SVG}path[@class='slash']")) == 2


def test_children_hang_below_their_parents_on_a_sibship_line():
    result = layout(family())
    sibships = {s.parents: s.children for s in result.sibships}
    assert sibships[(5, 6)] == (7, 1)  # the brother is older: left of 本人
    assert sibships[(1, 2)] == (3, 4)
    assert (9,) in [s.children for s in result.sibships]  # the only child's baby
    for s in result.sibships:
        for child in s.children:
            assert result.node(child).y > max(result.node(p).y for p in s.parents)
            assert s.x1 <= result.node(child).x <= s.x2
    root = parse(render_svg(result))
    assert len(root.findall(f".//{SVG}path[@class='sibship']")) == 3


def test_generations_stack_from_grandparents_to_grandchildren():
    result = layout(family())
    y = {n.person.id: n.y for n in result.nodes}
    assert y[8] < y[5] == y[6] < y[1] == y[2] == y[7] < y[3] == y[4] < y[9]


def test_a_dashed_outline_surrounds_each_run_of_members_living_together():
    result = layout(family())
    root = parse(render_svg(result))
    outlines = root.findall(f".//{SVG}rect[@class='household']")
    assert len(outlines) == len(result.households)
    inside = {
        n.person.id
        for n in result.nodes
        for box in result.households
        if box.x <= n.x <= box.x + box.width and box.y <= n.y <= box.y + box.height
    }
    assert inside == {1, 2, 3, 5, 6, 9}


def test_a_parent_link_decides_whose_child_a_grandchild_is():
    people = [
        Person(1, "self", "本人", "female"),
        Person(2, "child", "子", "male", age=30),
        Person(3, "child", "子", "female", age=28),
        Person(4, "grandchild", "孫", "male", age=2, mother_id=3),
        Person(5, "other", "その他", "male", age=29),  # the daughter's partner, the baby's father
    ]
    people[3] = Person(4, "grandchild", "孫", "male", age=2, mother_id=3, father_id=5)
    parents = parents_of(people)
    assert parents[4] == (5, 3)
    result = layout(people)
    assert result.node(5).generation == 1  # an "other" partner joins the generation of their child's parent
    assert abs(result.node(5).x - result.node(3).x) == 96  # side by side with the daughter
    assert {frozenset((c.a, c.b)) for c in result.couples} == {frozenset((5, 3))}


def test_names_are_drawn_only_when_given():
    hidden = [Person(1, "self", "本人", "male", "", 40)]
    shown = [Person(1, "self", "本人", "male", "山田 太郎", 40)]
    assert "山田" not in render_svg(layout(hidden))
    assert "山田 太郎" in render_svg(layout(shown))


def test_the_svg_scales_by_its_viewbox_and_has_no_script():
    svg = render_svg(layout(family()), title="ジェノグラム")
    root = parse(svg)
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.get("width") == root.get("viewBox").split()[2] and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "ジェノグラム"
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_ecomap_lines_follow_the_conventions():
    ties = [
        Tie("agency:a", "地域包括支援センター", "相談支援機関", "strong", "to_household"),
        Tie("resource:1", "民生委員", "民生委員", "weak", "mutual"),
        Tie("resource:2", "サロン", "サロン", "stressful", "from_household"),
        Tie("resource:3", "町会", "町会", "ordinary", "none"),
    ]
    root = parse(render_svg(layout(family()), ties))
    drawn = {g.get("data-tie"): g for g in root.iter(f"{SVG}g") if g.get("data-tie")}
    assert set(drawn) == {"agency:a", "resource:1", "resource:2", "resource:3"}
    strong = drawn["agency:a"].find(f"{SVG}line")
    assert "strong" in classes(drawn["agency:a"]) and strong.get("marker-end") == "url(#arrow)"
    assert strong.get("marker-start") is None
    weak = drawn["resource:1"].find(f"{SVG}line")
    assert weak.get("marker-end") and weak.get("marker-start")  # mutual: both ways
    zigzag = drawn["resource:2"].find(f"{SVG}polyline")  # stressful: a zigzag, not a straight line
    assert zigzag is not None and len(zigzag.get("points").split()) > 4
    assert zigzag.get("marker-start") and not zigzag.get("marker-end")
    plain = drawn["resource:3"].find(f"{SVG}line")
    assert plain.get("marker-start") is None and plain.get("marker-end") is None
    assert strong.get("stroke-width") == "5" and plain.get("stroke-width") == "1.5"  # thick and thin
    assert weak.get("stroke-dasharray")  # weak: dashed
    assert root.find(f"{SVG}style") is None  # presentation attributes: no inline <style> for the CSP to block


def test_resources_around_the_household_do_not_overlap_each_other_or_it():
    ties = [Tie(f"resource:{i}", f"資源{i}", "その他") for i in range(14)]
    result = layout(family())
    root = parse(render_svg(result, ties))
    circles = [
        (float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
        for c in root.iter(f"{SVG}circle")
        if c.get("class") == "resource"
    ]
    assert len(circles) == 14
    for i, a in enumerate(circles):
        for b in circles[i + 1 :]:
            assert (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 > (a[2] + b[2]) ** 2
    frame = root.find(f".//{SVG}rect[@class='frame']")
    group = root.find(f".//{SVG}g[@class='household-map']")
    fx, fy = (float(v) for v in re.findall(r"[\d.]+", group.get("transform")))
    fw, fh = float(frame.get("width")), float(frame.get("height"))
    for x, y, r in circles:
        assert not (fx - r < x < fx + fw + r and fy - r < y < fy + fh + r)


def test_the_text_alternative_lists_the_same_facts():
    ties = [
        Tie("agency:a", "地域包括支援センター", "相談支援機関", "strong", "to_household", ("同意", "プラン"))
    ]
    facts = describe(layout(family()), ties)
    assert len(facts["members"]) == 9
    assert any(line.startswith("本人 山田 太郎") and "45歳" in line for line in facts["members"])
    assert any("死亡（2020年）" in line for line in facts["members"])
    assert any("別居" in line for line in facts["couples"])
    assert len(facts["children"]) == 3
    assert facts["ties"] == [
        "地域包括支援センター（相談支援機関）: つながり 強い、支援の向き 資源から世帯へ（記録: 同意・プラン）"
    ]


def test_an_empty_household_draws_an_empty_picture():
    root = parse(render_svg(layout([])))
    assert members(root) == []


# --- no overlaps, whatever the household ------------------------------------------------------------

RELATIONSHIPS_BY_GENERATION = {
    -2: ["grandparent"],
    -1: ["parent"],
    0: ["sibling", "spouse", "other"],
    1: ["child"],
    2: ["grandchild"],
}


@st.composite
def households(draw):
    """1–12 members over 2–4 consecutive generations around 本人, with some parent links and deaths."""
    count = draw(st.integers(min_value=1, max_value=12))
    span = draw(st.integers(min_value=2, max_value=4))
    first = draw(st.integers(min_value=max(-2, 1 - span), max_value=min(0, 3 - span)))
    generations = list(range(first, first + span))
    people = [Person(1, "self", "本人", draw(st.sampled_from(["male", "female", "unknown"])), age=40)]
    for pid in range(2, count + 1):
        g = draw(st.sampled_from(generations))
        relationship = draw(st.sampled_from(RELATIONSHIPS_BY_GENERATION[g]))
        earlier = [p.id for p in people]
        father = draw(st.one_of(st.none(), st.sampled_from(earlier)))
        mother = draw(st.one_of(st.none(), st.sampled_from(earlier)))
        people.append(
            Person(
                pid,
                relationship,
                relationship,
                draw(st.sampled_from(["male", "female", "other", "unknown"])),
                age=draw(st.one_of(st.none(), st.integers(0, 100))),
                deceased=draw(st.booleans()),
                lives_together=draw(st.booleans()),
                partnership=draw(st.sampled_from(["", "married", "separated", "divorced"]))
                if relationship == "spouse"
                else "",
                father_id=father if draw(st.booleans()) else None,
                mother_id=mother if mother != father and draw(st.booleans()) else None,
            )
        )
    return people


@settings(max_examples=200, deadline=None)
@given(households())
def test_no_two_members_overlap_and_everyone_is_drawn(people):
    result = layout(people)
    assert sorted(n.person.id for n in result.nodes) == sorted(p.id for p in people)
    boxes = [result.footprint(n) for n in result.nodes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    for box in boxes:  # and the picture holds them all
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= result.width and box.y + box.height <= result.height
    root = parse(render_svg(result))
    assert len(members(root)) == len(people)


def test_parent_links_that_go_round_in_a_circle_still_draw_everyone():
    people = [
        Person(1, "self", "本人", "male"),
        Person(2, "other", "その他", "female", father_id=3),
        Person(3, "other", "その他", "male", father_id=2),
    ]
    result = layout(people)
    assert sorted(n.person.id for n in result.nodes) == [1, 2, 3]
    assert len(members(parse(render_svg(result)))) == 3
