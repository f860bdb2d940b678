"""Geometry of the cumulative chart, drawn as inline SVG by the template: no JavaScript, CSP-safe
(classes only, no style attributes), and it prints."""

from __future__ import annotations

import math

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32


def _nice_ceiling(value: float) -> int:
    if value <= 0:
        return 10
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude) if step * magnitude >= 1 else 1
    return int(10 * magnitude)


def cumulative_chart(report: dict) -> dict:
    """Cumulative count (elapsed months) against the target's pace and the annual target, with the
    year-end projection drawn on from the last actual month."""
    months = report["months"]
    target = report["target"]
    highest = max(
        [m["cumulative"] for m in months if m["elapsed"]] + [target or 0, report["projection"] or 0, 1]
    )
    y_max = _nice_ceiling(highest * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / 12

    def x(index: float) -> float:  # index 0 = start of April, 12 = end of March
        return round(LEFT + index * step, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - value * plot_h / y_max, 1)

    points = [(x(i + 1), y(m["cumulative"]), m) for i, m in enumerate(months) if m["elapsed"]]
    line = " ".join(f"{px},{py}" for px, py, _m in [(x(0), y(0), None), *points])
    bars = [
        {
            "x": round(x(i) + step * 0.25, 1),
            "y": y(m["count"]),
            "width": round(step * 0.5, 1),
            "height": round(y(0) - y(m["count"]), 1),
            "month": m,
        }
        for i, m in enumerate(months)
        if m["elapsed"]
    ]
    projection = None
    if report["projection"] is not None and points and len(points) < 12:
        # the year-end projection: a dashed line from the last actual month to the projected March total
        last_x, last_y, _last = points[-1]
        projection = {
            "x1": last_x,
            "y1": last_y,
            "x2": x(12),
            "y2": y(report["projection"]),
            "value": report["projection"],
            "path": f"M{last_x},{last_y} L{x(12)},{y(report['projection'])}",
        }
    ticks = [{"value": int(y_max * k / 4), "y": y(y_max * k / 4)} for k in range(5)]
    labels = [{"x": round(x(i) + step / 2, 1), "text": m["label"], "month": m} for i, m in enumerate(months)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": y(0),
        "line": line,
        "dots": [{"x": px, "y": py, "month": m} for px, py, m in points],
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "label_y": HEIGHT - 10,
        "pace": {"x1": x(0), "y1": y(0), "x2": x(12), "y2": y(target)} if target is not None else None,
        "target": {"y": y(target), "value": target} if target is not None else None,
        "projection": projection,
    }
