"""The MLflow UI, started the way `finrisk ui` starts it, on a loopback port over a test backend
store: the registered model `finrisk-credit` is shown with its `champion` alias."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from finrisk.ui import free_port, start_mlflow, stop, wait_ready


def _registered_champion(tracking_uri: str, tmp_path) -> str:
    """finrisk-credit with two versions, the second one the champion; returns its version."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    client.create_registered_model("finrisk-credit", description="credit default within 12 months")
    for n in (1, 2):
        source = tmp_path / f"model-{n}"
        source.mkdir()
        version = client.create_model_version("finrisk-credit", source=source.as_uri())
    client.set_registered_model_alias("finrisk-credit", "champion", version.version)
    return version.version


def test_mlflow_ui_shows_the_champion_of_finrisk_credit(mlflow_url, tmp_path, browser, screenshot):
    champion = _registered_champion(mlflow_url, tmp_path)
    server = start_mlflow(mlflow_url, tmp_path / "artifacts", free_port(), tmp_path / "mlflow-ui.log")
    try:
        wait_ready([server], timeout=120)
        driver = browser()
        driver.get(f"{server.url}/#/models/finrisk-credit")
        WebDriverWait(driver, 60).until(lambda d: "champion" in d.find_element(By.TAG_NAME, "body").text)
        path = screenshot(driver, "mlflow-ui-finrisk-credit")
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "finrisk-credit" in text, path
        assert f"Version {champion}" in text, path
        # the alias sits on the champion's row, not on the other version's
        row = driver.find_element(
            By.XPATH,
            f"//tr[.//a[normalize-space()='Version {champion}']]"
            f" | //*[@role='row'][.//a[normalize-space()='Version {champion}']]",
        )
        assert "champion" in row.text, path
    finally:
        stop([server])
    assert not server.running()
