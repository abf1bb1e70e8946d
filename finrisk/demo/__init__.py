"""Demo data: a believable, deterministic bank written into the six source tables.

`generate(settings, customers, days, seed, end_date)` builds customers with varied
profiles and notes, card transactions with injected fraud, news about their employers
and credit outcomes with a learnable but noisy default signal, and loads them with COPY
in one transaction. `finrisk demo-data` is the command line for it.
"""

from finrisk.demo.generate import DemoSummary, build_frames, generate

__all__ = ["DemoSummary", "build_frames", "generate"]
