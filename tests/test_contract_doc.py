"""The data-contract document's column tables are the schemas' own."""

from workbench import contract_doc, input_files, schemas, spreadsheet


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
    assert "| `level` | whole number | yes | yes |  | maturity level on the framework's scale" in tables


def test_document_states_the_file_rules_the_loaders_apply() -> None:
    text = " ".join(contract_doc.DOC_PATH.read_text().split())
    for problem in (input_files.NOT_A_FILE, input_files.SPECIAL, input_files.OUTSIDE,
                    input_files.LOOP, input_files.DANGLING):
        assert f"`incidents.csv: {problem}`" in text
    assert f"more than {spreadsheet.MAX_UNPACKED_BYTES / 1e6:.0f} MB" in text
    assert (f"a part of more than {spreadsheet.RATIO_CHECKED_BYTES / 1e6:.0f} MB that unpacks "
            f"to more than {spreadsheet.MAX_RATIO} times its packed size") in text
    assert f"{spreadsheet.FORMULA}`" in text and f"{spreadsheet.ERROR_VALUE}`" in text
    assert f"larger than {schemas.NUMBER_LIMIT_TEXT}" in text
    assert float(schemas.NUMBER_LIMIT_TEXT) == schemas.NUMBER_LIMIT
