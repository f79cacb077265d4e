"""The `workbench` command: drives the notebooks the way a scheduler or an analyst would.

Every command prints ``--help`` and, when it cannot do its job, exits non-zero with a
one-line reason on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from workbench import __version__
from workbench.errors import WorkbenchError, printable
from workbench.output_files import os_error_line

app = typer.Typer(
    name="workbench",
    help="Cyber Impact & Gap Workbench: national cybercrime impact, capability gaps and "
    "business case, one report per country.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def say(message: str, *, error: bool = False) -> None:
    """Print one line as it is (no rich markup), control characters from the inputs
    (a file name, a cell) written out visibly instead of reaching the terminal."""
    (err_console if error else console).print(
        printable(message), markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """Print a one-line reason on stderr and exit with ``code``."""
    say(f"workbench: {message}", error=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        console.print(f"workbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Cyber Impact & Gap Workbench."""


@app.command()
def validate(
    folder: Annotated[Path, typer.Argument(help="A country folder, e.g. data/samples/KE.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Write quarantine/<file>.csv and data_quality.json here."),
    ] = None,
) -> None:
    """Load and check every file of one country against the data contract.

    Exit 0 when every present file is usable (quarantined rows allowed), 2 when a
    file is unusable, naming the file and column.
    """
    import pandas as pd

    from workbench import loading, paths
    from workbench.countries import validate_country_code

    if not folder.is_dir():
        fail(f"{folder} is not a folder")
    try:
        validate_country_code(folder.resolve().name)
    except WorkbenchError as exc:
        fail(f"{folder}: the folder must be named by the country code ({exc})")
    if out is not None:
        from workbench import out_guard

        try:  # its parent holds the country folders, as --data does for run
            out_guard.check_out_apart_from_data(folder.resolve().parent, out, with_private=False)
        except WorkbenchError as exc:
            fail(str(exc))
    country = loading.load_country(folder)
    table = Table(title=f"{folder.resolve().name}: data contract check")
    for column in ("file", "status", "rows", "valid", "quarantined"):
        table.add_column(column, justify="right" if column in ("rows", "valid", "quarantined") else "left")
    quality = loading.quality_table(country)
    for record in quality.itertuples(index=False):
        table.add_row(
            record.file, record.status,
            *("" if pd.isna(v) else str(v) for v in (record.rows, record.valid, record.quarantined)),
        )
    console.print(table)
    # The same classification `workbench run` acts on: unusable inputs fail a run,
    # absent ones skip the stages that need them.
    problems = loading.file_problems(country)
    for problem in problems:
        say(f"  unusable: {problem}", error=True)
    for absent in (p for p in country.input_problems() if not p.fails_run):
        say(f"  a run skips {', '.join(absent.stages)}: {absent.reason}")
    if country.quarantined_rows:
        say(f"{country.quarantined_rows} rows quarantined"
            + (f": see {out / 'quarantine'}" if out else " (use --out to write them with their reasons)"))
    if out is not None:
        try:
            # The rows set aside hold respondents' answers: the folder is the owner's only.
            paths.make_private_dir(out)
            written = loading.write_quarantine(country, out / "quarantine")
            loading.write_data_quality(country, out / "data_quality.json")
        except WorkbenchError as exc:  # a full disk: the file named, nothing half-written
            fail(str(exc))
        except OSError as exc:
            fail(os_error_line(exc))
        say(f"wrote {len(written)} quarantine file(s) and data_quality.json to {out}")
    if problems:
        fail(problems[0])


@app.command()
def run(
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. KE.")],
    data: Annotated[Path, typer.Option(help="Folder holding one folder per country.")],
    out: Annotated[Path, typer.Option(help="Output folder; the report goes to <out>/<CC>/.")],
    budget_usd_per_year: Annotated[
        float | None, typer.Option(help="Yearly budget for the roadmap (default: profile).")
    ] = None,
    horizon_years: Annotated[
        int | None, typer.Option(help="Roadmap horizon in years (default: profile).")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Language of the report: en or fr (default: profile).")
    ] = None,
) -> None:
    """Execute the country's parameterised notebooks with papermill and write
    summary.json, report.html and the executed notebooks to <out>/<CC>/; the rows set
    aside go to the analyst-only <out>.private/<CC>/quarantine/.

    Exit 0 when the run is ok or partial (a stage skipped: its input files are
    absent), 1 when it failed (an input unusable, or a stage broke: one line naming
    the file and the reason; the last good report is kept), 2 when it could not start.
    """
    from workbench import runner

    try:
        outcome = runner.run_country(
            country, data_root=data, out_root=out,
            budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
            language=lang,
        )
    except WorkbenchError as exc:
        fail(str(exc))
    if not outcome.ok:
        fail(outcome.one_line(), code=1)
    say(outcome.one_line())


@app.command("import-veris")
def import_veris(
    source: Annotated[
        Path, typer.Argument(help="A VERIS JSON file, JSON array, JSON-lines file or a folder of them.")
    ],
    out: Annotated[Path, typer.Option(
        help="With --country: the incidents.csv to write. Without: a folder (a data root); "
             "each victim country found gets <out>/<CC>/incidents.csv.")],
    country: Annotated[str | None, typer.Option(
        help="ISO 3166-1 alpha-2 code of the victim country (any case: gb = GB). "
             "Without it, every victim country is imported in one pass.")] = None,
    record_source: Annotated[str, typer.Option(
        "--source",
        help="What every imported row's source column says: open_source (press, public "
             "breach databases: the default), national_cert, police or other.")] = "open_source",
    profile: Annotated[
        Path | None,
        typer.Option(help="The country's profile.yaml: its currency and usd_per_unit convert losses."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Local ISO 4217 currency (overrides the profile's).")
    ] = None,
    usd_per_unit: Annotated[
        float | None, typer.Option(help="1 unit of local currency in USD (overrides the profile's).")
    ] = None,
    skipped: Annotated[
        Path | None, typer.Option(
            help="Write the records not imported (file, line, id, reason, field) here. Without "
                 "--country the default is <out>/import-veris-rejected.csv.")
    ] = None,
) -> None:
    """Turn VERIS JSON incident records into incidents.csv rows, one country or all.

    Every record is imported or set aside with its reason (counted, and listed with
    --skipped). Exit 2 when the input cannot be read or an option is invalid.
    """
    from workbench import out_guard, veris, veris_import, vocab
    from workbench.countries import validate_country_code
    from workbench.profile import load_profile

    try:
        if record_source not in vocab.INCIDENT_SOURCES:
            fail(f"--source {record_source!r} is not one of {', '.join(vocab.INCIDENT_SOURCES)}")
        if country is not None:
            country = validate_country_code(veris_import.country_code(country))
            out_guard.check_import_targets(source, out, country, skipped)
        else:
            if profile is not None:
                fail("--profile needs --country (a profile is one country's); without "
                     "--country each <out>/<CC>/profile.yaml is read when it is there")
            skipped = skipped if skipped is not None else out / veris_import.REJECTED_FILE
            out_guard.check_import_folder(source, out, skipped)
        if profile is not None:
            loaded = load_profile(profile)
            if loaded.country != country:
                fail(f"{profile}: the profile is for {loaded.country}, not {country}")
            currency = currency or loaded.currency
            usd_per_unit = usd_per_unit if usd_per_unit is not None else loaded.usd_per_unit
        if usd_per_unit is not None and not usd_per_unit > 0:
            fail(f"--usd-per-unit must be positive, got {usd_per_unit}")
        if currency is not None:
            import pycountry

            if pycountry.currencies.get(alpha_3=currency.upper()) is None:
                fail(f"--currency {currency!r} is not an ISO 4217 currency code")
        report = veris_import.import_veris(
            source, country=country, out=out, rejected=skipped, currency=currency,
            usd_per_unit=usd_per_unit, source=record_source)
    except WorkbenchError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(os_error_line(exc))
    table = Table(title=f"VERIS import for {country or 'every victim country'}")
    table.add_column("records")
    table.add_column("count", justify="right")
    for line in veris.counts_frame_of(report.counts).itertuples(index=False):
        table.add_row(line.what, str(line.records))
    console.print(table)
    counts = report.counts
    for code, path in report.written.items():
        say(f"wrote {counts['by_country'].get(code, 0)} incident(s) to {path}")
    if report.rejected is not None:
        say(f"wrote {counts['skipped']} record(s) set aside to {report.rejected}")
    say(f"{counts['read']} record(s) read: {counts['imported']} row(s) imported, "
        f"{counts['skipped']} set aside")


@app.command("import-framework")
def import_framework(
    library: Annotated[Path, typer.Argument(help="A framework library in CISO Assistant's YAML format.")],
    out: Annotated[Path, typer.Option(help="The framework.yaml to write.")],
    pillar_depth: Annotated[
        int | None, typer.Option(min=1, help="Depth of the nodes that become pillars (default 1: the top level).")
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(help="A YAML file changing the defaults: scope, weights, targets "
                     "(docs/framework-import.md)."),
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Scope of every indicator: organisation (the default) or national.")
    ] = None,
) -> None:
    """Turn a framework library (CISO Assistant YAML) into a framework.yaml.

    Top-level nodes become pillars with equal weights, assessable nodes indicators
    with weight 1 and organisation scope; the library's scores become the level
    scale. Prints what became what. Exit 2 when the library cannot be imported.
    """
    from workbench import framework_import
    from workbench.output_files import write_text_atomic

    try:
        if out.resolve() == library.resolve():
            fail(f"--out {out} is the library itself: it would be overwritten; write elsewhere")
        options = (framework_import.read_overrides(overrides) if overrides is not None
                   else framework_import.ImportOverrides())
        if scope is not None:
            if scope not in ("organisation", "national"):
                fail(f"--scope must be organisation or national, got {scope!r}")
            options = options.model_copy(update={"default_scope": scope})
        imported = framework_import.import_library(
            framework_import.read_library(library), source=library.name,
            overrides=options, pillar_depth=pillar_depth)
        written = write_text_atomic(out, imported.yaml_text(library.name))
    except WorkbenchError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(os_error_line(exc))
    for line in framework_import.describe(imported):
        say(line)
    say(f"wrote {written}")


@app.command("survey-form")
def survey_form_command(
    out: Annotated[Path, typer.Option(help="The XLSForm workbook to write, e.g. survey.xlsx.")],
    lang: Annotated[
        str, typer.Option(help="The form's default language: en or fr (it carries both).")
    ] = "en",
) -> None:
    """Write the survey questionnaire as an XLSForm for KoboToolbox or ODK Collect.

    Its questions fill the contract's survey columns, its choice lists are the
    contract's vocabularies and its constraints the row checks; its export loads with
    no survey_mapping.yaml (docs/data-formats.md). Exit 2 when it cannot be written.
    """
    from workbench import survey_form

    if lang not in survey_form.LANGUAGES:
        fail(f"--lang must be one of {', '.join(survey_form.LANGUAGES)}, got {lang!r}")
    if out.suffix.lower() != ".xlsx":
        fail(f"--out {out} must name an .xlsx workbook (the XLSForm format)")
    try:
        written = survey_form.write_form(out, lang)
    except WorkbenchError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(os_error_line(exc))
    say(f"wrote {written}: an XLSForm in English and French, default "
        f"{survey_form.LANGUAGES[lang]}; upload it to KoboToolbox or ODK Central")


@app.command()
def batch(
    data: Annotated[Path, typer.Option(help="Folder holding one folder per country.")],
    out: Annotated[
        Path, typer.Option(help="Output folder: <out>/<CC>/, index.html, manifest.json, logs/.")
    ],
    countries: Annotated[
        str | None, typer.Option(help="Comma-separated codes, e.g. KE,GB (default: all).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Countries run at once on this machine (default: its cores).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on this Dask distributed scheduler, e.g. tcp://10.0.0.5:8786; "
                     "its workers must see --data and --out at the same paths."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-run countries whose inputs are unchanged.")
    ] = False,
    budget_usd_per_year: Annotated[
        float | None, typer.Option(help="Yearly roadmap budget for every country (default: profiles).")
    ] = None,
    horizon_years: Annotated[
        int | None, typer.Option(help="Roadmap horizon in years for every country (default: profiles).")
    ] = None,
    self_contained: Annotated[
        bool,
        typer.Option("--self-contained",
                     help="Embed plotly.js in every report (each page stands alone) instead of "
                     "sharing <out>/plotly.min.js."),
    ] = False,
    timeout: Annotated[
        float, typer.Option(help="Stop a country's run after this many seconds (0: never).")
    ] = 3600.0,
    cell_timeout: Annotated[
        float | None, typer.Option(help="Seconds one notebook cell may run (default: no limit).")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="Language of every country's pages: en or fr (default: profiles)."),
    ] = None,
) -> None:
    """Every country folder under --data, each in its own process; write manifest.json
    and index.html. Countries unchanged since their last good report are skipped.

    Exit 0 when every country is ok, partial or unchanged, 1 when any failed (one
    line each on stderr, naming the file or stage and the reason) or manifest.json or
    index.html could not be written, 2 when the batch could not start.
    """
    from workbench import batch as batch_module

    if not data.is_dir():
        fail(f"{data} is not a folder")
    progress = batch_module.make_progress(err_console)
    try:
        result = batch_module.run_batch(
            data, out, countries=countries.split(",") if countries else None,
            workers=workers, scheduler=scheduler, force=force,
            budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
            share_plotly_js=not self_contained, timeout_seconds=timeout or None,
            cell_timeout=cell_timeout, progress=progress, language=lang,
        )
    except WorkbenchError as exc:
        fail(str(exc))
    except OSError as exc:  # the output folder cannot be made or locked (a full disk)
        fail(os_error_line(exc))
    for outcome in result.outcomes:
        say(outcome.one_line(), error=not outcome.ok)
    say(f"index: {out / batch_module.INDEX_NAME}")
    for problem in result.write_errors:
        say(f"workbench: {problem}", error=True)
    if result.failed or result.write_errors:
        raise typer.Exit(1)


@app.command("samples")
def samples(
    out: Annotated[Path, typer.Option(help="Folder to write one <CC>/ folder per country into.")],
    countries: Annotated[
        str | None,
        typer.Option(help="Comma-separated codes (default: KE,JM,FJ,MY,GH,GB,CA,CM)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: the committed samples' seed).")
    ] = None,
    scale: Annotated[
        float, typer.Option(help="Multiply the survey respondents and incidents, e.g. 20.")
    ] = 1.0,
    framework: Annotated[
        Path | None,
        typer.Option(help="Assess every country on this framework.yaml (copied into each "
                     "folder), e.g. one written by import-framework."),
    ] = None,
) -> None:
    """Generate the synthetic sample countries (docs/sample-data.md).

    With the defaults this rewrites exactly the committed data/samples/ files.
    """
    from workbench import samples as sample_data

    codes = tuple(c.strip() for c in countries.split(",")) if countries else sample_data.DEFAULT_CODES
    try:
        written = sample_data.write_samples(
            out, codes,
            seed=sample_data.DEFAULT_SEED if seed is None else seed, scale=scale,
            framework=framework)
    except (WorkbenchError, KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""))
    except OSError as exc:
        fail(os_error_line(exc))
    console.print(f"wrote {len(written)} files for {', '.join(codes)} to {out}")


@app.command()
def dashboard(
    data: Annotated[Path, typer.Option(help="Folder holding one folder per country.")],
    port: Annotated[int, typer.Option(help="Port to listen on (fails if it is taken).")] = 8866,
    ip: Annotated[
        str,
        typer.Option(help="Address to listen on. Any address other than 127.0.0.1 needs "
                     "a token or a password."),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(envvar="WORKBENCH_DASHBOARD_TOKEN", show_envvar=True,
                     help="Secret visitors must present (prefer the environment variable: "
                     "a command line is visible to other users)."),
    ] = None,
    password_hash: Annotated[
        str | None,
        typer.Option(envvar="WORKBENCH_DASHBOARD_PASSWORD_HASH", show_envvar=True,
                     help="Password hash from jupyter_server.auth.passwd(); visitors log in with "
                     "the password."),
    ] = None,
    pool_size: Annotated[
        int, typer.Option(help="Preheated kernels kept ready so the first page appears fast.")
    ] = 1,
    preheat: Annotated[
        bool, typer.Option("--preheat/--no-preheat", help="Keep preheated kernels ready.")
    ] = True,
    idle_minutes: Annotated[
        float, typer.Option(help="Shut down a page's kernel after this many idle minutes (0: never).")
    ] = 20.0,
    base_url: Annotated[
        str, typer.Option(help="Path prefix behind a reverse proxy, e.g. /dashboard/.")
    ] = "/",
    max_kernels: Annotated[
        int, typer.Option(help="Most kernels alive at once, the preheated pool included "
                          "(each takes 300-370 MB); further pages get a 'busy' page.")
    ] = 16,
    abandoned_seconds: Annotated[
        int, typer.Option(help="Shut down a kernel this many idle seconds after its page went "
                          "away (or never connected).")
    ] = 60,
    cull_seconds: Annotated[
        int, typer.Option(help="How often, in seconds, kernels are looked at for being idle or "
                          "abandoned.")
    ] = 15,
    public_host: Annotated[
        list[str] | None,
        typer.Option(help="Host name visitors use behind a reverse proxy, e.g. "
                     "dashboard.gov.example (repeatable). On 127.0.0.1, names other than "
                     "these and this machine's are refused."),
    ] = None,
) -> None:
    """Serve the ministers' dashboard with Voilà (docs/dashboard.md).

    Code and tracebacks never reach the page; it listens on 127.0.0.1 unless told
    otherwise and refuses any other address without a token or password.
    """
    from workbench.dashboard import server as dashboard_server

    options = dashboard_server.ServeOptions(
        data_root=data, port=port, ip=ip, token=token or None,
        hashed_password=password_hash or None, preheat=preheat, pool_size=pool_size,
        idle_timeout_seconds=int(round(idle_minutes * 60)), base_url=base_url,
        max_kernels=max_kernels, abandoned_timeout_seconds=abandoned_seconds,
        cull_interval_seconds=cull_seconds,
        public_hosts=tuple(public_host or ()),
    )
    try:
        dashboard_server.serve(options)
    except WorkbenchError as exc:
        fail(str(exc))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
