"""The evidence table is descriptive, counts responses, and says so."""

from __future__ import annotations

import json

from kg.analysis.evidence import CURATED_NOTE, DESCRIPTIVE, table


def test_curated_table_counts_the_four_illustrations_and_says_it_is_descriptive(curated) -> None:  # type: ignore[no-untyped-def]
    result = table(curated)
    assert result.responses >= 4
    whole = result.by_position["the field presence as a whole"]
    # the paper's four illustrations of the spectrum are among the mission-level responses
    assert {10, 40, 110, 120} <= {e.rank for e in whole.entries.values()}
    assert result.curated
    text = result.render()
    assert DESCRIPTIVE in text and CURATED_NOTE in text
    assert "mean" not in text.replace("no means", "")


def test_bank_table_separates_headquarters_from_the_capital(bank) -> None:  # type: ignore[no-untyped-def]
    result = table(bank)
    assert not result.curated
    hq = result.by_position["IO headquarters"]
    capital = result.by_position["headquarters in the host capital"]
    assert [e.rank for e in hq.entries.values()] == [110]
    assert [e.rank for e in capital.entries.values()] == [50]
    by_factor = json.loads(result.to_json())["byFactor"]
    rows = {r["row"]: r for r in by_factor}
    assert rows["position vis-à-vis host state authorities → confrontation"]["ranks"] == [110]
    assert rows["place in IO hierarchy ← conciliation"]["ranks"] == [50]
