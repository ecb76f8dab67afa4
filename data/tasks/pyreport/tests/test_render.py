from pyreport.render import render_html, render_markdown, render_rows


def test_render_html_has_title():
    html = render_html("Q1 by region", {"north": 10.0})
    assert "<h1>Q1 by region</h1>" in html


def test_render_html_paginates():
    totals = {f"g{i}": float(i) for i in range(7)}
    html = render_html("paged", totals, page_size=3)
    assert html.count("<table>") == 3


def test_render_markdown_pipe_table():
    md = render_markdown("Summary", {"east": 1234.5}, currency="EUR")
    assert "| east" in md
    assert "1,234.50 EUR" in md


def test_render_rows_plain():
    out = render_rows([("a", 1), ("b", 2)], headers=["k", "v"])
    assert out.splitlines()[0].split() == ["k", "v"]
