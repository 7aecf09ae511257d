"""A real browser on `iodm serve`: headless Chromium (Debian's chromium and chromium-driver).

Opens an entity page through its /id/ IRI (following the 303), the ontology documentation at a
term's anchor, and the query page, where it picks a named query, runs it and reads the rows.
Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.core.namespaces import DCTERMS, ID
from kg.core.results import Solutions
from kg.publish.dataset import Published
from kg.publish.describe import label_of
from kg.queries import library
from kg.store import bind_parameters

from .conftest import live_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).exists():
            pytest.fail(
                f"{program} is missing: run `make system-deps` (bash .ci/system-deps) as root"
            )
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for drivers online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="iodm-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def server(curated_path: Path) -> Iterator[str]:
    with live_server(f"oxigraph:{curated_path}") as base:
        yield base


def wait_for(driver, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_entity_page(driver, server: str, published: Published, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    found = published.query(
        f"SELECT ?s WHERE {{ ?s <{DCTERMS}source> ?src ; ?p ?o . ?x ?q ?s "
        f'FILTER(STRSTARTS(STR(?s), "{ID}")) }} ORDER BY ?s LIMIT 1'
    )
    assert isinstance(found, Solutions) and found.rows
    iri = found.rows[0][0]
    label = label_of(published.store, iri)  # type: ignore[arg-type]
    assert label
    driver.get(server + "/id/" + iri.value.removeprefix(ID))  # type: ignore[union-attr]
    heading = wait_for(driver, "h1")
    assert driver.current_url == server + "/doc/" + iri.value.removeprefix(ID)  # type: ignore[union-attr]
    assert heading.text == " ".join(label.split())
    assert driver.find_element(By.CSS_SELECTOR, "#provenance li")  # sources are shown
    assert driver.find_elements(By.CSS_SELECTOR, "#incoming dd a")  # links both ways
    driver.save_screenshot(str(artifacts / "entity-page.png"))


def test_ontology_anchor(driver, server: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    driver.get(server + "/iodm#Post")
    term = wait_for(driver, "section#Post")
    assert "post" in term.text.lower()
    top = driver.execute_script("return arguments[0].getBoundingClientRect().top", term)
    assert -1 < top < 200, "the browser scrolled to the term's anchor (to within a sub-pixel)"
    driver.save_screenshot(str(artifacts / "ontology-post.png"))


def test_query_page_runs_a_named_query(
    driver, server: str, published: Published, artifacts: Path
) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    q = next(q for q in library().values() if q.group == "cq" and not q.params)
    direct = published.query(bind_parameters(q.text, q.bindings()) if q.params else q.text)
    assert isinstance(direct, Solutions) and len(direct) > 0, "pick a question with answers"

    driver.get(server + "/query")
    wait_for(driver, "#query-text")
    driver.find_element(By.CSS_SELECTOR, f"#example-{q.id} a.example").click()
    wait_for(driver, "table.results")  # picking an example runs it
    textarea = driver.find_element(By.CSS_SELECTOR, "#query-text")
    assert f"#+ id: {q.id}" in textarea.get_attribute("value")
    # Mark the page, then wait for a page without the mark: the Run button replaced it. (Waiting
    # for the old table to go stale through its element handle fails on Chromium 156, whose
    # driver answers "Node with given id does not belong to the document" instead of "stale".)
    driver.execute_script("document.body.dataset.old = 'yes'")
    driver.find_element(By.CSS_SELECTOR, "#run").click()  # and the Run button runs the text
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(
            "return !document.body.dataset.old && !!document.querySelector('table.results')"
        )
    )
    table = wait_for(driver, "table.results")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(direct)
    first = [c.text for c in rows[0].find_elements(By.CSS_SELECTOR, "td")]
    assert any(first), "the first row shows values"
    driver.set_window_size(
        1280, max(1600, driver.execute_script("return document.body.scrollHeight"))
    )
    driver.save_screenshot(str(artifacts / "query-page.png"))
    driver.set_window_size(1280, 1600)
