"""Financial news about the companies: headline and body from templates, and a sentiment label.

A company in trouble (after its onset) is covered more often and mostly negatively;
healthy companies get mostly neutral and positive coverage. Some articles name two or
three companies, some name companies no customer works for. About 4% of labels
disagree with the text's tone, as human labels do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finrisk.demo import phrases
from finrisk.demo.common import DAY, Window, ids, iso_times, pick, stream
from finrisk.demo.companies import Companies

SENTIMENTS = ("negative", "neutral", "positive")
_TONE_P = {True: (0.65, 0.25, 0.10), False: (0.08, 0.52, 0.40)}


@dataclass
class News:
    """The two news tables, plus (company index, time) of every mention in a negative article."""

    articles: pd.DataFrame
    labels: pd.DataFrame
    negative_company: np.ndarray
    negative_t: np.ndarray


def make_news(seed: int, companies: Companies, window: Window) -> News:
    """About two articles per company per month of window."""
    rng = stream(seed, "news")
    count = max(20, int(round(len(companies) * 2 * window.days / 30)))
    t = np.sort(window.start + (rng.random(count) * window.days * DAY).astype(np.int64))
    primary = pick(rng, 1.0 + 3.0 * companies.troubled, count)
    in_trouble = companies.troubled[primary] & (t >= companies.trouble_onset[primary])
    u = rng.random(count)
    neg = np.where(in_trouble, _TONE_P[True][0], _TONE_P[False][0])
    neu = neg + np.where(in_trouble, _TONE_P[True][1], _TONE_P[False][1])
    tone = (u >= neg).astype(int) + (u >= neu)
    flip = rng.random(count) < 0.04
    label = np.where(flip, (tone + rng.integers(1, 3, count)) % 3, tone)
    extra = pick(rng, (0.75, 0.2, 0.05), count)

    heads, bodies, mentions = [], [], []
    draws = rng.integers(0, 1 << 30, (count, 12))
    for i in range(count):
        d = draws[i]
        name = SENTIMENTS[tone[i]]
        others = [int(x) for x in (d[1 : 1 + extra[i]] % len(companies)) if x % len(companies) != primary[i]]
        headline_t = phrases.HEADLINES[name][d[0] % len(phrases.HEADLINES[name])]
        if "{other}" in headline_t and not others:
            others = (
                [int((primary[i] + 1 + d[5] % (len(companies) - 1)) % len(companies))] if len(companies) > 1 else []
            )
        slots = _slots(d, companies.names[primary[i]], companies.names[others[0]] if others else "its rivals")
        heads.append(headline_t.format(**slots))
        bodies.append(_body(name, d, slots))
        mentions.append([int(primary[i])] + list(dict.fromkeys(o for o in others if o != primary[i])))

    article_id = ids("A", count, 7)
    articles = pd.DataFrame(
        {
            "article_id": article_id,
            "published_at": iso_times(t),
            "source": np.array(phrases.NEWS_SOURCES, dtype=object)[rng.integers(0, len(phrases.NEWS_SOURCES), count)],
            "headline": np.array(heads, dtype=object),
            "body": np.array(bodies, dtype=object),
            "companies": np.array([json.dumps([companies.names[c] for c in m]) for m in mentions], dtype=object),
        }
    )
    labels = pd.DataFrame({"article_id": article_id, "sentiment": np.array(SENTIMENTS, dtype=object)[label]})
    sizes = np.array([len(m) for m in mentions])
    flat = np.concatenate([np.array(m) for m in mentions]) if mentions else np.zeros(0, dtype=int)
    negative = np.repeat(tone == 0, sizes)
    return News(articles, labels, flat[negative], np.repeat(t, sizes)[negative])


def _slots(d: np.ndarray, company: str, other: str) -> dict:
    """Values for the template placeholders, drawn from one row of random integers."""
    return {
        "company": company,
        "other": other,
        "pct": 2 + d[6] % 27,
        "jobs": (1 + d[7] % 40) * 50,
        "amount": (1 + d[8] % 60) * 5,
        "n": 2 + d[9] % 7,
        "city": phrases.NEWS_CITIES[d[10] % len(phrases.NEWS_CITIES)],
        "quarter": phrases.QUARTERS[d[11] % len(phrases.QUARTERS)],
        "role": phrases.ROLES[d[9] % len(phrases.ROLES)],
        "month": phrases.MONTHS[d[10] % 12],
    }


def _body(tone: str, d: np.ndarray, slots: dict) -> str:
    """Three to five sentences: the article's tone first, then tone and neutral filler mixed."""
    own, filler = phrases.BODY[tone], phrases.BODY["neutral"]
    size = 3 + d[2] % 3
    picks = [own[d[3] % len(own)]]
    state = int(d[4])
    while len(picks) < size:
        state = (state * 1103515245 + 12345) % (1 << 31)
        pool = own if state % 10 < 6 else filler
        sentence = pool[(state >> 8) % len(pool)]
        if sentence not in picks:
            picks.append(sentence)
    return " ".join(s.format(**slots) for s in picks)
