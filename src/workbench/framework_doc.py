"""The framework as the documentation shows it: docs/framework.md's table of
indicators (the tests check that the document carries it)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.framework import Framework


def framework_table(framework: Framework) -> pd.DataFrame:
    """The framework's indicators as a table: id, pillar, scope, title, weight,
    default targets, crosswalk codes and sources (one per line)."""
    pillar_title = {p.id: p.title for p in framework.pillars}
    rows = [
        {
            "id": ind.id,
            "pillar": pillar_title[ind.pillar],
            "scope": ind.scope,
            "title": ind.title,
            "weight": f"{ind.weight:g}",
            "default targets": "; ".join(f"{k} {v}" for k, v in ind.target.items()),
            "CMM 2021": "; ".join(ind.crosswalk.get("cmm", [])),
            "NIST CSF 2.0": "; ".join(ind.crosswalk.get("nist_csf", [])),
            "sources": "\n".join(ind.sources),
        }
        for ind in framework.indicators
    ]
    return pd.DataFrame(rows, dtype="str")


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (pipes escaped, line breaks as <br>)."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |",
             "| " + " | ".join("---" for _column in frame.columns) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def framework_markdown(framework: Framework) -> str:
    """The Markdown table docs/framework.md carries (checked by the tests)."""
    return markdown_table(framework_table(framework))
