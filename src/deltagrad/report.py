"""One self-contained HTML page: sections of text, tables and figures (images embedded).

The page is built from plain data: a list of :class:`Section` objects, each with paragraphs,
:class:`Table` objects and :class:`FigureRef` objects (an image file and its caption). Images are
embedded as base64 data URIs, so the single file can be mailed or opened anywhere.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from deltagrad._files import write_text

_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}

_CSS = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1160px; padding: 1rem 1.5rem 4rem; line-height: 1.5; color: #1d1d1f;
       overflow-wrap: break-word; }
p, .meta { max-width: 46rem; }
p code { overflow-wrap: anywhere; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem;
     margin-top: 2.2rem; }
figure { margin: 1.2rem 0; text-align: center; }
figure .zoom { display: inline-block; max-width: 100%; padding: 0; border: 0;
               background: none; cursor: zoom-in; font: inherit; color: inherit; }
figure .zoom img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figure .zoom::after { content: "⤢ click for full size"; display: block; text-align: right;
                      font-size: 0.75rem; color: #666; line-height: 1.4; }
figure .zoom:focus-visible { outline: 2px solid #0a58ca; outline-offset: 2px; }
figcaption { font-size: 0.92rem; color: #444; margin: 0.3rem auto 0; max-width: 46rem; }
.table-wrap { overflow-x: auto; margin: 0.8rem 0; max-width: 100%; }
.table-wrap:focus-visible { outline: 2px solid #0a58ca; }
.scroll-hint { display: none; font-size: 0.8rem; color: #555; margin: 0.8rem 0 -0.6rem; }
.scroll-hint.shown { display: block; }
table { border-collapse: separate; border-spacing: 0; font-size: 0.88rem;
        font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; border-width: 0 1px 1px 0; padding: 0.25rem 0.55rem;
         text-align: right; white-space: nowrap; background: #fff; }
tr > :first-child { border-left-width: 1px; }
thead tr > * { border-top-width: 1px; }
th { background: #f5f5f7; white-space: normal; vertical-align: bottom; }
th.text, td.text { text-align: left; }
td.wrap { white-space: normal; min-width: 9rem; max-width: 22rem; }
@media (max-width: 600px) { td.wrap { min-width: 7rem; max-width: 11rem; } }
td:first-child, th:first-child { position: sticky; left: 0; z-index: 1; }
.table-wrap.scrolls td:first-child, .table-wrap.scrolls th:first-child {
    box-shadow: 3px 0 4px -2px rgba(0, 0, 0, 0.25); }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3rem;
          position: sticky; left: 0; max-width: calc(100vw - 2rem); }
.meta { color: #555; font-size: 0.9rem; }
.ok { color: #0a7d28; font-weight: 600; } .bad { color: #b00020; font-weight: 600; }
nav ul { columns: 2 18rem; column-gap: 2rem; font-size: 0.95rem; padding-left: 1.2rem; }
nav li { break-inside: avoid; }
nav a { display: inline-block; max-width: 100%; white-space: nowrap; overflow: hidden;
        text-overflow: ellipsis; vertical-align: top; }
@media (max-width: 600px) { body { padding: 0.75rem 0.9rem 3rem; } h1 { font-size: 1.45rem; }
                            h2 { font-size: 1.2rem; } }
.lightbox { position: fixed; inset: 0; z-index: 10; overflow: auto; overscroll-behavior: contain;
            background: rgba(20, 20, 20, 0.96); }
.lightbox[hidden] { display: none; }
.lightbox .stage { display: flex; flex-direction: column; min-width: 100%; min-height: 100%;
                   width: max-content; padding: 2.8rem 0.5rem 4rem; }
.lightbox img { display: block; margin: auto; max-width: none; background: #fff; }
.lightbox p { position: fixed; left: 0; right: 0; bottom: 0; margin: 0; z-index: 11;
              padding: 0.4rem 0.8rem; font-size: 0.9rem; text-align: center; color: #eee;
              background: rgba(20, 20, 20, 0.85); }
.lightbox .close { position: fixed; top: 0.4rem; right: 0.6rem; z-index: 11; font-size: 1.6rem;
                   line-height: 1; padding: 0.2rem 0.6rem; border: 0; border-radius: 0.3rem;
                   background: #fff; color: #111; cursor: pointer; }
"""

# A figure opens at full size (its natural pixel size, scrollable) in an overlay on click, or on
# Enter/Space; Escape, the close button or a click beside the image closes it. Tables wider than
# their box get a shadowed first column and a hint that they scroll sideways.
_SCRIPT = """
(function () {
  var box = document.getElementById("lightbox"), big = document.createElement("img"),
      text = box.querySelector("p"), close = box.querySelector(".close"), opener = null;
  box.querySelector(".stage").prepend(big);
  function shut() {
    box.hidden = true; big.removeAttribute("src"); document.body.style.overflow = "";
    if (opener) { opener.focus(); }
  }
  document.querySelectorAll("figure .zoom").forEach(function (button) {
    button.addEventListener("click", function () {
      var img = button.querySelector("img"), cap = button.parentNode.querySelector("figcaption");
      opener = button; big.src = img.src; big.alt = img.alt;
      text.textContent = cap ? cap.textContent : "";
      box.hidden = false; box.scrollTo(0, 0); document.body.style.overflow = "hidden";
      close.focus();
    });
  });
  close.addEventListener("click", shut);
  box.addEventListener("click", function (e) { if (e.target !== big) { shut(); } });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !box.hidden) { shut(); }
  });
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (w) {
      var scrolls = w.scrollWidth > w.clientWidth + 1;
      w.classList.toggle("scrolls", scrolls);
      w.previousElementSibling.classList.toggle("shown", scrolls);
    });
  }
  mark(); window.addEventListener("resize", mark);
})();
"""

_LIGHTBOX = (
    '<div id="lightbox" class="lightbox" role="dialog" aria-modal="true" '
    'aria-label="Figure at full size" hidden><button type="button" class="close" '
    'aria-label="Close">×</button><div class="stage"><p></p></div></div>'
)


@dataclass
class Table:
    """A table: a caption, column names and rows of cells (numbers are formatted)."""

    caption: str
    header: list[str]
    rows: list[list]
    digits: int = 6


@dataclass
class FigureRef:
    """An image file shown with its caption (e.g. "Figure 7-2: the sigmoid and its derivative")."""

    path: Path
    caption: str


@dataclass
class Section:
    """A titled part of the report."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    anchor: str = ""
    nav: str = ""  # a short label for the page's navigation (default: the title)


_BINDING = re.compile(r" = (?=[-+]?[\d.])")  # "x = 1.3": never split across lines


def _cell(value, digits: int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return _BINDING.sub("\u00a0=\u00a0", html.escape(str(value)))


_WRAP_TEXT = 24  # text cells longer than this may wrap (formulas, points); numbers never do
_TEXT = ' class="text"'


_NUMERIC = re.compile(r"[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s?%?")


def _is_number(value) -> bool:
    """Numbers, and text that is one ("97.67%", "1,400"): aligned right, as figures."""
    if isinstance(value, str):
        return bool(_NUMERIC.fullmatch(value.strip()))
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _td(value, digits: int, text_column: bool) -> str:
    classes = " ".join(
        c
        for c, on in (
            ("text", text_column),
            ("wrap", isinstance(value, str) and len(value) > _WRAP_TEXT),
        )
        if on
    )
    cls = f' class="{classes}"' if classes else ""
    return f"<td{cls}>{_cell(value, digits)}</td>"


def _table(t: Table) -> str:
    # a column of text (formulas, points, names) reads from the left; numbers align right
    text = [
        not all(_is_number(row[j]) for row in t.rows if j < len(row)) for j in range(len(t.header))
    ]
    head = "".join(
        f'<th scope="col"{_TEXT if text[j] else ""}>{html.escape(h)}</th>'
        for j, h in enumerate(t.header)
    )
    body = "".join(
        "<tr>"
        + "".join(_td(c, t.digits, j < len(text) and text[j]) for j, c in enumerate(row))
        + "</tr>"
        for row in t.rows
    )
    label = html.escape(t.caption, quote=True)
    return (
        '<p class="scroll-hint" aria-hidden="true">↔ Scroll the table sideways for its '
        f'other columns</p><div class="table-wrap" role="region" aria-label="{label}" '
        f'tabindex="0"><table><caption>{html.escape(t.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _figure(f: FigureRef) -> str:
    path = Path(f.path)
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"report: cannot embed {path.name}: unknown image type {path.suffix!r}")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = html.escape(f.caption)
    return (
        f'<figure><button type="button" class="zoom" title="Open at full size">'
        f'<img src="data:{mime};base64,{data}" alt="{caption}"></button>'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _anchor(section: Section, i: int) -> str:
    return section.anchor or f"s{i}"


def render(title: str, sections: list[Section], meta: list[str]) -> str:
    """The whole page as a string."""
    nav = "".join(
        f'<li><a href="#{_anchor(s, i)}" title="{html.escape(s.title)}">'
        f"{html.escape(s.nav or s.title)}</a></li>"
        for i, s in enumerate(sections)
    )
    parts = [
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "".join(f'<p class="meta">{m}</p>' for m in meta),
        f"<nav><ul>{nav}</ul></nav>",
    ]
    for i, s in enumerate(sections):
        parts.append(f'<section id="{_anchor(s, i)}"><h2>{html.escape(s.title)}</h2>')
        parts.extend(f"<p>{p}</p>" for p in s.paragraphs)
        parts.extend(_table(t) for t in s.tables)
        parts.extend(_figure(f) for f in s.figures)
        parts.append("</section>")
    parts.append(_LIGHTBOX)
    parts.append(f"<script>{_SCRIPT}</script>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write(path, title: str, sections: list[Section], meta: list[str]) -> Path:
    """Render the page and write it to ``path``."""
    path = Path(path)
    write_text(path, render(title, sections, meta))
    return path
