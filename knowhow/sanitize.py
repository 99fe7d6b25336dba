"""The one place that makes contributed or harvested text safe.

Two jobs: reduce remote text (HTML, escaped HTML or plain) to clean plain text or the
Markdown subset for records (`html_to_text`, the only way harvested text enters one), and turn a
record's small Markdown subset into HTML that can never run as script (an nh3 allow-list with
an explicit URL-scheme allow-list: http, https, mailto only).
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset({"a", "p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "b", "i"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

_SPACES = re.compile(r"[ \t\f\v]+")
_BLANKS = re.compile(r"\n{3,}")
# A complete tag (`<p>`, `<a href=..>`, `</li>`, `<br/>`, a comment); `a < b` and `x<y` are text.
_TAG_LIKE = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9-]*(?:[\s/][^<>]*)?|/[a-zA-Z][a-zA-Z0-9-]*\s*|!--.*?--|![a-zA-Z][^<>]*)>",
                       re.S)
_STRAY_LT = re.compile(r"<(?![a-zA-Z][a-zA-Z0-9-]*[\s/>]|/[a-zA-Z][a-zA-Z0-9-]*\s*>|!)")
_ESCAPED_TAG = re.compile(r"&(?:amp;)*(?:lt|#0*60|#x0*3c);\s*/?[a-zA-Z!]", re.I)
_HTML_BLOCK = re.compile(r"<\s*/?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote|section|article)\b", re.I)
MAX_ROUNDS = 5  # decode-and-strip rounds: triple-escaped HTML is the worst seen in the wild
MAX_INPUT = 200_000  # characters looked at; anything longer is cut before parsing

# Elements whose content is never text (and never kept): scripts, styles, embedded documents.
_DROPPED = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object", "embed",
                      "svg", "math", "select", "textarea", "button"})
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "h1", "h2",
                     "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre", "dl", "dt", "dd", "figure",
                     "figcaption", "hr", "address", "details", "summary"})


# Line and paragraph separators become line breaks; blank-looking letters (Hangul fillers,
# the braille blank) are removed with the invisible characters.
_BREAKS = {"\u2028": "\n", "\u2029": "\n\n", "\u0085": "\n", "\r": "\n", "\x0b": "\n", "\x0c": "\n"}
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _unusual(ch: str) -> str:
    if ch in _BREAKS:
        return _BREAKS[ch]
    if ch in _BLANK_LETTERS:
        return ""
    # Not printable: controls, format characters (zero-width, bidi, soft hyphen, BOM), private use,
    # unassigned; other spaces (no-break, thin, ideographic) become a plain space.
    return " " if unicodedata.category(ch) == "Zs" else ""


def _visible(text: str) -> str:
    """Invisible and separator characters removed or turned into plain spaces and line breaks."""
    text = text.replace("\r\n", "\n")
    if text.replace("\n", "").replace("\t", "").isprintable() and not _BLANK_LETTERS.intersection(text):
        return text  # the common case, checked in C
    return "".join(ch if (ch.isprintable() and ch not in _BLANK_LETTERS) or ch in "\n\t" else _unusual(ch)
                   for ch in text)


class _TextParser(HTMLParser):
    """HTML to text with its structure: paragraphs and list items as lines, links and emphasis
    as Markdown when asked; scripts, styles and everything else dropped."""

    def __init__(self, markdown: bool, html_whitespace: bool):
        super().__init__(convert_charrefs=True)
        self.markdown = markdown
        self.html_whitespace = html_whitespace  # collapse source line breaks, as a browser would
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.lists: list[list[int]] = []  # per open list: [ordered, next number]
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in ("ul", "ol"):
            self.out.append("\n" if self.lists else "\n\n")  # a nested list stays inside its item
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            indent = "  " * max(len(self.lists) - 1, 0)
            mark = "- "
            if self.lists and self.lists[-1][0]:
                mark = f"{self.lists[-1][1]}. "
                self.lists[-1][1] += 1
            ends_line = bool(self.out) and self.out[-1].endswith("\n")
            self.out.append(("" if ends_line else "\n") + indent + mark)
        elif tag in _BLOCKS:
            self.pre += tag == "pre"
            self.out.append("\n\n")
        elif self.markdown and tag in ("strong", "b"):
            self.out.append("**")
        elif self.markdown and tag in ("em", "i"):
            self.out.append("*")
        elif self.markdown and tag == "a":
            href = safe_url(dict(attrs).get("href") or "")
            self.links.append(href)
            if href:
                self.out.append("[")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROPPED:
            self.handle_starttag(tag, attrs)
            if tag in ("a", "strong", "b", "em", "i"):
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.out.append("\n" if self.lists else "\n\n")
        elif tag in _BLOCKS:
            self.pre = max(0, self.pre - (tag == "pre"))
            self.out.append("\n\n")
        elif self.markdown and tag in ("strong", "b"):
            self.out.append("**")
        elif self.markdown and tag in ("em", "i"):
            self.out.append("*")
        elif self.markdown and tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f"]({href})")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.html_whitespace and not self.pre:
            data = re.sub(r"\s+", " ", data)
        self.out.append(data)

    def text(self) -> str:
        self.close()
        return "".join(self.out)


def _strip_once(text: str, markdown: bool) -> str:
    """One round: parse the HTML in text (entities decoded once), or decode entities when there is none."""
    if not _TAG_LIKE.search(text):
        return html.unescape(text)
    parser = _TextParser(markdown, html_whitespace=bool(_HTML_BLOCK.search(text)))
    try:
        parser.feed(_STRAY_LT.sub("&lt;", text))  # a `<` that opens no tag is text, not a tag cut short
        return parser.text()
    except Exception:  # html.parser is lenient; anything it still rejects loses its tags by regex
        return html.unescape(_TAG_LIKE.sub(" ", text))


def html_to_text(value: object, max_len: int = 5000, *, markdown: bool = False) -> str:
    """Remote HTML, escaped HTML or plain text to safe plain text (or, with `markdown`, the
    project's Markdown subset: links and emphasis kept as Markdown).

    Entities are decoded and tags stripped until the text is stable (at most MAX_ROUNDS
    rounds, so `&amp;lt;p&amp;gt;` loses its tags too); paragraphs and list items stay as blank
    lines and `- ` lines; styles and scripts go with their content; invisible, control and
    separator characters (zero-width, bidi, U+2028, U+2029) become nothing, spaces or line
    breaks. The result is capped at max_len characters.
    """
    if value is None:
        return ""
    text = str(value)[:MAX_INPUT]
    # Another round only when the last one decoded escaped tags (`&lt;p&gt;` became `<p>`): a plain
    # `x<y and 5 &gt; 3` is decoded once and left alone.
    escaped = bool(_ESCAPED_TAG.search(text))
    text = _strip_once(text, markdown)
    rounds = 1
    while escaped and rounds < MAX_ROUNDS:
        escaped = bool(_ESCAPED_TAG.search(text))
        stripped = _strip_once(text, markdown)
        rounds += 1
        if stripped == text:
            break
        text = stripped
    if escaped:
        text = _TAG_LIKE.sub("", text)  # still escaped after the last round: no tag survives as text
    text = _visible(unicodedata.normalize("NFC", text))
    text = "\n".join(_line(line) for line in text.split("\n"))
    text = _BLANKS.sub("\n\n", text).strip()
    if len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return text


_NESTED_ITEM = re.compile(r"^( {2,})(?:- |\d+\. )")


def _line(line: str) -> str:
    """One line with its spaces collapsed; a nested list item keeps its indent."""
    m = _NESTED_ITEM.match(line)
    indent = " " * (len(m.group(1)) // 2 * 2) if m else ""
    return indent + _SPACES.sub(" ", line).strip()


def clean_text(value: object, max_len: int = 5000) -> str:
    """Remote text to safe plain text (see html_to_text)."""
    return html_to_text(value, max_len)


def clean_markdown(value: object, max_len: int = 5000) -> str:
    """Remote text to the project's safe Markdown subset (descriptions; see html_to_text)."""
    return html_to_text(value, max_len, markdown=True)


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
