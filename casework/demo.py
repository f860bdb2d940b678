"""Demo data of higher apps: seed_demo (a casework command) fills their tables through fillers they
register in their AppConfig.ready(), so no import points up (DESIGN.md §2)."""

from __future__ import annotations

from collections.abc import Callable

# filler(seed=..., manager=<the demo manager>) -> {"what": how many written}
DemoFiller = Callable[..., dict[str, int]]
_fillers: dict[str, DemoFiller] = {}


def demo_filler_register(*, name: str, filler: DemoFiller) -> None:
    """Add an app's demo step to seed_demo; registering a name again replaces it."""
    _fillers[name] = filler


def demo_fillers() -> list[DemoFiller]:
    return list(_fillers.values())
