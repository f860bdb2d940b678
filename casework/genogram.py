"""The household at a glance: a genogram (ジェノグラム) laid out from the members, drawn as SVG, with the
ecomap (エコマップ) around it.

`layout()` is pure: it takes `Person`s (built from members by `people_from_members`) and answers where
each symbol, couple line and sibship line goes. `render_svg()` turns a layout and the ecomap's ties into
server-rendered SVG (no script, no external service) that scales with its viewBox and prints.

Conventions drawn: square = male, circle = female, diamond = other or unknown; a double outline for the
person at the centre of support (本人); a cross through a deceased member; a line joining a couple below
their symbols, with one slash for a separation and two for a divorce; children below their parents on a
sibship line; a dashed outline around those who live together; the age inside the symbol.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape

SIZE = 40  # a symbol's width and height
SLOT = 96  # horizontal distance between neighbouring symbols
BLOCK_GAP = 24  # extra room between two sibships or couples in a row
ROW = 130  # vertical distance between generations
MARGIN = 24
LABEL_LINES = 2  # name and relationship under the symbol

# Generations relative to the person at the centre.
GENERATION = {
    "grandparent": -2,
    "parent": -1,
    "self": 0,
    "spouse": 0,
    "sibling": 0,
    "other": 0,
    "child": 1,
    "grandchild": 2,
}
MIN_GENERATION, MAX_GENERATION = -2, 2


@dataclass(frozen=True)
class Person:
    """What the genogram knows of one member; `label` is the name, or "" when the viewer may not see it."""

    id: int
    relationship: str
    relationship_label: str = ""
    sex: str = "unknown"
    label: str = ""
    age: int | None = None
    deceased: bool = False
    deceased_year: int | None = None
    lives_together: bool = True
    partnership: str = ""  # a spouse's: married / separated / divorced
    father_id: int | None = None
    mother_id: int | None = None

    @property
    def is_focus(self) -> bool:
        return self.relationship == "self"

    @property
    def symbol(self) -> str:
        return {"male": "square", "female": "circle"}.get(self.sex, "diamond")


@dataclass(frozen=True)
class Node:
    person: Person
    x: float  # centre
    y: float  # centre
    generation: int


@dataclass(frozen=True)
class CoupleLine:
    a: int
    b: int
    status: str  # married / separated / divorced
    x1: float
    x2: float
    y: float


@dataclass(frozen=True)
class Sibship:
    """Children of one parent set: a drop from the parents to a horizontal line, then down to each child."""

    parents: tuple[int, ...]
    children: tuple[int, ...]
    drop_x: float
    drop_top: float
    line_y: float
    x1: float
    x2: float


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


@dataclass
class Layout:
    nodes: list[Node] = field(default_factory=list)
    couples: list[CoupleLine] = field(default_factory=list)
    sibships: list[Sibship] = field(default_factory=list)
    households: list[Box] = field(default_factory=list)  # dashed outlines around those living together
    width: float = 0
    height: float = 0

    def node(self, person_id: int) -> Node:
        return next(n for n in self.nodes if n.person.id == person_id)

    def symbol_box(self, node: Node) -> Box:
        return Box(node.x - SIZE / 2, node.y - SIZE / 2, SIZE, SIZE)

    def footprint(self, node: Node) -> Box:
        """The symbol and its labels: what must not overlap another member's."""
        return Box(node.x - SLOT / 2 + 2, node.y - SIZE / 2, SLOT - 4, SIZE + 8 + 14 * LABEL_LINES)


# --- from the record ---------------------------------------------------------------------------------


def people_from_members(members: Iterable, *, today: datetime.date, show_names: bool) -> list[Person]:
    """Household members → Persons. Names only when `show_names` (the viewer may see the full case)."""
    return [
        Person(
            id=m.pk,
            relationship=m.relationship,
            relationship_label=str(m.get_relationship_display()),
            sex=m.sex,
            label=m.name if show_names else "",
            age=m.age_on(today),
            deceased=m.deceased,
            deceased_year=m.deceased_year,
            lives_together=m.lives_together,
            partnership=m.partnership,
            father_id=m.father_id,
            mother_id=m.mother_id,
        )
        for m in members
    ]


# --- who is related to whom ----------------------------------------------------------------------------


def _generations(people: Sequence[Person]) -> dict[int, int]:
    """Each person's generation (−2 … 2, 本人 = 0) from the relationship; an "other" member takes one from
    their parent links (a generation below their parent) or from being someone's parent."""
    by_id = {p.id: p for p in people}
    gen = {p.id: GENERATION.get(p.relationship, 0) for p in people}
    for _ in range(len(people)):
        changed = False
        for p in people:
            if p.relationship != "other":
                continue
            wanted = gen[p.id]
            parents = [q for q in (p.father_id, p.mother_id) if q in by_id]
            children = [c.id for c in people if p.id in (c.father_id, c.mother_id)]
            if parents:
                wanted = gen[parents[0]] + 1
            elif children:
                wanted = gen[children[0]] - 1
            wanted = max(MIN_GENERATION, min(MAX_GENERATION, wanted))
            if wanted != gen[p.id]:
                gen[p.id], changed = wanted, True
        if not changed:
            break
    return gen


def _age_order(person: Person) -> tuple:
    """Older first (left), unknown ages after, then in the order recorded."""
    return (person.age is None, -(person.age or 0), person.id)


def parents_of(people: Sequence[Person]) -> dict[int, tuple[int, ...]]:
    """Each person's parents among the members: explicit links first; otherwise what the relationship
    implies without guessing (本人 and siblings: the 親 members; a child: 本人 and the spouse; a grandchild:
    the only child). A parent the record does not say is left out rather than invented."""
    by_id = {p.id: p for p in people}
    focus = next((p for p in people if p.is_focus), None)
    parent_members = [p.id for p in people if p.relationship == "parent"]
    spouses = [p.id for p in people if p.relationship == "spouse" and p.partnership != "divorced"]
    children = [p.id for p in people if p.relationship == "child"]
    result: dict[int, tuple[int, ...]] = {}
    for p in people:
        linked = tuple(q for q in (p.father_id, p.mother_id) if q in by_id and q != p.id)
        if linked:
            result[p.id] = linked
        elif p.relationship in ("self", "sibling") and 0 < len(parent_members) <= 2:
            result[p.id] = tuple(parent_members)
        elif p.relationship == "child" and focus is not None:
            result[p.id] = (focus.id, *spouses[:1])
        elif p.relationship == "grandchild" and len(children) == 1:
            result[p.id] = (children[0],)
    return result


def couples_of(people: Sequence[Person], parents: dict[int, tuple[int, ...]]) -> list[tuple[int, int, str]]:
    """Couples (a, b, status): 本人 and each spouse (their partnership), and two members who are the
    parents of the same child (married unless a spouse's record says otherwise)."""
    focus = next((p for p in people if p.is_focus), None)
    seen: set[frozenset] = set()
    couples = []
    if focus is not None:
        for p in people:
            if p.relationship == "spouse":
                seen.add(frozenset((focus.id, p.id)))
                couples.append((focus.id, p.id, p.partnership or "married"))
    for pair in parents.values():
        if len(pair) == 2 and frozenset(pair) not in seen:
            seen.add(frozenset(pair))
            couples.append((pair[0], pair[1], "married"))
    return couples


# --- layout ------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """Members drawn side by side in one row (a couple, a sibship), centred on `desired` if it is known."""

    ids: list[int]
    desired: float | None = None


def _sweep(blocks: list[_Block]) -> dict[int, float]:
    """Left to right, each block as close to where it wants to be as the one before it allows."""
    order = sorted(blocks, key=lambda b: (b.desired is None, b.desired or 0))
    xs: dict[int, float] = {}
    right = -math.inf
    for block in order:
        width = SLOT * (len(block.ids) - 1)
        if block.desired is not None:
            left = block.desired - width / 2
        else:
            left = 0.0 if right == -math.inf else right
        if right > -math.inf:
            left = max(left, right + SLOT + BLOCK_GAP)
        for i, person_id in enumerate(block.ids):
            xs[person_id] = left + SLOT * i
        right = left + width
    return xs


def _with_partners(ids: list[int], partners: dict[int, list[int]], row: set[int], placed: set[int]) -> list:
    """Each member followed by their partners in the same row (so a couple line stays short)."""
    out = []
    for person_id in ids:
        if person_id in placed:
            continue
        out.append(person_id)
        placed.add(person_id)
        for partner in partners.get(person_id, []):
            if partner in row and partner not in placed:
                out.append(partner)
                placed.add(partner)
    return out


def layout(people: Sequence[Person]) -> Layout:
    """Place every person by generation: grandparents, parents, 本人 with siblings and spouses, children,
    grandchildren; children centred under their parents, parents over their children; no two overlap."""
    if not people:
        return Layout(width=2 * MARGIN + SLOT, height=2 * MARGIN + SIZE)
    by_id = {p.id: p for p in people}
    gen = _generations(people)
    parents = parents_of(people)
    couples = couples_of(people, parents)
    partners: dict[int, list[int]] = {}
    for a, b, _status in couples:
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    rows: dict[int, list[int]] = {}
    for p in sorted(people, key=_age_order):
        rows.setdefault(gen[p.id], []).append(p.id)
    xs: dict[int, float] = {}

    # The anchor row: the focus person's generation (or the nearest one present).
    anchor = min(rows, key=lambda g: (abs(g), g))
    row_ids = rows[anchor]
    siblings = [i for i in row_ids if by_id[i].relationship in ("sibling",) and not by_id[i].is_focus]
    focus = [i for i in row_ids if by_id[i].is_focus]
    spouses = [i for i in row_ids if by_id[i].relationship == "spouse"]
    rest = [i for i in row_ids if i not in siblings + focus + spouses]
    ordered = _with_partners(siblings + focus + spouses + rest, partners, set(row_ids), set())
    xs |= _sweep([_Block(ordered, desired=0)])

    # Rows above: each couple (or single) over the mean of their children already placed.
    for g in range(anchor - 1, MIN_GENERATION - 1, -1):
        if g not in rows:
            continue
        row = set(rows[g])
        placed: set[int] = set()
        blocks = []
        for person_id in rows[g]:
            if person_id in placed:
                continue
            ids = _with_partners([person_id], partners, row, placed)
            kids = [c for c, ps in parents.items() if set(ps) & set(ids) and c in xs]
            blocks.append(_Block(ids, desired=sum(xs[k] for k in kids) / len(kids) if kids else None))
        xs |= _sweep(blocks)

    # Rows below: each sibship centred under its parents already placed; partners join their sibship.
    for g in range(anchor + 1, MAX_GENERATION + 1):
        if g not in rows:
            continue
        row = set(rows[g])
        placed = set()
        groups: dict[tuple, list[int]] = {}
        for person_id in rows[g]:
            key = tuple(sorted(q for q in parents.get(person_id, ()) if q in xs))
            if key or not any(
                partner in row and parents.get(partner) for partner in partners.get(person_id, [])
            ):
                groups.setdefault(key, []).append(person_id)
        blocks = []
        for key, ids in groups.items():
            ids = _with_partners(ids, partners, row, placed)
            blocks.append(_Block(ids, desired=sum(xs[q] for q in key) / len(key) if key else None))
        leftovers = [i for i in rows[g] if i not in placed]
        if leftovers:
            blocks.append(_Block(leftovers))
        xs |= _sweep(blocks)

    # Shift so the leftmost footprint starts at the margin; rows only where there are people.
    shift = MARGIN + SLOT / 2 - min(xs.values())
    present = sorted(rows)
    row_y = {g: MARGIN + SIZE / 2 + 8 + ROW * i for i, g in enumerate(present)}
    nodes = [Node(by_id[i], xs[i] + shift, row_y[gen[i]], gen[i]) for g in present for i in rows[g]]
    result = Layout(nodes=nodes)
    node = {n.person.id: n for n in nodes}

    couple_y = {}
    for a, b, status in couples:
        na, nb = node[a], node[b]
        if na.generation != nb.generation:
            continue
        left, right = sorted((na.x, nb.x))
        between = any(n.generation == na.generation and left < n.x < right for n in nodes)
        # side by side: a line between the symbols; someone between them: a line below their labels
        y = na.y + SIZE / 2 + 14 * LABEL_LINES + 16 if between else na.y
        couple_y[frozenset((a, b))] = y
        result.couples.append(CoupleLine(a, b, status, min(na.x, nb.x), max(na.x, nb.x), y))

    groups: dict[tuple, list[int]] = {}
    for child, ps in parents.items():
        if all(node[q].generation == node[child].generation - 1 for q in ps):
            groups.setdefault(tuple(sorted(ps)), []).append(child)
    for ps, kids in groups.items():
        kids.sort(key=lambda k: node[k].x)
        if len(ps) == 2 and frozenset(ps) in couple_y:
            drop_x = (node[ps[0]].x + node[ps[1]].x) / 2
            drop_top = couple_y[frozenset(ps)]
        else:
            drop_x = sum(node[q].x for q in ps) / len(ps)
            drop_top = node[ps[0]].y + SIZE / 2
        line_y = node[kids[0]].y - SIZE / 2 - 16
        xs_line = [node[k].x for k in kids] + [drop_x]
        result.sibships.append(Sibship(ps, tuple(kids), drop_x, drop_top, line_y, min(xs_line), max(xs_line)))

    # Those living together: a dashed outline around each unbroken run of them in a row.
    for g in present:
        run: list[Node] = []
        for n in [*sorted((node[i] for i in rows[g]), key=lambda n: n.x), None]:
            if n is not None and n.person.lives_together:
                run.append(n)
                continue
            if run:
                left, right = run[0].x - SLOT / 2 + 4, run[-1].x + SLOT / 2 - 4
                top = run[0].y - SIZE / 2 - 6
                result.households.append(Box(left, top, right - left, SIZE + 12 + 14 * LABEL_LINES + 2))
            run = []

    result.width = max(n.x for n in nodes) + SLOT / 2 + MARGIN
    result.height = max(n.y for n in nodes) + SIZE / 2 + 14 * LABEL_LINES + 14 + MARGIN
    return result


# --- the ecomap's ties ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tie:
    """One agency or community resource around the household and the tie to it."""

    key: str  # stable identity ("agency:<code>", "resource:<id>"), for merging and for tests
    name: str
    kind: str  # what it is (相談支援機関, 民生委員, サロン ...)
    strength: str = "ordinary"  # strong / ordinary / weak / stressful
    direction: str = "to_household"  # to_household / from_household / mutual / none
    sources: tuple[str, ...] = ()  # where the record says so (同意, プラン, 活動, 紹介, 追加)


RESOURCE_RADIUS = 38


@dataclass(frozen=True)
class PlacedTie:
    tie: Tie
    x: float
    y: float
    # where the line meets the household's frame
    hx: float
    hy: float


def place_ties(
    ties: Sequence[Tie], *, width: float, height: float
) -> tuple[list[PlacedTie], Box, float, float]:
    """Resources evenly on an ellipse around the genogram's frame; answers them, the frame (in the new
    coordinates) and the whole picture's size. The ellipse grows until neighbours do not overlap."""
    if not ties:
        return [], Box(0, 0, width, height), width, height
    pad = RESOURCE_RADIUS + 50  # room for a line long enough to show its style
    rx, ry = width / 2 + pad, height / 2 + pad
    n = len(ties)
    while n > 1 and _ellipse_step(rx, ry, n) < 2 * RESOURCE_RADIUS + 44:
        rx, ry = rx * 1.1, ry * 1.1
    total_w, total_h = (
        2 * rx + 2 * RESOURCE_RADIUS + 2 * MARGIN + 40,
        2 * ry + 2 * RESOURCE_RADIUS + 2 * MARGIN + 30,
    )
    cx, cy = total_w / 2, total_h / 2
    frame = Box(cx - width / 2, cy - height / 2, width, height)
    placed = []
    for i, tie in enumerate(ties):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        hx, hy = _frame_point(frame, x, y)
        placed.append(PlacedTie(tie, x, y, hx, hy))
    return placed, frame, total_w, total_h


def _ellipse_step(rx: float, ry: float, n: int) -> float:
    """The smallest distance between neighbours of n points evenly spaced by angle on the ellipse."""
    pts = [(rx * math.cos(2 * math.pi * i / n), ry * math.sin(2 * math.pi * i / n)) for i in range(n)]
    return min(math.dist(pts[i], pts[(i + 1) % n]) for i in range(n))


def _frame_point(frame: Box, x: float, y: float) -> tuple[float, float]:
    """Where the line from the frame's centre towards (x, y) leaves the frame."""
    cx, cy = frame.x + frame.width / 2, frame.y + frame.height / 2
    dx, dy = x - cx, y - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (frame.width / 2) / abs(dx) if dx else math.inf,
        (frame.height / 2) / abs(dy) if dy else math.inf,
    )
    return cx + dx * scale, cy + dy * scale


# --- SVG -----------------------------------------------------------------------------------------------


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _symbol(node: Node) -> list[str]:
    p, x, y, h = node.person, node.x, node.y, SIZE / 2
    classes = f"member {p.symbol}" + (" focus" if p.is_focus else "") + (" deceased" if p.deceased else "")
    out = [f'<g class="{classes}" data-member="{p.id}">']

    def shape(grow: float, extra: str = "") -> str:
        s = h + grow
        if p.symbol == "square":
            return f'<rect x="{_f(x - s)}" y="{_f(y - s)}" width="{_f(2 * s)}" height="{_f(2 * s)}"{extra}/>'
        if p.symbol == "circle":
            return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(s)}"{extra}/>'
        points = f"{_f(x)},{_f(y - s)} {_f(x + s)},{_f(y)} {_f(x)},{_f(y + s)} {_f(x - s)},{_f(y)}"
        return f'<polygon points="{points}"{extra}/>'

    out.append(shape(0, " " + _paint("symbol")))
    if p.is_focus:
        out.append(shape(-5, " " + _paint("focus-ring")))
    if p.deceased:
        d = h * (0.7 if p.symbol == "square" else 0.55)
        out.append(
            f'<path {_paint("cross")} d="M{_f(x - d)},{_f(y - d)}L{_f(x + d)},{_f(y + d)}'
            f'M{_f(x + d)},{_f(y - d)}L{_f(x - d)},{_f(y + d)}"/>'
        )
    if p.age is not None:
        out.append(f'<text {_paint("age")} x="{_f(x)}" y="{_f(y + 5)}">{p.age}</text>')
    lines = [p.label, p.relationship_label] if p.label else [p.relationship_label]
    for i, line in enumerate(lines):
        out.append(f'<text {_paint("label")} x="{_f(x)}" y="{_f(y + h + 18 + 14 * i)}">{escape(line)}</text>')
    out.append("</g>")
    return out


def _couple(line: CoupleLine, layout_: Layout) -> list[str]:
    a, b = layout_.node(line.a), layout_.node(line.b)
    if line.y == a.y:
        d = f"M{_f(line.x1 + SIZE / 2)},{_f(line.y)}H{_f(line.x2 - SIZE / 2)}"
    else:
        bottom = a.y + SIZE / 2
        d = f"M{_f(a.x)},{_f(bottom)}V{_f(line.y)}H{_f(b.x)}V{_f(bottom)}"
    out = [
        f'<g class="couple {line.status}" data-couple="{line.a}-{line.b}">',
        f'<path {_paint("couple-line")} d="{d}"/>',
    ]
    mid = (line.x1 + line.x2) / 2
    slashes = {"separated": [0], "divorced": [-4, 4]}.get(line.status, [])
    for dx in slashes:
        d = f"M{_f(mid + dx - 5)},{_f(line.y + 8)}L{_f(mid + dx + 5)},{_f(line.y - 8)}"
        out.append(f'<path {_paint("slash")} d="{d}"/>')
    out.append("</g>")
    return out


def _sibship(s: Sibship, layout_: Layout) -> list[str]:
    d = f"M{_f(s.drop_x)},{_f(s.drop_top)}V{_f(s.line_y)}M{_f(s.x1)},{_f(s.line_y)}H{_f(s.x2)}"
    for child in s.children:
        n = layout_.node(child)
        d += f"M{_f(n.x)},{_f(s.line_y)}V{_f(n.y - SIZE / 2)}"
    return [f'<path {_paint("sibship")} data-children="{" ".join(map(str, s.children))}" d="{d}"/>']


def _zigzag(x1: float, y1: float, x2: float, y2: float) -> str:
    length = math.dist((x1, y1), (x2, y2))
    steps = max(4, int(length // 8))
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    nx, ny = -uy, ux
    points = [f"{_f(x1)},{_f(y1)}"]
    for i in range(1, steps):
        t = length * i / steps
        side = 5 if i % 2 else -5
        points.append(f"{_f(x1 + ux * t + nx * side)},{_f(y1 + uy * t + ny * side)}")
    points.append(f"{_f(x2)},{_f(y2)}")
    return " ".join(points)


def _tie(placed: PlacedTie) -> list[str]:
    t = placed.tie
    # the line runs from the resource's edge to the household's frame
    length = math.dist((placed.x, placed.y), (placed.hx, placed.hy)) or 1
    ex = placed.x + (placed.hx - placed.x) * RESOURCE_RADIUS / length
    ey = placed.y + (placed.hy - placed.y) * RESOURCE_RADIUS / length
    markers = ""
    if t.direction in ("to_household", "mutual"):
        markers += ' marker-end="url(#arrow)"'
    if t.direction in ("from_household", "mutual"):
        markers += ' marker-start="url(#arrow-back)"'
    paint = 'class="tie-line" ' + TIE_PAINT.get(t.strength, TIE_PAINT["ordinary"])
    if t.strength == "stressful":
        line = f'<polyline {paint} points="{_zigzag(ex, ey, placed.hx, placed.hy)}"{markers}/>'
    else:
        line = (
            f'<line {paint} x1="{_f(ex)}" y1="{_f(ey)}" x2="{_f(placed.hx)}" y2="{_f(placed.hy)}"{markers}/>'
        )
    label_lines = _wrap(t.name, 6)[:3]
    out = [
        f'<g class="tie {t.strength} {t.direction}" data-tie="{escape(t.key)}">',
        line,
        f'<circle {_paint("resource")} cx="{_f(placed.x)}" cy="{_f(placed.y)}" r="{RESOURCE_RADIUS}"/>',
    ]
    top = placed.y - 7 * (len(label_lines) - 1) + 4
    for i, text in enumerate(label_lines):
        out.append(
            f'<text {_paint("resource-name")} x="{_f(placed.x)}" y="{_f(top + 14 * i)}">{escape(text)}</text>'
        )
    out.append("</g>")
    return out


def _wrap(text: str, width: int) -> list[str]:
    """Japanese names have no spaces: cut every `width` characters (the last line ends with … if cut)."""
    lines = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(lines) > 3:
        lines = lines[:3]
        lines[2] = lines[2][:-1] + "…"
    return lines


INK = "#1a1a1a"
TEXT = f'fill="{INK}" stroke="#fff" stroke-width="3" paint-order="stroke" text-anchor="middle"'
# Presentation attributes, not a <style> element: they survive the page's Content-Security-Policy
# (style-src 'self'), print as drawn, and the SVG stays self-contained when saved on its own.
PAINT = {
    "symbol": f'fill="#fff" stroke="{INK}" stroke-width="2"',
    "focus-ring": f'fill="none" stroke="{INK}" stroke-width="2"',
    "cross": f'fill="none" stroke="{INK}" stroke-width="2"',
    "age": f'{TEXT} font-size="14"',
    "label": f'{TEXT} font-size="12"',
    "couple-line": f'fill="none" stroke="{INK}" stroke-width="2"',
    "slash": f'fill="none" stroke="{INK}" stroke-width="2"',
    "sibship": f'fill="none" stroke="{INK}" stroke-width="2"',
    "household": 'fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="6 4"',
    "frame": 'fill="none" stroke="#999" stroke-width="1"',
    "resource": f'fill="#f4f7fb" stroke="{INK}" stroke-width="1.5"',
    "resource-name": f'{TEXT} font-size="12"',
}
# The ecomap's conventional lines: strong = thick, ordinary = thin, weak = dashed, stressful = zigzag.
TIE_PAINT = {
    "strong": f'fill="none" stroke="{INK}" stroke-width="5"',
    "ordinary": f'fill="none" stroke="{INK}" stroke-width="1.5"',
    "weak": f'fill="none" stroke="{INK}" stroke-width="1.5" stroke-dasharray="6 5"',
    "stressful": 'fill="none" stroke="#8a1c1c" stroke-width="1.5"',
}


def _paint(name: str) -> str:
    return f'class="{name}" {PAINT[name]}'


def render_svg(layout_: Layout, ties: Sequence[Tie] = (), *, title: str = "", description: str = "") -> str:
    """The genogram, with the ecomap's resources around it when there are ties. Self-contained SVG
    (styles inline, no script): it scales to its container by its viewBox and prints as drawn."""
    placed, frame, width, height = place_ties(ties, width=layout_.width, height=layout_.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="genogram" viewBox="0 0 {_f(width)} {_f(height)}"'
        f' width="{_f(width)}" height="{_f(height)}" preserveAspectRatio="xMidYMid meet"'
        f' role="img" aria-labelledby="genogram-title'
        f'{" genogram-desc" if description else ""}">',
        f'<title id="genogram-title">{escape(title)}</title>',
    ]
    if description:
        out.append(f'<desc id="genogram-desc">{escape(description)}</desc>')
    out += [
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="12" markerHeight="12"'
        ' markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="#1a1a1a"/></marker>',
        '<marker id="arrow-back" viewBox="0 0 10 10" refX="1" refY="5" markerWidth="12" markerHeight="12"'
        ' markerUnits="userSpaceOnUse" orient="auto"><path d="M10,0L0,5L10,10z" fill="#1a1a1a"/></marker>',
        "</defs>",
    ]
    for p in placed:
        out += _tie(p)
    out.append(f'<g class="household-map" transform="translate({_f(frame.x)} {_f(frame.y)})">')
    out.append(
        f'<rect {_paint("frame")} x="0" y="0" width="{_f(frame.width)}" height="{_f(frame.height)}" rx="16"/>'
    )
    for box in layout_.households:
        out.append(
            f'<rect {_paint("household")} x="{_f(box.x)}" y="{_f(box.y)}" width="{_f(box.width)}"'
            f' height="{_f(box.height)}" rx="12"/>'
        )
    for couple in layout_.couples:
        out += _couple(couple, layout_)
    for sibship in layout_.sibships:
        out += _sibship(sibship, layout_)
    for node in layout_.nodes:
        out += _symbol(node)
    out += ["</g>", "</svg>"]
    return "\n".join(out)


# --- the text alternative ---------------------------------------------------------------------------------

SEX_LABELS = {"male": "男性", "female": "女性", "other": "その他", "unknown": "性別不明"}
STATUS_LABELS = {"married": "婚姻中", "separated": "別居", "divorced": "離婚"}
STRENGTH_LABELS = {"strong": "強い", "ordinary": "普通", "weak": "弱い", "stressful": "ストレスのある"}
DIRECTION_LABELS = {
    "to_household": "資源から世帯へ",
    "from_household": "世帯から資源へ",
    "mutual": "相互",
    "none": "なし",
}


def _who(person: Person) -> str:
    return f"{person.relationship_label} {person.label}" if person.label else person.relationship_label


def describe(layout_: Layout, ties: Sequence[Tie] = ()) -> dict[str, list[str]]:
    """The same facts as the picture, as sentences (for screen readers, print and the audit):
    members by generation, couples, who is whose child, and the ecomap's ties."""
    from django.utils.translation import gettext as _

    people = {n.person.id: n.person for n in layout_.nodes}
    members = []
    for node in sorted(layout_.nodes, key=lambda n: (n.generation, n.x)):
        p = node.person
        facts = [_(SEX_LABELS.get(p.sex, "性別不明"))]
        if p.age is not None:
            facts.append(_("%(age)s歳") % {"age": p.age})
        if p.deceased:
            facts.append(
                _("死亡（%(year)s年）") % {"year": p.deceased_year} if p.deceased_year else _("死亡")
            )
        facts.append(_("同居") if p.lives_together else _("別居（同居していない）"))
        if p.is_focus:
            facts.append(_("支援の中心となる人"))
        members.append(f"{_who(p)}: {'、'.join(facts)}")
    couples = [
        _("%(a)s と %(b)s: %(status)s")
        % {"a": _who(people[c.a]), "b": _who(people[c.b]), "status": _(STATUS_LABELS[c.status])}
        for c in layout_.couples
    ]
    children = [
        _("%(parents)s の子: %(children)s")
        % {
            "parents": "・".join(_who(people[q]) for q in s.parents),
            "children": "、".join(_who(people[c]) for c in s.children),
        }
        for s in layout_.sibships
    ]
    tie_lines = []
    for t in ties:
        line = _("%(name)s（%(kind)s）: つながり %(strength)s、支援の向き %(direction)s") % {
            "name": t.name,
            "kind": t.kind,
            "strength": _(STRENGTH_LABELS.get(t.strength, t.strength)),
            "direction": _(DIRECTION_LABELS.get(t.direction, t.direction)),
        }
        if t.sources:
            line += _("（記録: %(sources)s）") % {"sources": "・".join(t.sources)}
        tie_lines.append(line)
    return {"members": members, "couples": couples, "children": children, "ties": tie_lines}
