"""The one ``parameters`` cell every notebook carries (papermill batch runs and Voilà
dashboards fill it the same way). Kept here so a test can check each notebook's cell
is exactly this text.

Comments must not contain an equals sign: papermill's parameter inspection reads a
line with two of them as unparsable.
"""

PARAMETERS_SOURCE = '''\
country = "KE"  # ISO 3166-1 alpha-2 code of the country folder
data_root = "data/samples"  # folder with one sub-folder per country (relative: from the project root)
out_dir = ""  # folder where workbench run collects outputs (empty: display only, write nothing)
budget_usd_per_year = None  # yearly roadmap budget in USD (None: the budget in profile.yaml)
horizon_years = None  # roadmap horizon in years (None: the horizon in profile.yaml)'''
