"""Counting and fitting SMS text honestly (3GPP TS 23.038 GSM 7-bit and UCS-2).

An SMS is billed per part. With the GSM 7-bit default alphabet a single part holds 160
septets and each part of a concatenated message 153 (the user data header takes 7); the
characters of the extension table (``{ } [ ] ~ | ^ € \\``, form feed) cost two septets and
may not be split across parts. One character outside the alphabet turns the whole message
into UCS-2: 70 UTF-16 code units alone, 67 per part, surrogate pairs never split.

French loses a lot here: é è ù à are in the GSM alphabet but ê â î ô û ç œ are not, so a
single "être" would triple the cost. :func:`fold_to_gsm` replaces those with their plain
letters (``ê`` -> ``e``) so alerts stay cheap and readable; callers can turn that off.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM_BASIC)
_EXTENSION = frozenset(GSM_EXTENSION)

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

_FOLD = {
    "â": "a", "ê": "e", "ë": "e", "î": "i", "ï": "i", "ô": "o", "û": "u", "ÿ": "y",
    "ç": "c", "á": "a", "í": "i", "ó": "o", "ú": "u", "ã": "a", "õ": "o",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Ù": "U",
    "Û": "U", "Ÿ": "Y", "Á": "A", "Í": "I", "Ó": "O", "Ú": "U",
    "œ": "oe", "Œ": "OE",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'",
    "…": "...", "–": "-", "—": "-", "‑": "-", "•": "-", "·": ".",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
}


@dataclass(frozen=True)
class SmsCount:
    """How a text would travel: encoding, number of parts, units used (septets or UTF-16)."""

    encoding: str  # "GSM-7" or "UCS-2"
    parts: int
    units: int


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def fold_to_gsm(text: str) -> str:
    """Replace characters outside the GSM alphabet by their nearest plain equivalent.

    Characters with no equivalent (Arabic, emoji...) are kept: the message then goes as
    UCS-2, which is correct, only dearer.
    """
    return "".join(_FOLD.get(ch, ch) for ch in text)


def _pack(costs: list[int], single: int, multi: int) -> int:
    """Parts needed when units of the given costs may not be split across parts."""
    total = sum(costs)
    if total <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            parts += 1
            used = 0
        used += cost
    return parts


def count_sms(text: str) -> SmsCount:
    """Encoding, parts and units for ``text`` exactly as a GSM network would send it."""
    if is_gsm7(text):
        costs = [2 if ch in _EXTENSION else 1 for ch in text]
        return SmsCount("GSM-7", _pack(costs, GSM_SINGLE, GSM_MULTI), sum(costs))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsCount("UCS-2", _pack(costs, UCS2_SINGLE, UCS2_MULTI), sum(costs))


def fit_sms(candidates: list[str], *, max_parts: int = 2, keep_tail: str = "", fold: bool = True) -> str:
    """The richest candidate text that fits in ``max_parts`` parts.

    ``candidates`` go from fullest to shortest. When even the last is too long it is cut
    at a word boundary with "..." and ``keep_tail`` (e.g. the acknowledgement link) is kept
    whole at the end, because a message without its link cannot be acknowledged.
    """
    if max_parts < 1:
        raise ValueError(f"max_parts must be >= 1, got {max_parts}")
    prepared = [fold_to_gsm(c) if fold else c for c in candidates if c]
    tail = fold_to_gsm(keep_tail) if fold else keep_tail
    for text in prepared:
        if count_sms(text).parts <= max_parts:
            return text
    base = prepared[-1] if prepared else ""
    if tail and base.endswith(tail):
        base = base[: -len(tail)].rstrip()
    suffix = ("... " + tail) if tail else "..."
    words = base.split(" ")
    while words:
        text = " ".join(words).rstrip(" ,;:.") + suffix
        if count_sms(text).parts <= max_parts:
            return text
        words.pop()
    if count_sms(tail).parts <= max_parts:
        return tail
    raise ValueError(f"even the text '{tail[:40]}' needs more than {max_parts} SMS parts")
