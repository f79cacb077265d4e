"""The data-contract document's column tables are the schemas' own."""

from workbench import contract_doc, schemas


def test_document_tables_match_the_schemas() -> None:
    document = contract_doc.DOC_PATH.read_text()
    assert contract_doc.generated_section(document) == contract_doc.render_tables()


def test_every_schema_column_is_documented_with_its_rule() -> None:
    tables = contract_doc.render_tables()
    for name, model in schemas.TABLES.items():
        assert f"### `{name}.csv`" in tables
        for column in schemas.columns(model):
            assert f"| `{column}` |" in tables
    assert "one of: `micro`, `small`, `medium`, `large`" in tables
    assert "| `level` | whole number | yes | yes | >= 0; <= 5 |" in tables
