"""The ministers' dashboard: one country's impact, gaps and roadmap on one page.

Served by Voilà (``workbench dashboard``, see docs/dashboard.md) from
``notebooks/country_dashboard.ipynb``, which only calls what this package exports:

    prepared = dashboard.prepare(country, data_root)
    settings = dashboard.request_settings(country=country, data_root=data_root, ...)
    dashboard.CountryDashboard(settings, prepared).widget

The figures come from ``workbench.stages``, as in the stage notebooks, so the headline
numbers equal the country's summary.json; the charts are the stage charts. One module
per concern:

- ``settings``: the page's settings from the notebook's parameters and the page address;
- ``view``: one country's figures (``stages.every_stage``);
- ``cards``: the headline cards, the header and the plain messages;
- ``charts``: the stage charts as figure JSON, their layout adjusted for the page;
- ``slider``: the budget slider's grid of positions;
- ``downloads``: the published tables as spreadsheet-safe downloads;
  ``download_links``: the links that make a file when clicked;
- ``plans``: the server's folder of worked-out slider positions (read by the pages);
- ``grid``: the process that works every country's slider grid out into it, once per
  server start;
- ``cache``: what one page has worked out (its own, never module-wide);
- ``page``: the ipywidgets page;
- ``live_chart``: the chart widgets redrawn in place (one chart, or a group redrawn
  together); ``bundle``: their own small plotly.js;
- ``server``, ``voila``, ``kernel``: serving it safely with Voilà.
"""

from workbench.dashboard.cache import prepare
from workbench.dashboard.page import CountryDashboard
from workbench.dashboard.settings import request_settings

__all__ = ["CountryDashboard", "prepare", "request_settings"]
