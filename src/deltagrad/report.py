"""One self-contained HTML page: sections of text, tables and figures (images embedded).

The page is built from plain data: a list of :class:`Section` objects, each with paragraphs,
:class:`Table` objects and :class:`FigureRef` objects (an image file and its caption). Images are
embedded as base64 data URIs, so the single file can be mailed or opened anywhere.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from deltagrad._files import write_text

_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1000px; padding: 1rem 1.5rem 4rem; line-height: 1.5; color: #1d1d1f; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
figure { margin: 1.2rem 0; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.92rem; color: #444; margin-top: 0.3rem; }
.table-wrap { overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.88rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.55rem; text-align: right; white-space: nowrap; }
th { background: #f5f5f7; }
td:first-child, th:first-child { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
.meta { color: #555; font-size: 0.9rem; }
.ok { color: #0a7d28; font-weight: 600; } .bad { color: #b00020; font-weight: 600; }
nav ul { columns: 2; font-size: 0.95rem; }
"""


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


def _cell(value, digits: int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return html.escape(str(value))


def _table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c, t.digits)}</td>" for c in row) + "</tr>"
                   for row in t.rows)
    return (f'<div class="table-wrap"><table><caption>{html.escape(t.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _figure(f: FigureRef) -> str:
    path = Path(f.path)
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"report: cannot embed {path.name}: unknown image type {path.suffix!r}")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = html.escape(f.caption)
    return (f'<figure><img src="data:{mime};base64,{data}" alt="{caption}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _anchor(section: Section, i: int) -> str:
    return section.anchor or f"s{i}"


def render(title: str, sections: list[Section], meta: list[str]) -> str:
    """The whole page as a string."""
    nav = "".join(f'<li><a href="#{_anchor(s, i)}">{html.escape(s.title)}</a></li>'
                  for i, s in enumerate(sections))
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             "".join(f'<p class="meta">{m}</p>' for m in meta),
             f"<nav><ul>{nav}</ul></nav>"]
    for i, s in enumerate(sections):
        parts.append(f'<section id="{_anchor(s, i)}"><h2>{html.escape(s.title)}</h2>')
        parts.extend(f"<p>{p}</p>" for p in s.paragraphs)
        parts.extend(_table(t) for t in s.tables)
        parts.extend(_figure(f) for f in s.figures)
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write(path, title: str, sections: list[Section], meta: list[str]) -> Path:
    """Render the page and write it to ``path``."""
    path = Path(path)
    write_text(path, render(title, sections, meta))
    return path
