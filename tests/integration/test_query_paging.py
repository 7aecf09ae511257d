"""Paging the rows of a query: ``iodm query --limit/--offset``, the named queries' API and the
result pages of the endpoint (``/query``, ``/sparql`` in HTML, with links to the pages around)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from kg.cli import main
from kg.core.errors import UsageError
from kg.core.results import Solutions
from kg.publish.app import PAGE_ROWS, ServerConfig, create_app
from kg.publish.dataset import Limits, Published
from kg.queries import get, paged_text
from kg.store import Store

BASE = "http://paging.test/"
EVIDENCE = "cq8-evidence"  # 238 rows on the curated graph: more than a page of 100


@pytest.fixture(scope="module")
def everything(curated: Store) -> Solutions:
    result = get(EVIDENCE).run(curated)
    assert isinstance(result, Solutions) and len(result.rows) > 200
    return result


def test_a_page_is_the_slice_of_all_rows(curated: Store, everything: Solutions) -> None:
    q = get(EVIDENCE)
    for limit, offset in ((10, 0), (10, 5), (1000, 230), (0, 0), (None, 200)):
        page = q.run(curated, limit=limit, offset=offset)
        end = None if limit is None else offset + limit
        assert page.rows == everything.rows[offset:end], (limit, offset)


def test_a_query_with_its_own_limit_is_cut_after_it_runs(curated: Store) -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 7"
    assert paged_text(text, 3, 2) is None
    assert paged_text("SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <urn:x> }", 3) is None
    from kg.queries import page

    whole = curated.select(text).rows
    assert page(curated.query, text, {}, 3, 2).rows == whole[2:5]  # type: ignore[attr-defined]


@pytest.mark.parametrize("limit, offset", [(-1, 0), (1, -2), (1.5, 0), (True, 0)])
def test_bad_pages_are_refused(curated: Store, limit: object, offset: object) -> None:
    with pytest.raises(UsageError, match="whole number"):
        get(EVIDENCE).run(curated, limit=limit, offset=offset)  # type: ignore[arg-type]


# --- the command line ---------------------------------------------------------------------------


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_limit_and_offset(curated_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    store = f"oxigraph:{curated_path}"
    assert main(["--store", store, "query", EVIDENCE, "--format", "csv"]) == 0
    everything = csv_rows(capsys.readouterr().out)
    assert len(everything) > 200
    args = ["--store", store, "query", EVIDENCE, "--format", "csv", "--limit", "5"]
    assert main([*args, "--offset", "3"]) == 0
    assert csv_rows(capsys.readouterr().out) == everything[3:8]
    sparql = curated_path.parent / "labels.rq"
    sparql.write_text("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 4", encoding="utf-8")
    assert (
        main(
            ["--store", store, "query", "--sparql", str(sparql), "--offset", "1", "--format", "csv"]
        )
        == 0
    )
    assert len(csv_rows(capsys.readouterr().out)) == 3  # its own LIMIT 4, less the first


@pytest.mark.parametrize("bad", ["-1", "ten", "2.5"])
def test_cli_refuses_a_bad_limit_without_traceback(
    curated_path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as e:
        main(["--store", f"oxigraph:{curated_path}", "query", EVIDENCE, "--limit", bad])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--limit" in err and "whole number" in err and "Traceback" not in err


# --- the server ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(curated: Store) -> TestClient:
    config = ServerConfig(base_url=BASE, limits=Limits(timeout=30, max_rows=10_000))
    return TestClient(create_app(Published(curated), config))


def table_rows(page: str) -> list[str]:
    table = page.split('id="results"')[1].split("</table>")[0]
    return re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]  # less the header row


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return unescape(found.group(1)) if found else None


def test_html_pages_link_to_the_pages_around(client: TestClient, everything: Solutions) -> None:
    first = client.get("/query", params={"example": EVIDENCE, "limit": "100"})
    assert first.status_code == 200
    assert len(table_rows(first.text)) == 100
    assert "238 rows" not in first.text and "100 rows, 1–100" in first.text
    assert link(first.text, "prev") is None
    following = link(first.text, "next")
    assert following is not None and following.startswith(BASE + "query?")
    assert "example=cq8-evidence" in following and "offset=100" in following
    second = client.get(following.removeprefix(BASE.rstrip("/")))
    assert len(table_rows(second.text)) == 100
    assert link(second.text, "prev") is not None and "offset=0" in link(second.text, "prev")  # type: ignore[operator]
    last = client.get(link(second.text, "next").removeprefix(BASE.rstrip("/")))  # type: ignore[union-attr]
    assert len(table_rows(last.text)) == len(everything.rows) - 200
    assert link(last.text, "next") is None and ", the last" in last.text
    rows = table_rows(first.text) + table_rows(second.text) + table_rows(last.text)
    assert len(set(rows)) == len(everything.rows)  # no row shown twice, none left out


def test_html_page_default_and_a_bad_page(client: TestClient, everything: Solutions) -> None:
    whole = client.get("/query", params={"example": EVIDENCE})
    assert len(table_rows(whole.text)) == min(PAGE_ROWS, len(everything.rows))
    bad = client.get("/query", params={"example": EVIDENCE, "offset": "-3"})
    assert bad.status_code == 400 and "whole number" in bad.text


def test_named_query_api_pages_with_a_link_header(
    client: TestClient, everything: Solutions
) -> None:
    json_ = {"Accept": "application/sparql-results+json"}
    whole = client.get("/query", params={"example": EVIDENCE}, headers=json_)
    assert whole.status_code == 200 and whole.headers["content-type"].startswith(json_["Accept"])
    assert len(whole.json()["results"]["bindings"]) == len(everything.rows)
    assert "link" not in whole.headers
    page = client.get(
        "/query", params={"example": EVIDENCE, "limit": "50", "offset": "10"}, headers=json_
    )
    bindings = page.json()["results"]["bindings"]
    assert [b["claim"]["value"] for b in bindings] == [r[0].value for r in everything.rows[10:60]]  # type: ignore[union-attr]
    assert re.fullmatch(
        r'<http://paging\.test/query\?[^>]*offset=60[^>]*>; rel="next"', page.headers["link"]
    )
    bad = client.get("/query", params={"example": EVIDENCE, "limit": "x"}, headers=json_)
    assert bad.status_code == 400


def test_endpoint_html_results_are_paged(client: TestClient) -> None:
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    html = {"Accept": "text/html"}
    first = client.get("/sparql", params={"query": text, "limit": "20"}, headers=html)
    assert first.status_code == 200 and len(table_rows(first.text)) == 20
    following = link(first.text, "next")
    assert following is not None and following.startswith(BASE + "sparql?")
    second = client.get(following.removeprefix(BASE.rstrip("/")), headers=html)
    assert len(table_rows(second.text)) == 20 and table_rows(second.text) != table_rows(first.text)
    posted = client.post(
        "/sparql?limit=5",
        content=text,
        headers={**html, "Content-Type": "application/sparql-query"},
    )
    assert len(table_rows(posted.text)) == 5 and "query=SELECT" in (link(posted.text, "next") or "")
    # protocol clients get every row, unpaged
    plain = client.get("/sparql", params={"query": text + " LIMIT 700"})
    assert len(plain.json()["results"]["bindings"]) == 700
