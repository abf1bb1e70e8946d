"""The one place that reads the environment.

Every setting is read once into a `Settings` object. Environments differ in values,
not in code: `FINRISK_DATABASE_URL` points at a real warehouse, and with none set
finrisk starts an embedded PostgreSQL under `FINRISK_DATA_DIR`.

Nested sections are set with a double underscore, e.g.
`FINRISK_QUALITY__VOLUME_MIN_RATIO=0.3` or `FINRISK_GATE__AUTO_PROMOTE=false`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"

# the environment variables that may carry a URL with a password (redaction masks their passwords anywhere)
SECRET_URL_VARIABLES = (
    "FINRISK_DATABASE_URL",
    "MLFLOW_TRACKING_URI",
    "FINRISK_MLFLOW_TRACKING_URI",
    "FINRISK_TEST_DATABASE_URL",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
)

TRAIN_POLICIES = ("missing", "always", "never")  # which models a night trains: see TrainSettings.policy


class QualitySettings(BaseModel):
    """Great Expectations tolerances for the staged batches."""

    mostly: float = Field(1.0, ge=0, le=1, help="share of rows a row-level expectation must pass")
    volume_lookback_days: int = Field(7, ge=1, help="days of history the volume band compares with")
    volume_min_ratio: float = Field(0.2, ge=0, help="batch volume below this share of the recent mean fails")
    volume_max_ratio: float = Field(10.0, ge=1, help="batch volume above this multiple of the recent mean fails")
    volume_quiet_probability: float = Field(
        0.001, ge=0, le=1, help="zero rows pass when an empty day is at least this likely at the daily mean (Poisson)"
    )
    max_text_chars: int = Field(100_000, ge=1, help="longest notes/description/body accepted")
    max_key_chars: int = Field(
        256, ge=1, le=600, help="longest customer_id/txn_id/article_id accepted (keys of btree-indexed risk tables)"
    )
    max_name_chars: int = Field(1_000, ge=1, help="longest segment/company/merchant/channel/source accepted")
    max_json_depth: int = Field(
        32, ge=1, le=100, help="deepest nesting of a profile accepted (deeper crashes JSON readers)"
    )
    # A profile is a record of short attributes; free text belongs in notes (max_text_chars). One 50 MB profile
    # made a night 7x slower and 5x larger in memory, so oversized ones are quarantined in SQL, never read.
    max_profile_bytes: int = Field(65_536, ge=2, help="largest profile accepted, in bytes of its JSON text (64 KiB)")
    max_profile_keys: int = Field(500, ge=1, help="most keys a profile may hold, counted at every nesting level")
    max_profile_value_chars: int = Field(
        4_000, ge=1, help="longest string value in a profile (a core-banking VARCHAR2(4000) attribute fits)"
    )
    min_amount: float = Field(0.01, gt=0, help="smallest single transaction amount accepted (a minor currency unit)")
    max_amount: float = Field(1_000_000.0, gt=0, help="largest single transaction amount accepted")
    currencies: list[str] = Field(
        default_factory=lambda: ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "CAD", "AUD"],
        help="ISO 4217 codes accepted in transactions",
    )
    sentiments: list[str] = Field(
        default_factory=lambda: ["negative", "neutral", "positive"], help="news label values accepted"
    )
    min_event_year: int = Field(1990, ge=1, help="event times before 1 January of this year are absurd and quarantined")
    critical_tables: list[str] = Field(
        default_factory=lambda: ["customers", "transactions"],
        help="tables whose empty batch or volume outside the band stops validation (others are recorded)",
    )


class TrainSettings(BaseModel):
    """Fine-tuning defaults; CPU-sized so the embedded demo trains in minutes."""

    # Measured on the demo data (3,000 customers, 90 days) on 2 CPU cores: at 5e-5 the MiniLM
    # collapsed to the base rate within the ~120 steps a CPU run affords; the small encoder
    # needs a higher rate, and the freshly initialised head a higher one still.
    epochs: int = Field(2, ge=1)
    batch_size: int = Field(16, ge=1)
    learning_rate: float = Field(2e-4, gt=0)
    policy: str = Field(
        "missing",
        pattern=f"^({'|'.join(TRAIN_POLICIES)})$",
        help="which models a night trains: missing (no champion yet), always (all, through the gate), never",
    )
    head_learning_rate: float = Field(2e-3, ge=0, help="classifier head; 0 means learning_rate")
    max_length: int = Field(192, ge=16)
    seed: int = 42
    max_steps: int = Field(140, ge=-1, help="-1 means no limit")
    patience: int = Field(2, ge=0)
    eval_every: int = Field(35, ge=0, help="0 means once per epoch")
    fraud_maturity_days: int = Field(
        30, ge=0, help="fraud trains on transactions this many days before the snapshot; unlabelled ones are genuine"
    )
    fraud_genuine_target: int = Field(
        4000, ge=1, help="genuine transactions sampled for fraud training (the odds are prior-corrected)"
    )


class GateSettings(BaseModel):
    """Promotion gate thresholds: a challenger is compared with the champion on the same holdout."""

    auto_promote: bool = True
    auc_margin: float = Field(0.01, ge=0, help="largest AUC drop against the champion accepted")
    macro_f1_margin: float = Field(0.01, ge=0, help="largest macro-F1 drop against the champion accepted (news)")
    min_auc: float = Field(0.6, ge=0, le=1, help="absolute AUC floor (credit and fraud)")
    min_macro_f1: float = Field(0.4, ge=0, le=1, help="absolute macro-F1 floor (news)")
    max_calibration_error: float = Field(0.1, ge=0, help="largest expected calibration error accepted")
    require_beats_baseline: bool = True
    baseline_margin: float = Field(0.0, ge=0, help="how much the primary metric must exceed the best baseline's")


class FairnessSettings(BaseModel):
    """Protected-group checks in the validation report (the four-fifths rule on adverse decisions)."""

    min_ratio: float = Field(0.8, ge=0, le=1, help="a group's adverse-decision ratio below this is flagged")
    max_ratio: float = Field(1.25, ge=1, help="a group's adverse-decision ratio above this is flagged")
    reference: str = Field(
        "largest",
        pattern="^(largest|lowest)$",
        help="reference group of each attribute: the largest group, or the one with the lowest adverse rate",
    )
    min_group_n: int = Field(1, ge=1, help="groups smaller than this are listed but not flagged")
    band_edges: dict[str, list[float]] = Field(
        default_factory=lambda: {"age": [25.0, 35.0, 45.0, 55.0, 65.0]},
        help="edges that band a numeric protected attribute; one without edges is banded at its quartiles",
    )
    gate_refuse: bool = Field(
        True,
        help="a breach (a group's adverse ratio and its whole bootstrap interval outside the band) keeps the version"
        " challenger until a person overrides it with a reason (finrisk approve --override-fairness)",
    )
    n_boot: int = Field(1000, ge=50, help="bootstrap resamples for each adverse ratio's interval")
    confidence: float = Field(0.95, gt=0.5, lt=1, help="the interval's confidence")
    seed: int = Field(0, help="the bootstrap's seed (the same holdout gives the same intervals)")


class ApprovalSettings(BaseModel):
    """Four-eyes promotion (finrisk.registry.approval): who may move @champion, and what the night accepts."""

    required: bool = Field(True, help="a version that passes the gate waits for `finrisk approve` by another person")
    refuse_unapproved_champion: bool = Field(
        True, help="the night refuses a @champion that no audited promotion or approval put there"
    )
    user: str | None = Field(None, help="the identity finrisk records (default: the OS user)")
    airflow_task: bool = Field(
        False,
        help="finrisk_train waits for a person's Approve in the Airflow UI (human-in-the-loop) after a version "
        "passes the gate; off (the quick start, `airflow dags test`): approve with `finrisk approve`",
    )
    airflow_wait_days: int = Field(7, ge=1, help="how long the Airflow approval task waits before it times out")


class ScoringSettings(BaseModel):
    """Nightly scoring, alerts and monitoring thresholds."""

    batch_size: int = Field(64, ge=1)
    max_length: int = Field(256, ge=16)
    shards: int = Field(1, ge=1, le=256, help="slices the nightly scoring is split into (one Airflow task each)")
    fraud_alert_threshold: float = Field(0.5, ge=0, le=1)
    psi_threshold: float = Field(0.25, ge=0)
    alert_band_jump: int = Field(2, ge=1, help="band steps worse than the previous score that raise an early warning")
    alert_pd_ratio: float = Field(
        2.0, gt=1, help="PD at least this multiple of the previous PD raises an early warning"
    )
    alert_min_pd: float = Field(0.0, ge=0, le=1, help="PD-ratio warnings only when the new PD is at least this")
    alert_min_pd_increase: float = Field(
        0.05, ge=0, le=1, help="an early warning needs the PD to rise by at least this much (absolute, 0.05 = 5 points)"
    )
    alert_hold_nights: int = Field(
        2, ge=1, help="a customer newly in the worst band raises a warning once the band is held this many nights"
    )
    reason_codes: int = Field(4, ge=0, le=4)
    reason_max_fields: int = Field(
        16,
        ge=1,
        help="occlusion groups per transaction alert, extra fields grouped (credit: one group per catalogue code)",
    )
    reason_catalogue: Path | None = Field(
        None, help="the bank's reason catalogue (YAML); unset means the shipped demo catalogue"
    )
    reason_min_band: str = Field(
        "C",
        pattern="^[A-E]$",
        help="reason codes are computed for customers in this band or worse (occlusion: one head re-score "
        "per field for fused models, one encoder re-score per field for text models)",
    )
    band_cutoffs: list[float] = Field(
        default_factory=lambda: [0.02, 0.05, 0.10, 0.20],
        min_length=4,
        max_length=4,
        help="pd_12m upper bounds of bands A..D; E is everything above the last",
    )
    points_base: int = Field(600, help="score points at points_odds good:bad odds")
    points_odds: float = Field(50.0, gt=0, help="good:bad odds that get points_base")
    points_pdo: float = Field(20.0, gt=0, help="points to double the odds")
    points_min: int = Field(300, help="lowest score points published")
    points_max: int = Field(900, help="highest score points published")
    fraud_window_days: int = Field(7, ge=1, help="days of transaction scores behind fraud_score")
    news_window_days: int = Field(30, ge=1, help="days of news signals behind news_score")
    news_half_life_days: float = Field(10.0, gt=0, help="age at which an article's weight in news_score halves")
    write_chunk_rows: int = Field(5000, ge=1, help="rows per COPY into staging")
    embedding_store: bool = Field(
        True, help="fused models reuse the encoder vector of a text seen on an earlier night (ops.text_embeddings)"
    )
    embedding_days: int = Field(30, ge=1, help="stored encoder vectors older than this many days are computed again")
    audit_band_min_rows: int = Field(1000, ge=0, help="band shares are audited only from this many customers")
    audit_band_min_share: float = Field(0.0005, ge=0, le=1, help="each band needs at least this share")
    audit_band_max_share: float = Field(0.95, gt=0, le=1, help="no band may hold more than this share")
    audit_band_action: str = Field(
        "block",
        pattern="^(block|flag)$",
        help="band shares outside the bounds block publishing, or publish flagged in risk.score_monitoring",
    )
    lock_wait_s: float = Field(
        5.0,
        ge=0,
        help="how long a run waits for another run of the same date before refusing with its name",
    )


class MonitoringSettings(BaseModel):
    """Drift: when a PSI is a finding, when it is too small a sample to say, and when it is worth a retrain."""

    psi_min_rows: int = Field(500, ge=1, help="a PSI on fewer rows is recorded as 'insufficient sample', never flagged")
    psi_min_bin_expected: float = Field(
        5.0, ge=0, help="reference bins expecting fewer rows than this are merged with a neighbour before the PSI"
    )
    psi_pool_nights: int = Field(
        7, ge=1, help="a night smaller than psi_min_rows is pooled with up to this many previous nights"
    )
    watch_threshold: float = Field(0.1, ge=0, help="a PSI above this (below scoring.psi_threshold) is 'watch'")
    drift_persist_nights: int = Field(
        3, ge=1, help="drift is signalled (Asset, retrain) once the score PSI is flagged this many nights in a row"
    )


class BacktestSettings(BaseModel):
    """Outcomes analysis: which published PD meets which outcome, and the traffic light's levels."""

    match_days: int = Field(
        31,
        ge=0,
        help="an outcome meets the PD published on the latest score date this many days before its snapshot, or on it",
    )
    amber_p: float = Field(0.05, gt=0, lt=1, help="Jeffreys one-sided p below this: amber (PD underestimates defaults)")
    red_p: float = Field(0.01, gt=0, lt=1, help="Jeffreys one-sided p below this: red")
    min_observations: int = Field(30, ge=1, help="a band or model with fewer outcomes is 'insufficient', never lit")
    bootstrap_samples: int = Field(500, ge=50, help="resamples of the realised AUC's percentile interval")
    fraud_maturity_days: int = Field(30, ge=0, help="a transaction's fraud label counts once it is this many days old")
    alert_model: str = Field("fraud", help="the model whose alerts (risk.fraud_alerts) get realised precision/recall")
    model_cards_file: Path | None = Field(None, help="TOML of model cards (owner, use, limitations); default: built in")


class AlertSettings(BaseModel):
    """Where failure alerts and the morning summary go: one channel."""

    channel: str = Field("log", pattern="^(log|email|webhook)$", help="log (default), email (SMTP) or webhook")
    webhook_url: SecretStr | None = Field(None, help="URL the webhook channel POSTs JSON to (may hold a token)")
    email_to: list[str] = Field(default_factory=list, help="recipients of the email channel")
    email_from: str = Field("finrisk@localhost", help="sender of the email channel")
    smtp_host: str = Field("localhost")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    timeout_s: float = Field(10.0, gt=0, help="seconds before a channel gives up")
    airflow_base_url: str = Field("http://127.0.0.1:8080", help="Airflow UI address used in links")
    mlflow_base_url: str = Field("http://127.0.0.1:5000", help="MLflow UI address used in links")


class AirflowSettings(BaseModel):
    """How the DAGs retry and time out; read when a DAG file is parsed (values only, no query)."""

    retries: int = Field(3, ge=0, help="retries of the tasks that talk to databases")
    retry_delay_s: float = Field(60.0, ge=0, help="first retry delay; doubles each try (exponential back-off)")
    max_retry_delay_s: float = Field(1800.0, ge=0)
    task_timeout_s: float = Field(3600.0, gt=0, help="execution timeout of database and scoring tasks")
    train_timeout_s: float = Field(6 * 3600.0, gt=0, help="execution timeout of one model's training")
    gpu_pool_slots: int = Field(1, ge=1, help="concurrent training jobs the gpu pool admits (the set-up creates it)")
    nightly_cron: str = Field("30 1 * * *", help="finrisk_nightly schedule (UTC)")
    train_cron: str = Field("0 3 * * 0", help="finrisk_train weekly schedule (UTC), besides drift")
    backtest_cron: str = Field("0 5 2 * *", help="finrisk_backtest monthly schedule (UTC): back-tests as of the 1st")
    publish_by: str = Field(
        "06:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
        help="UTC time (HH:MM[:SS]) by which the night's scores are published; a night still running then "
        "sends one alert through the alert channel (an Airflow Deadline Alert)",
    )
    owner: str = Field("risk-platform", help="owner shown in the Airflow UI")


class Settings(BaseSettings):
    """All of finrisk's settings, read from FINRISK_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="FINRISK_", env_nested_delimiter="__", extra="ignore")

    database_url: str | None = Field(None, help="warehouse URL; unset means the embedded PostgreSQL")
    data_dir: Path = Field(Path("data"), help="embedded database, MLflow artifacts, Data Docs")
    mlflow_tracking_uri: str | None = Field(
        None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "FINRISK_MLFLOW_TRACKING_URI")
    )
    base_model: str | None = Field(None, help="local path or hub name; unset means packaged all-MiniLM-L6-v2")
    log_level: str = Field(
        "INFO",
        pattern="(?i)^(debug|info|warning|error)$",
        help="level of the log file (data/logs/<command>.log); -v means DEBUG",
    )
    progress_file: Path | None = Field(
        None, help="JSON lines file that progress events are appended to (the quick start sets it for Airflow)"
    )
    airflow_metadata_url: str | None = Field(
        None,
        validation_alias=AliasChoices("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
        help="Airflow metadata database; unset means the embedded server's airflow database",
    )
    protected_attributes: list[str] = Field(default_factory=lambda: ["age_band"])
    proxy_attributes: list[str] = Field(
        default_factory=lambda: ["country", "region", "marketing_opt_in"],
        help="inputs treated like protected attributes: left out of the model's inputs, never a reason "
        "(the demo's country and region stand for national origin; the proxy screen measures each input)",
    )
    permitted_inputs: list[str] = Field(
        default_factory=list,
        help="protected or proxy attributes the bank's counsel permits as model inputs (still never a reason)",
    )
    run_date_max_days_ahead: int = Field(
        1,
        ge=0,
        le=366,
        help="every step refuses a run date more than this many days after today (UTC); 1 admits a clock in a time "
        "zone ahead of UTC. Past dates (backfills) are always allowed",
    )
    quality: QualitySettings = Field(default_factory=QualitySettings)
    train: TrainSettings = Field(default_factory=TrainSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    fairness: FairnessSettings = Field(default_factory=FairnessSettings)
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    backtest: BacktestSettings = Field(default_factory=BacktestSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    airflow: AirflowSettings = Field(default_factory=AirflowSettings)

    @property
    def data_path(self) -> Path:
        """The data folder as an absolute path, created on first use."""
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()


def secret_urls() -> list[str]:
    """The configured URLs that may hold a password, read now (redaction masks their passwords)."""
    return [url for name in SECRET_URL_VARIABLES if (url := os.environ.get(name))]


def set_default_environment(values: dict[str, str]) -> None:
    """Set environment variables that libraries read (progress bars, verbosity) unless already set."""
    for name, value in values.items():
        os.environ.setdefault(name, value)


def environment() -> dict[str, str]:
    """A copy of this process's environment, the base of a subprocess's (Airflow, the UIs)."""
    return dict(os.environ)


def psycopg2_url(url: str) -> str:
    """A PostgreSQL URL with the psycopg2 driver named: to SQLAlchemy and MLflow a bare `postgresql://`
    means psycopg 3, which finrisk does not install; `postgres://` (Airflow connections) is the same."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url[len(scheme) :]
    return url
