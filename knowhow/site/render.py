"""Turning values into page text safely: the Jinja environment, URLs, labels and the page shell.

Every generated page is front matter we control plus ONE line of already-escaped HTML. Why one
line: Markdown preprocessors (fenced code, snippets) work on lines, so a description line that
starts with ``` or --8<-- could otherwise be reinterpreted; inside a single-line raw HTML block
nothing of the data ever starts a line. Why HTML and not Markdown: `attr_list` turns
`{: onmouseover=...}` into attributes and Markdown links accept `javascript:`; escaped HTML has
no such syntax. Why front matter is escaped here: themes insert `page.meta.title` unescaped.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, Undefined
from markupsafe import Markup

from ..registry import vocab
from ..registry.yamlio import dump
from ..sanitize import markdown_to_html, safe_url

# Front matter keys a generated page may carry; values are built here, never copied from data.
FRONT_KEYS = frozenset({"title", "description", "search", "hide"})
HIDE_VALUES = frozenset({"navigation", "toc", "footer", "path"})
# Controls, C1 controls (NEL is a YAML line break), line/paragraph separators, BOM.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


@lru_cache(maxsize=1)
def env() -> Environment:
    """The one Jinja environment for generated HTML; autoescape is always on."""
    e = Environment(loader=PackageLoader("knowhow.site", "templates"), autoescape=True,
                    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    from .techniques import technique_url as technique_page

    e.globals.update(technique_page=technique_page, ext=safe_url, label=label, country=country_name, technique=technique_label,
                     technique_url=technique_url, doi_url=doi_url, ext_link=ext_link, badges_html=badges_html)
    e.tests["given"] = given
    e.filters["field_label"] = field_label
    e.filters["path_breaks"] = path_breaks
    return e


def path_breaks(path: object) -> Markup:
    """A file path that may wrap after each '/' and nowhere inside a name (not at its hyphens), escaped."""
    parts = str(path or "").split("/")
    return Markup("/<wbr>").join(Markup('<span class="kh-nowrap">{}</span>').format(p) if "-" in p else p
                                 for p in parts)


# Provenance names fields as the model does (facts.latest_release); readers get words.
FIELD_LABELS = {"doi": "DOI", "license": "licence", "repository_license": "repository licence",
                "pypi_version": "PyPI version", "pypi_release_date": "PyPI release date", "url": "web page",
                "latest_release_date": "release date", "ror": "ROR id", "concept_doi": "concept DOI",
                "last_commit": "last commit", "open_issues": "open issues", "latest_record": "newest record",
                "embargo_years": "embargo", "github_orgs": "GitHub organisations", "also_listed": "also listed at"}


def field_label(name: object) -> str:
    """'facts.latest_release' -> 'latest release'; 'facts.citation.doi' -> 'citation DOI'."""
    parts = [p for p in str(name).split(".") if p != "facts"]
    return " ".join(FIELD_LABELS.get(p, p.replace("_", " ")) for p in parts) or str(name)


def given(value: Any) -> bool:
    """A field worth a row: present and not empty (0 and false are facts, so they count)."""
    return value is not None and value != "" and value != [] and value != {} and not isinstance(value, Undefined)


LINK_STATES = {
    "broken": ("broken", "link broken", "This link did not work at the last check."),
    "inconclusive": ("inconclusive", "link unverified", "The last check of this link was inconclusive."),
}


def ext_link(url: object, text: object = None, state: str | None = None) -> Markup:
    """A link to an outside page if the URL is http(s), else the value as text; plus its link badge."""
    safe = safe_url(url)
    if not safe:
        return Markup.escape(url or "")
    out = Markup('<a href="{}" rel="nofollow noopener">{}</a>').format(safe, text if text else url_text(safe))
    if state in LINK_STATES:
        key, label_text, title = LINK_STATES[state]
        out += Markup(' <span class="kh-badge kh-badge--{}" title="{}">{}</span>').format(key, title, label_text)
    return out


def url_text(url: str) -> str:
    """A URL as link text: without the scheme and a lone trailing slash (shorter, fewer breaks)."""
    short = re.sub(r"^https?://", "", url)
    return short[:-1] if short.endswith("/") and short.count("/") == 1 else short


def badges_html(badges: Iterable[Any]) -> Markup:
    """Badges (objects with key, text, title) as spans; the title explains the badge on hover."""
    return Markup(" ").join(
        Markup('<span class="kh-badge kh-badge--{}"{}>{}</span>').format(
            b.key, Markup(' title="{}"').format(b.title) if b.title else "", b.text) for b in badges)


def render(template: str, **context: Any) -> str:
    return env().get_template(template).render(**context)


def page(title: str, body: str, *, description: str = "", search: bool = True,
         hide: Iterable[str] = ()) -> str:
    """A complete Markdown page: allow-listed, escaped front matter and a one-line HTML block."""
    front: dict[str, Any] = {"title": escape_meta(title)}
    if description:
        front["description"] = escape_meta(description, 200)
    if not search:
        front["search"] = {"exclude": True}
    hidden = sorted(set(hide))
    if hidden:
        if not set(hidden) <= HIDE_VALUES:
            raise ValueError(f"unknown hide values {hidden}")
        front["hide"] = hidden
    if not set(front) <= FRONT_KEYS:
        raise ValueError(f"front matter keys {sorted(set(front) - FRONT_KEYS)} are not allow-listed")
    meta = dump(front)
    return f"---\n{meta}---\n\n{one_line(body)}\n"


def escape_meta(text: object, max_len: int = 300) -> str:
    """Text for front matter: one line, capped, HTML-escaped (themes print it raw).

    Not stripped of tags: a title '<b>x</b>' is shown as written, like everywhere else.
    """
    return html.escape(plain_line(text, max_len), quote=True)


def plain_line(text: object, max_len: int = 300) -> str:
    """Text as written on one line (controls and line breaks become spaces), capped; not escaped."""
    line = " ".join(_CONTROL.sub(" ", str(text or "")).split())
    return line if len(line) <= max_len else line[: max_len - 1] + "…"


def plain_text(text: object, max_len: int = 5000) -> str:
    """Text as written, line breaks kept, other controls removed, capped; not escaped."""
    out = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", str(text or "").replace("\r\n", "\n"))
    return out if len(out) <= max_len else out[: max_len - 1] + "…"


def one_line(fragment: str) -> str:
    """The HTML on one line: newlines become character references (same meaning in HTML).

    Our templates never break a line inside a tag and JSON-LD is written compactly, so every
    newline left is in a text node or an attribute value, where `&#10;` decodes to a newline.
    """
    body = fragment.strip().replace("\r\n", "\n").replace("\r", "\n").replace("\n", "&#10;")
    if not body.startswith("<div"):
        raise ValueError("a generated page body must be one <div> block")
    return body


# One line of words and plain punctuation has no Markdown or HTML in it: Python-Markdown would
# return it as one escaped paragraph. Skipping the converter for such text halves the cost of
# 10,000 record pages; tests check the shortcut gives exactly what markdown_to_html gives.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;:'\"?()/%=-]*")


def description_html(text: object) -> Markup:
    """A record description as sanitised HTML (the one sanitiser), marked safe for templates."""
    value = str(text or "")
    if _PLAIN.fullmatch(value) and "  " not in value and not value.endswith(" "):
        return Markup(f"<p>{value}</p>")
    return Markup(markdown_to_html(value))


def relurl(here: str, target: str) -> str:
    """Relative URL from the page at directory URL `here` to `target` (a directory URL or a file)."""
    base = here.rstrip("/") or "."
    if target.endswith("/") or target == "":
        rel = posixpath.relpath(target.rstrip("/") or ".", base)
        return "./" if rel == "." else rel + "/"
    return posixpath.relpath(target, base)


def record_url(kind: str, record_id: str) -> str:
    return f"{kind}/{record_id}/"


def label(vocab_name: str, value: object) -> str:
    """The display label of a controlled value (falls back to the value itself)."""
    table = getattr(vocab, vocab_name)
    return table.get(value, str(value)) if isinstance(value, str) else str(value)


def country_name(code: object) -> str:
    return vocab.countries().get(str(code), str(code)) if code else ""


def technique_label(term: object) -> str:
    return vocab.panet().get(str(term), str(term))


def technique_url(term: object) -> str:
    return f"http://purl.org/pan-science/PaNET/{term}"


def doi_url(doi: object) -> str | None:
    return safe_url(f"https://doi.org/{doi}") if doi else None


def script_json(data: Any) -> Markup:
    """JSON for inside a <script> element: nothing in the data can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(text)
