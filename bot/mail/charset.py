"""Turning mail bytes into text: declared charsets, charsets that lie, RFC 2047 words.

Japanese mail is the hard case. Mail programs declare `iso-2022-jp` but use NEC or
JIS X 0213 extensions (circled digits), declare `shift_jis` but mean Windows-31J, send raw
8-bit header text with no declaration at all, or name a charset Python has never heard of.
Every function here returns text and never raises.
"""

from __future__ import annotations

import binascii
import codecs

from bot.patterns import compile as compile_pattern
from bot.patterns import lazy_compile

# Declared names -> the codecs to try in order. The first entries are the real supersets
# that mail programs use under the declared name.
_CHAIN: dict[str, tuple[str, ...]] = {
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "_jis2004"),
    "iso-2022-jp-2": ("iso2022_jp_2", "iso2022_jp_ext", "_jis2004"),
    "iso-2022-jp-3": ("iso2022_jp_3", "iso2022_jp_2004", "_jis2004"),
    "csiso2022jp": ("iso2022_jp", "iso2022_jp_ext", "_jis2004"),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "shift-jis": ("cp932", "shift_jis_2004"),
    "sjis": ("cp932", "shift_jis_2004"),
    "x-sjis": ("cp932", "shift_jis_2004"),
    "ms_kanji": ("cp932",),
    "windows-31j": ("cp932",),
    "cp932": ("cp932",),
    "euc-jp": ("euc_jp", "euc_jis_2004", "cp932"),
    "x-euc-jp": ("euc_jp", "euc_jis_2004"),
    "eucjp": ("euc_jp", "euc_jis_2004"),
    "utf8": ("utf-8",),
    "unicode-1-1-utf-7": ("utf-7",),
    "ks_c_5601-1987": ("cp949",),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "us-ascii": ("utf-8",),  # the declaration is very often a lie: try UTF-8, then guess
    "ascii": ("utf-8",),
    "iso-8859-1": ("cp1252",),  # Windows programs write cp1252 under this name
    "latin1": ("cp1252",),
}

_ESC_JIS = b"\x1b$"


def _decode_jis2004(data: bytes) -> str:
    """ISO-2022-JP with NEC row-13 characters: read the JIS X 0208 runs as JIS X 0213 plane 1."""
    return data.replace(b"\x1b$B", b"\x1b$(Q").replace(b"\x1b$@", b"\x1b$(Q").decode("iso2022_jp_2004")


def _try(data: bytes, codec: str) -> str | None:
    try:
        if codec == "_jis2004":
            return _decode_jis2004(data)
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _guess_chain(data: bytes) -> tuple[str, ...]:
    if _ESC_JIS in data or b"\x1b(" in data:
        return ("iso2022_jp", "iso2022_jp_ext", "_jis2004")
    # EUC-JP before cp932: EUC pairs also decode as cp932 half-width kana, not the reverse.
    return ("utf-8", "euc_jp", "cp932")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset, then with what the bytes most likely are."""
    if not data:
        return ""
    # (bytes.find of one byte is a memchr; a two-byte search or `in` on bytes costs far more)
    if data.isascii() and (data.find(b"\x1b") < 0 or _ESC_JIS not in data):
        return data.decode("ascii")
    name = (charset or "").strip().strip("\"'").lower()
    chain: tuple[str, ...] = _CHAIN.get(name, ())
    if not chain and name:
        try:
            chain = (codecs.lookup(name).name,)
        except LookupError:
            chain = ()
    for codec in (*chain, *_guess_chain(data)):
        text = _try(data, codec)
        if text is not None:
            return text
    first = chain[0] if chain and not chain[0].startswith("_") else "utf-8"
    try:
        return data.decode(first, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def decode_surrogates(value: str) -> str:
    """Header text read by the email package with raw 8-bit bytes (surrogate escapes)."""
    if value.isascii():
        if "\x1b" in value:
            return decode_bytes(value.encode("ascii"), "iso-2022-jp")
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_bytes(raw)


# Compiled on first use: most headers are plain text, and a run may meet no encoded word at all.
_ENCODED_WORD = lazy_compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = lazy_compile(r"[ \t\r\n]+")  # a whole gap (fullmatch)
_FOLD = lazy_compile(r"\r?\n[ \t]?")


def _word_bytes(encoding: str, payload: str) -> bytes:
    # binascii directly: it is what base64.b64decode and quopri.decodestring call, and a run
    # then imports neither module (with struct, a few milliseconds).
    if encoding in "bB":
        padded = payload + "=" * (-len(payload) % 4)
        try:
            return binascii.a2b_base64(padded)
        except (binascii.Error, ValueError):
            try:
                return binascii.a2b_base64(payload[: len(payload) // 4 * 4])
            except (binascii.Error, ValueError):
                return payload.encode("ascii", "replace")
    return binascii.a2b_qp(payload.replace("_", " ").encode("ascii", "replace"), header=True)


def _unfold(value: str) -> str:
    """_FOLD.sub(" ", value) without the regular expression (a line end and at most one blank
    after it become one space), several times faster on short header values. (No replace makes
    a line end, nor a blank after one: each line end goes with the blank that follows it.)"""
    if "\r" in value:
        value = value.replace("\r\n", "\n")
    return value.replace("\n ", " ").replace("\n\t", " ").replace("\n", " ")


_LINE_END = compile_pattern(r"\n[ \t]?")


def decode_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """decode_header over (name, value) pairs; plain values (most) without a call."""
    if not fields:
        return []
    joined = "\0".join([v for _, v in fields])
    # Most blocks: plain ASCII, nothing encoded, "\n" line ends. Only the folded values (a few
    # Received lines) need unfolding; the rest is stripping. ("?" first: a one-character test
    # is a memchr, "=?" a slower two-character search.)
    plain = joined.isascii() and "\x1b" not in joined and ("?" not in joined or "=?" not in joined)
    if plain and "\r" not in joined:
        return [(k, (_unfold(v) if "\n" in v else v).strip()) for k, v in fields]
    # Otherwise the values, joined by NUL, are unfolded with one C-level pass (as decode_header
    # and _unfold do value by value) and split again; plain ones need nothing more than stripping.
    names, values = zip(*fields, strict=True)
    if "\n" in joined:
        if "\r" in joined:
            joined = joined.replace("\r\n", "\n")
        joined = _LINE_END.sub(" ", joined)
    unfolded = joined.split("\0")
    if len(unfolded) != len(values):  # a value held a NUL
        unfolded = [_LINE_END.sub(" ", v.replace("\r\n", "\n")) for v in values]
    if plain:  # (unfolding changes neither what is ASCII nor the "=?" and ESC marks)
        return list(zip(names, map(str.strip, unfolded), strict=True))
    return [
        (k, v.strip() if v.isascii() and "=?" not in v and "\x1b" not in v else decode_header(v))
        for k, v in zip(names, unfolded, strict=True)
    ]


def decode_header(value: str) -> str:
    """Unfold a header value and decode RFC 2047 words (also malformed ones) and raw 8-bit text."""
    if value.isascii() and ("?" not in value or "=?" not in value) and "\x1b" not in value:
        # most header values: nothing to decode, perhaps lines to unfold
        return (_unfold(value) if "\n" in value else value).strip()
    if "\n" in value:
        value = _FOLD.sub(" ", value)
    value = decode_surrogates(value)
    if "=?" not in value:
        return value.strip()
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_cs = ""
    pos = 0
    between_words = _BETWEEN_WORDS.fullmatch
    for m in _ENCODED_WORD.finditer(value):
        gap = value[pos : m.start()]
        charset = m.group(1).split("*", 1)[0]
        word = _word_bytes(m.group(2), m.group(3))
        if (gap and not between_words(gap)) or (pending and charset.lower() != pending_cs):
            if pending:
                out.append(decode_bytes(bytes(pending), pending_cs))
                pending = bytearray()
            if gap and not between_words(gap):
                out.append(gap)
        # Adjacent words of one charset are joined as bytes first: ISO-2022-JP and UTF-8
        # sequences are often split across words.
        pending += word
        pending_cs = charset.lower()
        pos = m.end()
    if pending:
        out.append(decode_bytes(bytes(pending), pending_cs))
    out.append(value[pos:])
    return "".join(out).strip()
