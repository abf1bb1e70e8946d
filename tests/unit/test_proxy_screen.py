"""The proxy screen: inputs that predict a protected attribute are measured and flagged, with their sample size."""

import random

from finrisk.models.proxy_screen import pair, screen
from finrisk.models.report import proxy_section


def _metas(n: int = 400, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        country = rng.choice(["IT", "DE", "FR"])
        age = rng.choice(["18-24", "25-49", "50+"])
        out.append(
            {
                "attributes": {
                    "district": {"IT": "Lazio", "DE": "Bayern", "FR": "Normandie"}[country],  # names the country
                    "income": rng.gauss(40_000, 8_000) + (15_000 if age == "50+" else 0),  # leans on age
                    "housing": rng.choice(["rent", "own"]),  # independent
                },
                "numeric": {"txn_count_30d": rng.randint(0, 40)},
                "protected": {"country": country, "age_band": age},
            }
        )
    return out


def test_a_proxy_is_flagged_and_an_independent_input_is_not():
    rows = {(r["input"], r["protected"]): r for r in screen(_metas())}
    district = rows[("district", "country")]
    assert district["cramers_v"] == 1.0 and district["theils_u"] > 0.99 and district["flag"] == "proxy?"
    assert district["n"] == 400 and district["categories"] == "3x3"
    assert rows[("income", "age_band")]["flag"] == "proxy?"  # binned at its quantiles
    assert rows[("housing", "country")]["cramers_v"] < 0.2 and rows[("housing", "country")]["flag"] == ""
    assert rows[("txn_count_30d", "age_band")]["flag"] == ""
    assert screen(_metas())[0]["input"] == "district"  # strongest first


def test_small_samples_are_measured_but_not_flagged_and_the_report_says_so():
    rows = screen(_metas(n=12))
    assert all(r["n"] == 12 and r["flag"] == "" for r in rows)
    assert pair([1, 2, 3], [None, None, None])["n"] == 0
    html = "".join(proxy_section(screen(_metas())))
    assert "Proxy screen" in html and "district" in html and "2 input/attribute pair(s) flagged" in html
