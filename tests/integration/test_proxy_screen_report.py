"""Protected attributes are measured, not used (issue 23): a tiny credit model trained on profiles that carry
age_band and country never reads them, and its validation report's proxy screen flags an input that names the
country (a district), with its sample size."""

from __future__ import annotations

import re

import mlflow.artifacts
import sqlalchemy as sa
from staging_rows import build_dataset
from test_train import tiny_args

from finrisk.config import GateSettings
from finrisk.training.train import train_model


def test_the_report_screens_inputs_for_proxies_and_protected_attributes_are_not_inputs(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=120)
        conn.execute(
            sa.text(
                "update staging.customers set profile = profile"
                " || jsonb_build_object('country',"
                " case mod(abs(hashtext(customer_id)), 2) when 0 then 'IT' else 'DE' end)"
            )
        )
        conn.execute(
            sa.text(
                "update staging.customers set profile = profile || jsonb_build_object('district',"
                " case profile ->> 'country' when 'IT' then 'Lazio' else 'Bayern' end)"
            )
        )
    lenient = GateSettings(min_auc=0.0, max_calibration_error=1.0, require_beats_baseline=False)
    result = train_model(settings.model_copy(update={"gate": lenient}), "credit", tiny_args(settings))
    report = mlflow.artifacts.load_text(f"runs:/{result.run_id}/validation_report.html")
    assert "Proxy screen: inputs that predict a protected attribute" in report
    section = report[report.index("Proxy screen") : report.index("Training configuration")]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td><td>[^<]*</td><td>([^<]*)</td>", section)
    screened = {(inp, target): (int(n), value) for inp, target, n, value in rows}
    n, v = screened[("district", "country")]
    assert v == "1.0000" and n > 0 and "proxy?" in section  # the district names the country: flagged
    assert ("income", "age_band") in screened  # every input against every protected attribute
    # age_band and country are measured, not inputs: no row screens them as an input
    assert not {inp for inp, _ in screened} & {"age_band", "country"}
