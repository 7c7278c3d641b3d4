"""Masking of personal data in what customers type, before anything of it is stored.

Customers paste their e-mail address, phone number, order number or a reset link into a search box
or a feedback comment. The analytics store keeps the question, never those: each is replaced by a
placeholder that still tells a reader what kind of thing was there.

    [url]     a web address (reset links and tracking pages carry tokens and order ids)
    [email]   an e-mail address
    [date]    a date with its year (2024-05-12, 12/05/2024, 12.5.24): birthdays are personal
    [phone]   a phone number: a leading +, 00 or (area code), or 7–12 digits in short groups
    [number]  an order, tracking, card or account number: a run of 6 or more digits (separators
              allowed), or a code of letters and at least 5 digits (AB12345, INV-2024-000123)

Kept: short numbers (quantities, years, "error 404", "30-day returns") and words.
Not detected: names and postal addresses (no pattern tells them from other words).
"""

from __future__ import annotations

import re

from indexer.schema import words

__all__ = ["PLACEHOLDERS", "mask", "normalize"]

PLACEHOLDERS = ("[url]", "[email]", "[date]", "[phone]", "[number]")

_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)

# Local part and domain in any script (café@exemple.fr, 用户@例子.中国); the domain ends in a dot and
# a top-level domain of letters. Sloppy labels (a@b-.com) still count: better masked than kept.
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"
_EMAIL = re.compile(
    rf"(?<!{_LOCAL}){_LOCAL}+"  # local part, from its start (no rescans inside a long word)
    r"(?:@|＠)"  # at sign, also the full-width one
    r"[^\W_][\w-]*(?:\.[\w-]+)*\.[^\W\d_]{2,}",
)

_DATE = re.compile(
    r"(?<![\w.,/-])(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2}))(?![\w]|[-./]\d)"
)

# A word that mixes letters and digits, possibly joined by - or /: candidate codes like ORD-12345.
_CODE = re.compile(r"(?<![\w])(?=[\w-]*\d)(?=[\w/-]*[^\W\d_])[^\W_]+(?:[-/][^\W_]+)*(?![\w])")

# Digits with the separators people put in phone and order numbers: spaces, - . / and (area code),
# after an optional +. Written without nested ambiguity, so a long digit run costs linear time.
_SEP = r"[\-./ \u00a0\u2009]"
_DIGITS = re.compile(
    rf"(?<![\w+])\+?(?:\(\d{{1,5}}\){_SEP}?)?\d+(?:(?:{_SEP}|\(\d{{1,5}}\))+\d+)*(?![\w])"
)
_GROUP = re.compile(r"\d+")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _code(match: re.Match[str]) -> str:
    text = match.group(0)
    return "[number]" if _digits(text) >= 5 else text


def _number(match: re.Match[str]) -> str:
    text = match.group(0)
    n = _digits(text)
    if n < 6:
        return text
    if text.startswith(("+", "00", "(")) and 7 <= n <= 15:
        return "[phone]"
    groups = _GROUP.findall(text)
    if 7 <= n <= 12 and len(groups) >= 2 and max(len(g) for g in groups) <= 4:
        return "[phone]"
    return "[number]"


def mask(text: str) -> str:
    """The text with URLs, e-mail addresses, dates, phone numbers and order-like numbers replaced."""
    text = _URL.sub("[url]", text)
    text = _EMAIL.sub("[email]", text)
    text = _DATE.sub("[date]", text)
    text = _CODE.sub(_code, text)
    return _DIGITS.sub(_number, text)


_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS) + ")")


def normalize(masked: str) -> str:
    """A masked text as lower-cased words, placeholders kept: how queries are grouped and counted."""
    out: list[str] = []
    for part in _PLACEHOLDER.split(masked):
        out.extend([part] if part in PLACEHOLDERS else words(part))
    return " ".join(out)
