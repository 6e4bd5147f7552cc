"""The documentation site in Chromium: the home page, a chapter page and an API page open from
disk with no console errors, and their content rendered (figures drawn at build time, the
numbers of a check, the API's names).

The site is the one ``.ci/run`` built ($DELTAGRAD_DOCS_SITE), or built here once with
``mkdocs build --strict`` when MkDocs is installed (``pip install ".[docs]"``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

import browser  # noqa: E402  (skips the module when no Chromium is installed)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    prebuilt = os.environ.get("DELTAGRAD_DOCS_SITE")
    if prebuilt:
        return Path(prebuilt)
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip('MkDocs is not installed (pip install ".[docs]") and no prebuilt site')
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return out


def _open(chromium, site: Path, page: str, shots: Path, name: str):
    tab = chromium.new_page(viewport={"width": 1280, "height": 900})
    errors = browser.watch_errors(tab)
    tab.goto((site / page).as_uri())
    tab.wait_for_load_state("load")
    tab.screenshot(path=str(shots / f"docs_{name}.png"), full_page=True)
    return tab, errors


def _images_loaded(tab) -> list[str]:
    """The src of every <img> in the article that failed to load."""
    return tab.eval_on_selector_all(
        "article img",
        "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)",
    )


def test_home_page(chromium, site, shots):
    tab, errors = _open(chromium, site, "index.html", shots, "home")
    assert "deltagrad" in tab.title()
    assert tab.locator("article h1").inner_text().startswith("deltagrad")
    assert tab.locator("nav").first.is_visible()
    assert tab.locator("article img").count() >= 1 and _images_loaded(tab) == []
    assert errors == []


def test_chapter_page_has_its_figures_and_checks(chromium, site, shots):
    tab, errors = _open(chromium, site, "chapter/7-3-activations.html", shots, "chapter")
    text = tab.locator("article").inner_text()
    assert "Largest relative error" in text and "the three agree" in text
    assert tab.locator("article img").count() == 4 and _images_loaded(tab) == []
    assert tab.locator("article table").count() >= 3
    assert errors == []


def test_api_page_lists_the_public_names(chromium, site, shots):
    tab, errors = _open(chromium, site, "reference/deltagrad.html", shots, "api")
    text = tab.locator("article").inner_text()
    for name in ("GradientTape", "Variable", "value_and_grad", "custom_gradient", "leaky_relu"):
        assert name in text, name
    assert tab.locator("article [id='deltagrad.GradientTape']").count() == 1
    assert errors == []
