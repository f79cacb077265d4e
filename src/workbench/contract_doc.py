"""The data contract's column tables, generated from the schemas.

``docs/data-contract.md`` holds these tables between two markers; a test checks they
match the schemas, and ``python -m workbench.contract_doc`` rewrites them.
"""

from __future__ import annotations

from pathlib import Path

from workbench import schemas

BEGIN = "<!-- BEGIN GENERATED: column tables (python -m workbench.contract_doc) -->"
END = "<!-- END GENERATED -->"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"

_KIND_WORDS = {
    "id": "id (unique)",
    "text": "free text",
    "code": "vocabulary",
    "yesno": "yes/no",
    "int": "whole number",
    "number": "number",
    "date": "date (YYYY-MM-DD)",
    "ref": "reference",
    "idlist": "`;`-separated ids",
}


def _rule(column) -> str:
    parts = []
    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            parts.append("one of: " + ", ".join(f"`{v}`" for v in stats["allowed_values"]))
        elif check.name == "greater_than_or_equal_to":
            parts.append(f">= {stats['min_value']}")
        elif check.name == "greater_than":
            parts.append(f"> {stats['min_value']}")
        elif check.name == "less_than_or_equal_to":
            parts.append(f"<= {stats['max_value']}")
    return "; ".join(parts)


def column_table(model) -> str:
    """A markdown table of one schema's columns."""
    lines = [
        "| column | kind | required column | blank allowed | rule | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, column in schemas.columns(model).items():
        meta = column.metadata
        lines.append(
            f"| `{name}` | {_KIND_WORDS[meta['kind']]} | {'yes' if meta['required'] else 'no'} "
            f"| {'yes' if column.nullable else 'no'} | {_rule(column)} | {meta['doc']} |"
        )
    unique = getattr(model.Config, "unique", None)
    if unique:
        lines.append("")
        lines.append(f"Each ({', '.join(unique)}) appears once; a repeat is quarantined.")
    return "\n".join(lines)


def number_rule() -> str:
    """The rule every number of every table follows (from the schemas' limit)."""
    limit = schemas.NUMBER_LIMIT_TEXT
    return (
        f"Every `number` and `whole number` cell must be finite and at most {limit} in "
        f"size. `inf`, `-inf` and `nan` (any case) are quarantined as \"not a finite "
        f"number\"; anything larger than {limit}, `1e309` included, as \"beyond any real "
        f"value\". Nothing the contract counts or prices comes near {limit} (world GDP is "
        f"about 1e14 USD), and with every input within it the methods' products (weight x "
        f"entities x cost x exchange rate) stay far from overflowing."
    )


def render_tables() -> str:
    blocks = [number_rule()]
    for name, model in schemas.TABLES.items():
        blocks.append(f"### `{name}.csv`\n\n{column_table(model)}")
    return "\n\n".join(blocks)


def generated_section(document: str) -> str:
    """The text between the markers of ``document``."""
    start = document.index(BEGIN) + len(BEGIN)
    return document[start:document.index(END)].strip()


def rewrite(path: Path = DOC_PATH) -> None:
    document = path.read_text()
    start = document.index(BEGIN) + len(BEGIN)
    end = document.index(END)
    path.write_text(document[:start] + "\n\n" + render_tables() + "\n\n" + document[end:])


if __name__ == "__main__":
    rewrite()
