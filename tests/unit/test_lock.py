"""The lock (requirements/lock.txt) agrees with pyproject.toml and with the environment the tests run in.

pyproject.toml gives ranges; requirements/lock.txt pins the resolved set (dependencies plus the `dev` and
`deploy` extras) with hashes, and scripts/install.sh and the Dockerfile install from it. torch is outside
the lock: it is installed first from the CPU wheel index at the version of requirements/torch.txt.
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
TORCH_PIN = ROOT / "requirements" / "torch.txt"
LOCKED_EXTRAS = ("dev", "deploy")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)\s*(;[^\\]*)?")


def _logical_lines(text: str) -> list[str]:
    """Join backslash continuations and drop comments, as pip reads a requirements file."""
    lines, current = [], ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def parse_lock(text: str) -> dict[str, dict]:
    """Map each locked package (canonical name) to its version, hashes and marker (None if unconditional)."""
    locked = {}
    for line in _logical_lines(text):
        if line.startswith("-"):
            continue  # pip options (--index-url, ...)
        match = _PIN.match(line)
        assert match, f"not an exact pin in the lock: {line[:80]}"
        name, _, version, marker = match.groups()
        locked[canonicalize_name(name)] = {
            "version": Version(version),
            "hashes": re.findall(r"--hash=(sha256:[0-9a-f]{64})", line),
            "marker": Marker(marker[1:].strip()) if marker else None,
        }
    return locked


def project_requirements() -> list[tuple[str, Requirement]]:
    """The project's own requirements and those of the locked extras, each with where it comes from."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [("dependencies", Requirement(spec)) for spec in project["dependencies"]]
    for extra in LOCKED_EXTRAS:
        found += [(f"[{extra}]", Requirement(spec)) for spec in project["optional-dependencies"][extra]]
    return found


def torch_pin() -> Version:
    """The torch version installed before the lock (requirements/torch.txt)."""
    lines = [line for line in _logical_lines(TORCH_PIN.read_text())]
    assert len(lines) == 1 and lines[0].startswith("torch=="), lines
    return Version(lines[0].removeprefix("torch=="))


def _applies(entry: dict) -> bool:
    return entry["marker"] is None or entry["marker"].evaluate()


@pytest.fixture(scope="module")
def locked() -> dict[str, dict]:
    return parse_lock(LOCK.read_text())


def test_parse_lock_reads_pins_hashes_and_markers():
    text = (
        "# header\n"
        "alpha==1.2.3 \\\n"
        "    --hash=sha256:" + "a" * 64 + " \\\n"
        "    --hash=sha256:" + "b" * 64 + "\n"
        "    # via finrisk\n"
        'Beta_Pkg[extra]==2.0 ; python_version < "3"\n'
    )
    parsed = parse_lock(text)
    assert parsed["alpha"]["version"] == Version("1.2.3") and len(parsed["alpha"]["hashes"]) == 2
    assert parsed["beta-pkg"]["hashes"] == [] and not _applies(parsed["beta-pkg"])


def test_every_project_requirement_is_satisfied_by_the_lock(locked):
    problems = []
    for where, req in project_requirements():
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name == "torch":
            version = torch_pin()
            if not req.specifier.contains(version, prereleases=True):
                problems.append(f"{where} {req}: requirements/torch.txt pins {version}")
            continue
        if name not in locked:
            problems.append(f"{where} {req}: not in requirements/lock.txt")
        elif not req.specifier.contains(locked[name]["version"], prereleases=True):
            problems.append(f"{where} {req}: the lock has {locked[name]['version']}")
    assert not problems, "pyproject.toml and requirements/lock.txt disagree (see docs/platform.md):\n" + "\n".join(
        problems
    )


def test_every_locked_pin_carries_hashes(locked):
    missing = sorted(name for name, entry in locked.items() if not entry["hashes"])
    assert not missing, f"pins without --hash in requirements/lock.txt: {missing}"


def test_torch_is_installed_before_the_lock_not_from_it(locked):
    assert "torch" not in locked
    assert f"TORCH_SPEC=${{TORCH_SPEC:-torch=={torch_pin()}}}" in (ROOT / "scripts" / "install.sh").read_text()
    assert f"ARG TORCH_VERSION={torch_pin()}" in (ROOT / "Dockerfile").read_text()


def test_install_script_and_image_install_from_the_lock():
    for path in (ROOT / "scripts" / "install.sh", ROOT / "Dockerfile"):
        text = path.read_text()
        assert "--require-hashes -r requirements/lock.txt" in text, path.name
        assert "--no-deps -e ." in text, path.name


def test_installed_environment_matches_the_lock(locked):
    differ = []
    for name, entry in sorted(locked.items()):
        if not _applies(entry):
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            differ.append(f"{name}: locked {entry['version']}, not installed")
            continue
        if installed != entry["version"]:
            differ.append(f"{name}: locked {entry['version']}, installed {installed}")
    assert not differ, "this environment was not installed from requirements/lock.txt (run scripts/install.sh):\n" + (
        "\n".join(differ)
    )
