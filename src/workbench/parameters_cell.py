"""The one ``parameters`` cell every notebook carries (papermill batch runs and Voilà
dashboards fill it the same way). Kept here so a test can check each notebook's cell
is exactly this text.

Every parameter is annotated, so ``papermill --help-notebook`` prints its type. The
optional ones are annotated as text ("Optional[float]"): papermill's inspection does
not read ``float | None``, and text is never evaluated, so the cell needs no import.
Comments must not contain an equals sign: papermill's parameter inspection reads a
line with two of them as unparsable.
"""

PARAMETERS_SOURCE = '''\
country: str = "KE"  # ISO 3166-1 alpha-2 code of the country folder
data_root: str = "data/samples"  # folder with one sub-folder per country (relative: from the project root)
out_dir: str = ""  # folder where workbench run collects outputs (empty: display only, write nothing)
budget_usd_per_year: "Optional[float]" = None  # yearly roadmap budget in USD (None: the budget in profile.yaml)
horizon_years: "Optional[int]" = None  # roadmap horizon in years (None: the horizon in profile.yaml)
language: str = ""  # language of the pages, en or fr (empty: the language in profile.yaml)'''
