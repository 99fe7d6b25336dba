"""The one place that makes contributed or harvested text safe.

Two jobs: reduce remote text (HTML or not) to clean plain text for records, and turn a
record's small Markdown subset into HTML that can never run as script (an nh3 allow-list with
an explicit URL-scheme allow-list: http, https, mailto only).
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from urllib.parse import urlsplit

import nh3

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset({"a", "p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "b", "i"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</?(p|br|div|li|h[1-6]|tr|ul|ol)\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\f\v]+")
_BLANKS = re.compile(r"\n{3,}")


def clean_text(value: object, max_len: int = 5000) -> str:
    """Remote text to safe plain text: tags dropped, entities decoded, controls removed, capped."""
    if value is None:
        return ""
    text = str(value)
    if "<" in text:
        # nh3 with no tags keeps only text; block ends become line breaks first.
        text = _BLOCK_END.sub("\n", text)
        text = nh3.clean(text, tags=set(), attributes={}, strip_comments=True)
        text = _TAG.sub("", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _BLANKS.sub("\n\n", text).strip()
    if len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return text


def clean_line(value: object, max_len: int = 300) -> str:
    """Like clean_text, on one line (titles, names)."""
    return " ".join(clean_text(value, max_len * 2).split())[:max_len]


def safe_url(value: object) -> str | None:
    """The URL if it is http(s) with a host and no credentials, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return url


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme not in SAFE_SCHEMES or value.strip().startswith("//"):
            return None
    return value


def clean_html(fragment: str) -> str:
    """Allow-listed HTML: a few inline and block tags, links with safe schemes only."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        attribute_filter=_attribute_filter,
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )


_MARKDOWN = threading.local()


def _markdown():
    """One Markdown converter per thread: creating one costs more than converting a description."""
    md = getattr(_MARKDOWN, "md", None)
    if md is None:
        import markdown

        md = _MARKDOWN.md = markdown.Markdown(extensions=[], output_format="html")
    return md


def markdown_to_html(text: str) -> str:
    """A record description (small Markdown subset) to sanitised HTML; raw HTML is shown as text."""
    escaped = html.escape(text, quote=False)  # raw HTML in a description is text, not markup
    rendered = _markdown().reset().convert(escaped)
    return clean_html(rendered)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~@&])")


def escape_markdown(value: object, max_len: int = 300) -> str:
    """One line of remote text made inert in Markdown (PR bodies, summaries) and in CI logs:
    no links, emphasis, HTML, @mentions, or `::` workflow commands survive."""
    return _MD_SPECIAL.sub(r"\\\1", clean_line(value, max_len)).replace("::", ":\\:")
