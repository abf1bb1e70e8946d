"""Data Docs that render offline: the CSS and JavaScript that GX's pages load from CDNs, served
from local copies.

The copies come from the npm registry at install time, never at run time:
`python -m finrisk.quality.docs_assets install` (run by scripts/install.sh and the Dockerfile)
fetches each pinned package with `npm pack`, checks its sha512 against the pin, and keeps only
the files the pages use, under finrisk/quality/vendor/. After each Data Docs build,
`localize(docs_dir)` copies them into the site's static/vendor/ folder and points every CDN link
of every page at the local copy, so the site works from disk, zipped or mailed, with no internet.

This file uses only the standard library, so the Dockerfile can run it before finrisk installs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
SITE_VENDOR = Path("static") / "vendor"

# npm package -> (version, sha512 of its tarball, files kept: paths or folders inside the package)
PACKAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "bootstrap": (
        "4.3.1",
        "rXqOmH1VilAt2DyPzluTi2blhk17bO7ef+zLLPlWvG494pDxcM234pJ8wTc/6R40UWizAIIMgxjvxZg5kmsbag==",
        ("dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js"),
    ),
    "bootstrap-table": (
        "1.19.1",
        "WvV+l1AI/C+zThaKmfHmi/IuayVNB0qdFyEhFx1jyZhO0oLtNJNANkCR3rvJf6Dkh72dsLElxpE/bzK9seEQLA==",
        (
            "dist/bootstrap-table.min.css",
            "dist/bootstrap-table.min.js",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        ),
    ),
    "bootstrap-datepicker": (
        "1.9.0",
        "9rYYbaVOheGYxjOr/+bJCmRPihfy+LkLSg4fIFMT9Od8WwWB/MB50w0JO1eBgKUMbb7PFHQD5uAfI3ArAxZRXA==",
        ("dist/css/bootstrap-datepicker.min.css", "dist/js/bootstrap-datepicker.min.js"),
    ),
    "@forevolve/bootstrap-dark": (
        "1.1.0",
        "A3ucpEpxPoTVO490lZZCfjPXxv832l7mm1IxX3bXyxvgwnPGXDLyh7dWrphXKO8YBAu3EswbBEu3VSW8NRMW3A==",
        ("dist/css/bootstrap-prefers-dark.css",),
    ),
    "@fortawesome/fontawesome-free": (
        "6.6.0",
        "60G28ke/sXdtS9KZCpZSHHkCbdsOGEhIUGlwq6yhY74UpTiToIh8np7A8yphhM4BWsvNFtIvLpi4co+h9Mr9Ow==",
        ("css/all.min.css", "webfonts/"),
    ),
    "jquery": (
        "3.7.1",
        "m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
        ("dist/jquery.min.js",),
    ),
    "popper.js": (
        "1.12.9",
        "s0EEi9xiSCdqz9lV4IiVH5yIZnDX/U1t0tCjB+0jXx9jW8lrR7kOpVupiUg175ogqVoudpDXHF1p6dKATCHMeg==",
        ("dist/umd/popper.min.js",),
    ),
    "vega": (
        "5.33.1",
        "1fArfVDUqVbb5z8n+/nVQb+VNBzx8svY6CrsyTK4Ujm4yrd9I1auoKxBAPXLCavY1LcrbHUskQbGUP8gXOzyQw==",
        ("build/vega.min.js",),
    ),
    "vega-lite": (
        "5.23.0",
        "l4J6+AWE3DIjvovEoHl2LdtCUkfm4zs8Xxx7INwZEAv+XVb6kR6vIN1gt3t2gN2gs/y4DYTs/RPoTeYAuEg6mA==",
        ("build/vega-lite.min.js",),
    ),
    "vega-embed": (
        "6.29.0",
        "PmlshTLtLFLgWtF/b23T1OwX53AugJ9RZ3qPE2c01VFAbgt3/GSNI/etzA/GzdrkceXFma+FDHNXUppKuM0U6Q==",
        ("build/vega-embed.min.js",),
    ),
}

# Each CDN address GX 1.x writes (great_expectations/render/view/templates) -> (package, file).
LINKS: dict[str, tuple[str, str]] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap",
        "dist/css/bootstrap.min.css",
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": ("bootstrap", "dist/js/bootstrap.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table",
        "dist/bootstrap-table.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table",
        "dist/bootstrap-table.min.js",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker",
        "dist/css/bootstrap-datepicker.min.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker",
        "dist/js/bootstrap-datepicker.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark",
        "dist/css/bootstrap-prefers-dark.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free",
        "css/all.min.css",
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js",
        "dist/umd/popper.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed", "build/vega-embed.min.js"),
}
# GX's logo is fetched from its web-assets bucket; the same image ships in the site's static/images.
LOGO_HOST = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
STAMP = "manifest.json"


def installed(vendor: Path = VENDOR_DIR) -> bool:
    """True when the vendor folder holds exactly the pinned package versions."""
    stamp = vendor / STAMP
    wanted = {name: version for name, (version, _, _) in PACKAGES.items()}
    return stamp.is_file() and json.loads(stamp.read_text()) == wanted


def install(vendor: Path = VENDOR_DIR, packs: Path | None = None) -> Path:
    """Fetch the pinned packages with `npm pack` (or take their tarballs from `packs`), verify
    each against its sha512 pin and keep the files the Data Docs use under `vendor`."""
    if installed(vendor):
        return vendor
    npm = shutil.which("npm")
    if packs is None and npm is None:
        raise RuntimeError("npm is needed once, at install time, to fetch the Data Docs assets (apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "vendor"
        for name, (version, sha512, files) in PACKAGES.items():
            tarball = _tarball(npm, name, version, Path(tmp), packs)
            digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if digest != sha512:
                raise RuntimeError(f"{name}@{version}: tarball sha512 {digest} does not match the pin")
            _extract(tarball, files, work / name)
        (work / STAMP).write_text(json.dumps({n: v for n, (v, _, _) in PACKAGES.items()}, indent=1, sort_keys=True))
        if vendor.exists():
            shutil.rmtree(vendor)
        vendor.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(work, vendor)
    return vendor


def _tarball(npm: str | None, name: str, version: str, tmp: Path, packs: Path | None) -> Path:
    filename = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if packs is not None and (packs / filename).is_file():
        return packs / filename
    out = subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(tmp), f"{name}@{version}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0 or not (tmp / filename).is_file():
        reason = (out.stderr.strip().splitlines() or ["no tarball written"])[-1]
        raise RuntimeError(f"npm pack {name}@{version} failed: {reason}")
    return tmp / filename


def _extract(tarball: Path, files: tuple[str, ...], dest: Path) -> None:
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            path = member.name.split("/", 1)[-1]  # drop npm's leading package/
            if member.isfile() and any(path == f or (f.endswith("/") and path.startswith(f)) for f in files):
                target = dest / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())


_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>")
_TAG_URL = re.compile(r"""(?P<attr>(?:src|href)=)(?P<q>["'])(?P<url>https?://[^"']+)(?P=q)""")
_SRI = re.compile(r"""\s+(?:integrity|crossorigin)=(["'])[^"']*\1""")


def localize(docs: Path, vendor: Path = VENDOR_DIR) -> int:
    """Copy the vendored assets into the Data Docs site and point every page's CDN links at them.

    Idempotent; returns the number of links rewritten. Without installed assets the pages keep
    their CDN links (they render only online) and one warning says how to install them.
    """
    if not installed(vendor):
        log.warning(
            "Data Docs keep their CDN links (they need internet): run "
            "`python -m finrisk.quality.docs_assets install` once to serve the assets locally"
        )
        return 0
    site_vendor = docs / SITE_VENDOR
    if not (site_vendor / STAMP).is_file() or (site_vendor / STAMP).read_text() != (vendor / STAMP).read_text():
        shutil.rmtree(site_vendor, ignore_errors=True)
        shutil.copytree(vendor, site_vendor)
    rewritten = 0
    for page in docs.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new, count = _rewrite(text, os.path.relpath(docs, page.parent))
        if count:
            page.write_text(new, encoding="utf-8")
            rewritten += count
    css = docs / "static" / "styles" / "data_docs_default_styles.css"
    if css.is_file():
        css.write_text(css.read_text().replace(LOGO_HOST + "full_logo_dark.png", "../images/logo-long.png"))
    log.info("Data Docs under %s: %d CDN links now point at local copies", docs, rewritten)
    return rewritten


def _rewrite(html: str, root: str) -> tuple[str, int]:
    """`html` with its known CDN links replaced by paths relative to the page (`root` = site root)."""
    count = 0

    def tag(match: re.Match) -> str:
        nonlocal count
        text = match.group(0)
        found = _TAG_URL.search(text)
        path = _local_path(found.group("url"), root) if found else None
        if path is None:
            return text
        count += 1
        # SRI pins the CDN's bytes, and crossorigin makes file:// loads fail: drop both.
        return _SRI.sub("", text[: found.start("url")] + path + text[found.end("url") :])

    return _TAG.sub(tag, html), count


def _local_path(url: str, root: str) -> str | None:
    if url in LINKS:
        name, file = LINKS[url]
        return f"{root}/{SITE_VENDOR.as_posix()}/{name}/{file}"
    if url.startswith(LOGO_HOST) and url[len(LOGO_HOST) :].startswith("logo-long.png"):
        return f"{root}/static/images/logo-long.png"
    return None


def main(argv: list[str]) -> int:
    """`install [VENDOR_DIR] [--packs DIR]`: fetch and verify the assets (install time only)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m finrisk.quality.docs_assets")
    parser.add_argument("command", choices=["install"])
    parser.add_argument("vendor", nargs="?", type=Path, default=VENDOR_DIR, help="where the assets go")
    parser.add_argument("--packs", type=Path, help="folder of `npm pack` tarballs to use instead of the registry")
    args = parser.parse_args(argv)
    try:
        where = install(args.vendor, args.packs)
    except RuntimeError as exc:
        print(f"docs assets: error: {exc}", file=sys.stderr)
        return 1
    print(f"Data Docs assets: {len(PACKAGES)} npm packages, pinned and verified, in {where}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
