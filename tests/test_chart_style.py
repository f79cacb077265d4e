"""Wrapped chart subtitles and money axis ticks."""

from __future__ import annotations

import inspect
import math

import plotly.graph_objects as go
import plotly.io as pio

from workbench import chart_style, gaps_charts, impact_charts, index_page, roadmap_charts


def test_wrap_breaks_at_spaces_and_keeps_long_words_whole():
    text = "alpha beta gamma delta"
    assert chart_style.wrap_lines(text, 11) == ["alpha beta", "gamma delta"]
    assert chart_style.wrap(text, 11) == "alpha beta<br>gamma delta"
    assert chart_style.wrap_lines("https://example.org/a-very-long-address x", 10) == [
        "https://example.org/a-very-long-address", "x"]
    assert chart_style.wrap_lines("") == []


def test_title_layout_leaves_room_for_every_line():
    _, one = chart_style.title_layout("Title", "short")
    block, three = chart_style.title_layout("Title<br>second line", "word " * 50)
    # 250 characters at 100 a line: three subtitle lines, two title lines.
    assert block["subtitle"]["text"].count("<br>") == 2
    assert three - one == chart_style.TITLE_LINE_PX + 2 * chart_style.SUBTITLE_LINE_PX
    assert block["yanchor"] == "top" and block["pad"]["t"] > chart_style.TITLE_PAD_PX


def test_usd_ticks_are_round_and_inside_the_range():
    # 95m to 215m: a span of 120m over about 5 ticks -> a step of 25m (24m rounded up).
    values, labels = chart_style.usd_ticks(95e6, 215e6)
    assert values == [100e6, 125e6, 150e6, 175e6, 200e6]
    assert labels == ["USD 100m", "USD 125m", "USD 150m", "USD 175m", "USD 200m"]
    # Billions read "bn", never plotly's "G".
    values, labels = chart_style.usd_ticks(0.9e9, 1.45e9)
    assert labels == ["USD 1bn", "USD 1.2bn", "USD 1.4bn"]
    assert chart_style.usd_ticks(5.0, 5.0) == ([5.0], ["USD 5"])
    assert chart_style.usd_ticks(400.0, 100.0)[0] == [100.0, 200.0, 300.0, 400.0]
    assert chart_style.usd_ticks(math.nan, 1.0) == ([], [])


def test_wrap_with_tail_keeps_the_tail_whole():
    # "aaaa bbbb" fits 12 characters; " · x y" would make it 15: the tail gets its own line.
    assert chart_style.wrap_with_tail("aaaa bbbb", "x y", 12) == ["aaaa bbbb", "x y"]
    assert chart_style.wrap_with_tail("aaaa", "x y", 12) == ["aaaa · x y"]
    assert chart_style.wrap_with_tail("", "x y", 12) == ["x y"]
    assert chart_style.wrap_with_tail("aaaa", "", 12) == ["aaaa"]
    block, _ = chart_style.title_layout("T", ["one", "two"])
    assert block["subtitle"]["text"] == "one<br>two"


def test_wrap_never_splits_a_date():
    lines = chart_style.wrap_lines("data period 1 Jan 2025 to 31 Dec 2025", 20)
    assert lines == ["data period", "1\u00a0Jan\u00a02025 to", "31\u00a0Dec\u00a02025"]


def test_the_house_template_is_plotly_white_for_everything_the_charts_draw() -> None:
    house = pio.templates[chart_style.TEMPLATE].to_plotly_json()
    white = pio.templates["plotly_white"].to_plotly_json()
    assert house["layout"] == {k: v for k, v in white["layout"].items()
                               if k not in ("geo", "scene", "ternary", "mapbox", "map")}
    assert "polar" in house["layout"]  # the capability radar
    assert house["data"] == {k: white["data"][k] for k in chart_style.TRACE_TYPES}
    # Every trace type a chart module draws has its plotly_white look.
    drawn = {name.lower() for module in (gaps_charts, impact_charts, index_page, roadmap_charts)
             for name in dir(go) if f"go.{name}(" in inspect.getsource(module)} - {"figure"}
    assert drawn <= set(house["data"])
