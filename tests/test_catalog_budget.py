"""The default ``sciml verify`` stays quick whatever the catalog holds: every problem's cost is measured and
recorded (``benchmarks/catalog_costs.py`` writes ``problems/costs.json``), and the quick tier fits
its budget. No time is measured here: the recorded costs are checked against the budget."""

import json
from pathlib import Path

import pytest

from sciml import problems

COSTS = Path(__file__).resolve().parents[1] / "problems" / "costs.json"
#: seconds of solving and checking for the whole quick tier, on one core: the README's 60 s target less the
#: start-up, the figures and the report
QUICK_BUDGET = 40.0
#: the most one quick problem may take; anything slower belongs in the full tier
QUICK_LIMIT = 4.0


@pytest.fixture(scope="module")
def costs() -> dict:
    return json.loads(COSTS.read_text())["seconds"]


def test_every_problem_has_a_measured_cost(costs):
    missing = sorted(set(problems.names()) - set(costs))
    assert not missing, (f"no recorded cost for {missing}: run `python benchmarks/catalog_costs.py "
                         f"{' '.join(missing)}` and commit problems/costs.json")


def test_the_quick_tier_fits_its_budget(costs):
    quick = {p.name: costs.get(p.name, 0.0) for p in problems.catalog() if p.tier == "quick"}
    slow = {name: s for name, s in quick.items() if s > QUICK_LIMIT}
    assert not slow, f"quick problems over {QUICK_LIMIT} s: {slow}; give them tier = \"full\""
    assert sum(quick.values()) <= QUICK_BUDGET, (
        f"the quick tier takes {sum(quick.values()):.1f} s > {QUICK_BUDGET} s; move the slowest to the full tier: "
        f"{sorted(quick, key=quick.get)[-5:]}")
