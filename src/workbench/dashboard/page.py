"""The ministers' dashboard page: header, controls, headline cards and three tabs,
wired to ipywidgets, and what the controls do.

The notebook ``notebooks/country_dashboard.ipynb`` only calls ``prepare``,
``request_settings`` and ``CountryDashboard`` (docs/dashboard.md). Nothing here prints
or writes to stderr: in a Voilà page anything written there would reach the
minister's screen; a fault becomes a plain message.
"""

from __future__ import annotations

import html
import json
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workbench import business_case_tables, gaps, gaps_charts, impact
from workbench.business_case import Roadmap
from workbench.dashboard.cache import PageCache
from workbench.dashboard.cards import (
    cards_html,
    findings_html,
    header_html,
    headline_cards,
    problem_html,
    stage_note_html,
)
from workbench.dashboard.charts import (
    ALL_PILLARS,
    ROADMAP_CHART_NAMES,
    ROADMAP_CHARTS,
    figure_spec,
    filter_pillar,
    pillar_options,
)
from workbench.dashboard.download_links import DownloadLinks
from workbench.dashboard.downloads import download_files, file_bytes
from workbench.dashboard.guide import notebook_guide
from workbench.dashboard.live_chart import LiveChart, LiveCharts
from workbench.dashboard.settings import (
    MAX_HORIZON_YEARS,
    DashboardSettings,
    list_countries,
    profile_language,
)
from workbench.dashboard.slider import SliderRange, budget_slider_range
from workbench.dashboard.view import GENERIC_PROBLEM, NOT_AVAILABLE, CountryView, reason
from workbench.i18n import N_, _, set_language
from workbench.notebook import table_html

TAB_TITLES = (N_("Impact of cybercrime"), N_("Capability gaps"), N_("Roadmap and business case"))
IMPACT_TAB, GAPS_TAB, ROADMAP_TAB = range(3)


class CountryDashboard:
    """The page: header, controls, headline cards and three tabs, and what the controls do.

    Tabs are drawn when first opened (a chart drawn in a hidden tab gets no width),
    and again only when what they show has changed.
    """

    def __init__(self, settings: DashboardSettings, prepared: PageCache | None = None) -> None:
        import ipywidgets as widgets

        self._w = widgets
        self.settings = settings
        # A page is written in one language: its kernel serves this page only.
        set_language(settings.language
                     or profile_language(Path(settings.data_root), settings.country))
        # What ``prepare`` worked out ahead, when it is for this data folder.
        usable = prepared is not None and prepared.root == Path(settings.data_root)
        self.cache = prepared if usable else PageCache.of_server(Path(settings.data_root))
        self.choices = list_countries(settings.data_root)
        self.view: CountryView | None = None
        self.roadmap: Roadmap | None = None
        self.budget_usd: float | None = None
        self.horizon: int | None = None
        self._quiet = False  # True while the code itself sets a control's value
        self._budget_range: SliderRange | None = None
        self._stale = {IMPACT_TAB: True, GAPS_TAB: True, ROADMAP_TAB: True}
        self._notes = settings.notes

        def full() -> Any:
            # One Layout per widget: hiding one widget must not hide the others.
            return widgets.Layout(width="100%")

        self.header = widgets.HTML(layout=full())
        self.status = widgets.HTML(layout=full())
        self.country = widgets.Dropdown(
            options=[(c.label, c.code) for c in self.choices], description=_("Country"),
            layout=widgets.Layout(width="300px"))
        self.budget = widgets.FloatSlider(
            description=_("Yearly budget (USD million)"), continuous_update=False,
            style={"description_width": "initial"}, layout=widgets.Layout(width="460px"))
        self.horizon_control = widgets.IntSlider(
            min=1, max=MAX_HORIZON_YEARS, description=_("Roadmap horizon (years)"),
            continuous_update=False, style={"description_width": "initial"},
            layout=widgets.Layout(width="360px"))
        self.controls = widgets.HBox(
            [self.country, self.budget, self.horizon_control],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px 24px"))
        self.cards = widgets.HTML(layout=full())
        self.downloads = DownloadLinks(layout=full())
        self.problem = widgets.HTML(layout=full())

        self.impact_note = widgets.HTML(layout=full())
        self.impact_table = widgets.HTML(layout=full())
        self.impact_charts = [LiveChart(layout=full()) for _ in range(5)]
        self.gaps_note = widgets.HTML(layout=full())
        self.gaps_table = widgets.HTML(layout=full())
        self.gaps_overview = [LiveChart(layout=full()) for _ in range(2)]
        self.pillar = widgets.Dropdown(description=_("Show pillar"),
                                       layout=widgets.Layout(width="420px"),
                                       style={"description_width": "initial"})
        self.gaps_filtered = LiveChart(layout=full())
        self.gaps_top = widgets.HTML(layout=full())
        self.roadmap_note = widgets.HTML(layout=full())
        self.roadmap_table = widgets.HTML(layout=full())
        # Sent and redrawn together: a slider move redraws them all (live_chart).
        self.roadmap_charts = LiveCharts(names=list(ROADMAP_CHART_NAMES), layout=full())
        self.plan_table = widgets.HTML(layout=full())

        self.tabs = widgets.Tab(children=[
            widgets.VBox([self.impact_note, self.impact_table, *self.impact_charts], layout=full()),
            widgets.VBox([self.gaps_note, self.gaps_table, *self.gaps_overview,
                          widgets.HTML("<p><strong>{}</strong> {}</p>".format(
                              html.escape(_("Gaps in detail.")),
                              html.escape(_("Choose a pillar to see only its indicators.")))),
                          self.pillar, self.gaps_filtered, self.gaps_top], layout=full()),
            widgets.VBox([self.roadmap_note, self.roadmap_table, self.roadmap_charts,
                          self.plan_table], layout=full()),
        ], layout=full())
        for index, title in enumerate(TAB_TITLES):
            self.tabs.set_title(index, _(title))
        self.body = widgets.VBox([self.cards, self.downloads, self.tabs], layout=full())
        opening, closing = notebook_guide()
        self.widget = widgets.VBox(
            [widgets.HTML(opening), self.header, self.controls, self.status, self.problem,
             self.body, widgets.HTML(closing)],
            layout=widgets.Layout(width="auto"))
        self.widget.add_class("wb-dashboard")
        # Names a reader's tools (and the browser tests) can find the parts by.
        for part, name in ((self.cards, "wb-cards-box"), (self.tabs, "wb-tabs"),
                           (self.budget, "wb-budget"), (self.horizon_control, "wb-horizon"),
                           (self.country, "wb-country"), (self.pillar, "wb-pillar"),
                           (self.gaps_filtered, "wb-gaps-heatmap"), (self.problem, "wb-problem-box"),
                           (self.status, "wb-status-box")):
            part.add_class(name)
        for chart in self.impact_charts:
            chart.add_class("wb-impact-chart")

        self.country.observe(self._safely(self._on_country), names="value")
        self.budget.observe(self._safely(self._on_roadmap_input), names="value")
        self.horizon_control.observe(self._safely(self._on_roadmap_input), names="value")
        self.tabs.observe(self._safely(self._on_tab), names="selected_index")
        self.pillar.observe(self._safely(self._on_pillar), names="value")

        if settings.country is None:
            self.header.value = header_html(None, self._notes)
            self.problem.value = problem_html(
                _("this page"), _("There is no country folder (named by its two-letter code) in "
                                  "the data folder the server was given."))
            self.controls.layout.display = "none"
            self.body.layout.display = "none"
            return
        self._safely(self._show_country)(
            settings.country, settings.budget_usd_per_year, settings.horizon_years)

    # -- plumbing

    def _safely(self, action: Callable[..., None]) -> Callable[..., None]:
        """Run a control's action; any fault becomes a plain message, never a traceback."""
        def run(*args: Any) -> None:
            try:
                action(*args)
            except Exception as exc:
                code = self.view.name if self.view is not None else "this country"
                self.problem.value = problem_html(code, reason(exc))
            finally:
                self.status.value = ""
        return run

    def _set_quietly(self, control: Any, *, together: bool = False, **values: Any) -> None:
        """Set a control's traits without running its action. ``together``: check them
        only once all are set (a slider's new range and value)."""
        self._quiet = True
        try:
            if together:
                with control.hold_trait_notifications():
                    for name, value in values.items():
                        setattr(control, name, value)
            else:
                for name, value in values.items():
                    setattr(control, name, value)
        finally:
            self._quiet = False

    # -- actions

    def _on_country(self, change: Mapping[str, Any]) -> None:
        if self._quiet or change["new"] is None:
            return
        self._notes = ()
        self._show_country(change["new"], None, None)

    def _on_roadmap_input(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        self.budget_usd = round(float(self.budget.value) * 1e6, 2)
        self.horizon = int(self.horizon_control.value)
        self._replan()

    def _on_tab(self, change: Mapping[str, Any]) -> None:
        self._draw_tab(change["new"])

    def _on_pillar(self, change: Mapping[str, Any]) -> None:
        if self._quiet or self.view is None or self.view.gaps is None:
            return
        self._draw_gap_detail()

    def _new_budget_slider(self, bounds: SliderRange) -> None:
        """A fresh slider for a country's budget range. Changing the range and value of
        the old one could reach the browser in pieces, which would clamp the value to the
        old range and send that back as the minister's choice."""
        old = self.budget
        self.budget = self._w.FloatSlider(
            min=bounds.minimum, max=bounds.maximum, step=bounds.step,
            readout_format=f",.{bounds.decimals}f", value=self.budget_usd / 1e6,
            description=_("Yearly budget (USD million)"), continuous_update=False,
            style={"description_width": "initial"}, layout=self._w.Layout(width="460px"))
        self._budget_range = bounds
        self.budget.add_class("wb-budget")
        self.budget.observe(self._safely(self._on_roadmap_input), names="value")
        self.controls.children = tuple(self.budget if c is old else c for c in self.controls.children)
        old.close()

    def _show_country(self, code: str, budget: float | None, horizon: int | None) -> None:
        self.status.value = f'<div class="wb-dash wb-note">Working out the figures for {html.escape(code)}…</div>'
        view = self.cache.view(code)
        self.view = view
        self.problem.value = ""
        self.header.value = header_html(view, self._notes)
        if self.country.value != code:
            self._set_quietly(self.country, value=code)
        if not view.usable:
            self.problem.value = problem_html(code, view.fatal or GENERIC_PROBLEM)
            self.body.layout.display = "none"
            self.downloads.withdraw()
            self.budget.layout.display = "none"
            self.horizon_control.layout.display = "none"
            return
        self.body.layout.display = None
        has_plan = view.roadmap_inputs is not None
        self.budget.layout.display = None if has_plan else "none"
        self.horizon_control.layout.display = None if has_plan else "none"
        self.budget_usd = float(budget) if budget is not None else view.default_budget_usd_per_year
        self.horizon = int(horizon) if horizon is not None else view.default_horizon_years
        if has_plan:
            self._new_budget_slider(budget_slider_range(view.default_budget_usd_per_year,
                                                        self.budget_usd))
            self._set_quietly(self.horizon_control, together=True,
                              max=max(MAX_HORIZON_YEARS, self.horizon),
                              value=self.horizon)
        self._set_quietly(self.pillar, options=pillar_options(view.gaps), value=ALL_PILLARS)
        self._stale = {IMPACT_TAB: True, GAPS_TAB: True, ROADMAP_TAB: True}
        self._replan()
        self._draw_tab(self.tabs.selected_index or IMPACT_TAB)

    def _replan(self) -> None:
        view = self.view
        if view is None:
            return
        self.roadmap = (
            self.cache.roadmap(view.code, float(self.budget_usd), int(self.horizon))
            if view.roadmap_inputs is not None and self.budget_usd is not None else None
        )
        # The charts a minister waits for go out first, then the findings and cards.
        self._stale[ROADMAP_TAB] = True
        if (self.tabs.selected_index or IMPACT_TAB) == ROADMAP_TAB:
            self._draw_tab(ROADMAP_TAB)
        self.cards.value = (findings_html(view, self.roadmap)
                            + cards_html(headline_cards(view, self.roadmap)))
        # The files are made only when a link is clicked, from what the page shows then.
        code = view.code
        budget = None if self.roadmap is None else float(self.budget_usd)
        horizon = None if self.roadmap is None else int(self.horizon)
        self.downloads.offer(download_files(code), lambda file: file_bytes(
            file, self.cache.published_tables(code, budget, horizon)))

    def _draw_tab(self, index: int | None) -> None:
        index = IMPACT_TAB if index is None else index
        if not self._stale.get(index) or self.view is None or not self.view.usable:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            {IMPACT_TAB: self._draw_impact, GAPS_TAB: self._draw_gaps,
             ROADMAP_TAB: self._draw_roadmap}[index]()
        self._stale[index] = False

    def _draw_impact(self) -> None:
        view = self.view
        figures = list(self.cache.impact_specs(view.code))
        if view.impact is None:
            self.impact_note.value = stage_note_html(
                N_("The impact assessment"), view.problems.get("impact", NOT_AVAILABLE))
            self.impact_table.value = ""
        else:
            self.impact_note.value = '<div class="wb-dash"><p>{}</p></div>'.format(html.escape(_(
                "How many organisations were hit in the period, what it cost them and how much "
                "of it the authorities hear about. Bars show 95% intervals; grey hatched bars "
                "are groups with too few respondents to publish.")))
            self.impact_table.value = (
                '<div class="wb-dash">' + table_html(
                    impact.headline_figures(view.impact),
                    caption=N_("Impact of cybercrime: headline figures")).markup + "</div>")
        for slot, spec in zip(self.impact_charts, figures + [None] * len(self.impact_charts)):
            slot.show(spec)

    def _draw_gaps(self) -> None:
        view = self.view
        if view.gaps is None:
            self.gaps_note.value = stage_note_html(
                N_("The gap analysis"), view.problems.get("gaps", NOT_AVAILABLE))
            self.gaps_table.value = ""
            for slot in self.gaps_overview:
                slot.show(None)
            self.gaps_filtered.show(None)
            self.gaps_top.value = ""
            self.pillar.layout.display = "none"
            return
        self.pillar.layout.display = None
        notes = [gaps.framework_description(view.gaps), *gaps.withheld_notes(view.gaps)]
        self.gaps_note.value = (
            '<div class="wb-dash"><p>{}</p>'.format(html.escape(_(
                "How ready the country, its government bodies and its critical-infrastructure "
                "operators are.")))
            + "".join(f"<p>{html.escape(note)}</p>" for note in notes) + "</div>")
        self.gaps_table.value = ('<div class="wb-dash">' + table_html(
            gaps.headline_table(view.gaps), caption=N_("Capability gaps at a glance")).markup
            + "</div>")
        self.gaps_overview[0].show(figure_spec(gaps_charts.pillar_radar(view.gaps)))
        self.gaps_overview[1].show(figure_spec(gaps_charts.coverage_chart(view.gaps)))
        self._draw_gap_detail()

    def _draw_gap_detail(self) -> None:
        view = self.view
        chosen = filter_pillar(view.gaps, self.pillar.value or ALL_PILLARS)
        self.gaps_filtered.show(figure_spec(gaps_charts.gap_heatmap(chosen)))
        label = dict((v, k) for k, v in pillar_options(view.gaps)).get(self.pillar.value or ALL_PILLARS)
        self.gaps_top.value = '<div class="wb-dash">' + table_html(
            gaps.evidence_view(chosen.top_gaps, levels=view.gaps.levels),
            caption=_("Largest gaps, by the score points closing each would add ({pillar})").format(
                pillar=label.lower() if self.pillar.value in (None, ALL_PILLARS) else label),
        ).markup + "</div>"

    def _draw_roadmap(self) -> None:
        view = self.view
        roadmap = self.roadmap
        # Charts first: they are what a minister moving the slider waits for (read from
        # the server's grid with their plan, or drawn here from the plan). Redrawn for
        # another budget, a chart keeps the margins it has grown to for this country
        # and horizon: drawn once, and its plot does not shift.
        texts = [None if roadmap is None else self.cache.roadmap_chart(
                     view.code, float(self.budget_usd), int(self.horizon), index)
                 for index in range(ROADMAP_CHARTS)]
        self.roadmap_charts.show([None if text is None else json.loads(text) for text in texts],
                                 steady=f"{view.code}/{self.horizon}")
        if roadmap is None:
            self.roadmap_note.value = stage_note_html(
                N_("The business case"), view.problems.get("business_case", NOT_AVAILABLE))
            self.roadmap_table.value = ""
            self.plan_table.value = ""
        else:
            self.roadmap_note.value = '<div class="wb-dash"><p>{}</p></div>'.format(html.escape(_(
                "The best plan the yearly budget allows over the horizon. Move the budget or the "
                "horizon above to work it out again.")))
            self.roadmap_table.value = '<div class="wb-dash">' + table_html(
                business_case_tables.headline_figures(roadmap, catalogue_source=view.catalogue_source),
                caption=N_("The plan in brief")).markup + "</div>"
            self.plan_table.value = '<div class="wb-dash">' + table_html(
                business_case_tables.plan_table(roadmap, view.pillar_titles),
                caption=N_("Interventions in the plan")).markup + "</div>"
