"""A student's notebook shown to an instructor is inert: sanitised markdown, outputs as text,
images only when their bytes are PNG or JPEG, nothing a browser would run or fetch."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import nbformat
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from app.services.notebook_view import TEXT_CHARS, markdown_html, view

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\0" * 32).decode()
SVG = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').decode()
INERT_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


class Active(HTMLParser):
    """Collects whatever in an HTML fragment could run, fetch or navigate somewhere unsafe."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in INERT_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or name in ("style", "srcset", "formaction"):
                self.found.append(f"{tag} {name}")
            elif name == "href" and not value.startswith(("https:", "http:", "mailto:")):
                self.found.append(f"href={value}")
            elif name == "src" and not value.startswith(("data:image/png;", "data:image/jpeg;")):
                self.found.append(f"src={value}")


def active(html: str) -> list[str]:
    parser = Active()
    parser.feed(html)
    return parser.found


def written(*cells: nbformat.NotebookNode) -> bytes:
    nb = new_notebook()
    nb.cells.extend(cells)
    return nbformat.writes(nb).encode()


def test_markdown_with_script_handlers_and_javascript_links_keeps_only_text():
    html = markdown_html(
        "# Title\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) [data](data:text/html,<b>x</b>) "
        '<a href="javascript:alert(1)">raw</a> <svg onload=alert(1)></svg>'
    )
    assert active(html) == [], html
    assert "<h1>Title</h1>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text


def test_links_to_the_web_stay_and_open_without_a_referrer():
    html = markdown_html("[docs](https://numpy.org/doc/)")
    assert 'href="https://numpy.org/doc/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_images_are_only_the_cells_own_png_or_jpeg_attachments():
    html = markdown_html(
        "![sketch](attachment:cell.png) ![fake](attachment:fake.png) "
        "![remote](https://tracker.example/pixel.png) ![inline](data:image/svg+xml;base64,"
        + SVG
        + ")",
        {"cell.png": {"image/png": PNG}, "fake.png": {"image/png": SVG}},
    )
    assert active(html) == [], html
    assert f'src="data:image/png;base64,{PNG}"' in html
    assert html.count("src=") == 1  # the fake, the remote and the SVG ones are left out
    assert "tracker.example" not in html


def test_outputs_are_text_and_html_or_javascript_outputs_are_only_named():
    cell = new_code_cell("show()")
    cell.outputs = [
        new_output("stream", name="stdout", text="loss 0.5\n"),
        new_output("display_data", data={"text/html": "<script>alert(1)</script>"}),
        new_output("display_data", data={"application/javascript": "alert(1)"}),
        new_output("display_data", data={"image/svg+xml": "<svg onload=alert(1)/>"}),
        new_output(
            "execute_result",
            data={"text/html": "<b>x</b>", "text/plain": "<b>x</b>"},
            execution_count=1,
        ),
    ]
    (shown,) = view(written(cell)).cells
    kinds = [(o.kind, o.name) for o in shown.outputs]
    assert kinds == [
        ("stream", "stdout"),
        ("withheld", "text/html"),
        ("withheld", "application/javascript"),
        ("withheld", "image/svg+xml"),
        ("text", ""),
    ]
    assert shown.outputs[0].text == "loss 0.5\n"
    assert shown.outputs[4].text == "<b>x</b>"  # text, to be escaped by the page


def test_an_image_output_is_embedded_only_when_its_bytes_are_png_or_jpeg():
    cell = new_code_cell("plot()")
    cell.outputs = [
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        new_output("display_data", data={"image/jpeg": JPEG}),
        new_output("display_data", data={"image/png": SVG, "text/plain": "<Figure 2>"}),
        new_output("display_data", data={"image/png": "not base64!!"}),
    ]
    outputs = view(written(cell)).cells[0].outputs
    assert outputs[0].kind == "image" and outputs[0].image.startswith("data:image/png;base64,")
    assert outputs[1].kind == "image" and outputs[1].image.startswith("data:image/jpeg;base64,")
    assert (outputs[2].kind, outputs[2].text) == ("text", "<Figure 2>")
    assert (outputs[3].kind, outputs[3].image) == ("withheld", "")


def test_tracebacks_lose_their_terminal_colours_and_keep_the_error_name():
    cell = new_code_cell("1/0")
    cell.outputs = [
        new_output(
            "error",
            ename="ZeroDivisionError",
            evalue="division by zero",
            traceback=["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
        )
    ]
    (output,) = view(written(cell)).cells[0].outputs
    assert (output.kind, output.name) == ("error", "ZeroDivisionError")
    assert output.text == "ZeroDivisionError: division by zero"


def test_a_flood_of_output_is_cut_and_the_rest_counted():
    cell = new_code_cell("print('x' * 10**6)")
    cell.outputs = [new_output("stream", name="stdout", text="x" * (TEXT_CHARS + 123))]
    (output,) = view(written(cell)).cells[0].outputs
    assert len(output.text) == TEXT_CHARS and output.cut == 123


def test_cells_are_numbered_from_one_over_every_cell_as_feedback_counts_them():
    data = written(new_markdown_cell("intro"), new_code_cell("x = 1"), new_code_cell("y = 2"))
    cells = view(data).cells
    assert [(c.number, c.kind) for c in cells] == [(1, "markdown"), (2, "code"), (3, "code")]
    assert cells[0].html == "<p>intro</p>\n"


def test_a_notebook_that_does_not_parse_gives_its_reason_not_an_error():
    broken = view(b'{"cells": [')
    assert broken.cells == () and broken.problem
    assert view(b"%PDF-1.4 ...").problem.startswith("the file is a PDF document")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["<", ">", "script", "img", " src=", "x", " onerror=", "alert(1)", "javascript:",
             "[", "](", ")", "!", "`", '"', "'", "svg", " onload=", "\n", "<a href=", "data:",
             "&", "#", "*", "iframe", "style", "=", "/"]
        ),
        max_size=40,
    )
)  # fmt: skip
def test_no_markdown_becomes_active_html(pieces: list[str]):
    assert active(markdown_html("".join(pieces))) == []


def test_relative_and_empty_links_lose_their_address():
    html = markdown_html("[empty]() [here](#part) [there](../signout) [out](https://numpy.org)")
    assert html.count("href=") == 1 and 'href="https://numpy.org"' in html
