"""Which lines of a Markdown text are fenced code: the one place every ingest pass must not touch.

CommonMark's rule, at any indentation (MkDocs admonitions and list items indent their fences): a run
of three or more backticks or tildes opens a fence, and only a run of the same character, at least as
long and with nothing after it, closes it. A fence left open runs to the end of the text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

_OPEN_RE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1", re.S)


def code_mask(lines: list[str], openings: set[int] | None = None) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (its fence lines included); the
    numbers of the lines that open a fence are added to `openings` when it is given."""
    mask: list[bool] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        if fence is None:
            m = _OPEN_RE.match(line)
            if m and not (m.group(1)[0] == "`" and "`" in line[m.end() :]):
                fence = m.group(1)
                if openings is not None:
                    openings.add(i)
            mask.append(fence is not None)
        else:
            mask.append(True)
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = None
    return mask


def outside_code(text: str, transform: Callable[[str], str]) -> str:
    """`transform` applied to each run of lines outside fenced code; the fences kept as written."""
    lines = text.split("\n")
    mask = code_mask(lines)
    out: list[str] = []
    run: list[str] = []
    for line, in_code in zip(lines, mask, strict=True):
        if in_code:
            if run:
                out.append(transform("\n".join(run)))
                run = []
            out.append(line)
        else:
            run.append(line)
    if run:
        out.append(transform("\n".join(run)))
    return "\n".join(out)


def prose_lines(text: str) -> list[str]:
    """The lines of `text` outside fenced code."""
    lines = text.split("\n")
    return [line for line, in_code in zip(lines, code_mask(lines), strict=True) if not in_code]


def blank(match: re.Match[str]) -> str:
    """A regex replacement that removes a match but keeps its line breaks (line numbers stay true)."""
    return "\n" * match.group(0).count("\n")


def sub_outside_code(
    pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str
) -> str:
    """`pattern.sub(repl, text)` for the matches that start outside fenced code. A match may run
    through a fence (an HTML comment around a commented-out example hides the example too)."""
    lines = text.split("\n")
    mask = code_mask(lines)
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1

    def keep_in_code(match: re.Match[str]) -> str:
        line = bisect.bisect_right(starts, match.start()) - 1
        return match.group(0) if mask[line] else repl(match)

    return pattern.sub(keep_in_code, text)


_INFO_RE = re.compile(r"^(\s*)(`{3,}|~{3,})[ \t]*\{?\.?([\w+#.-]*)[^`\n]*$")


def plain_fences(text: str) -> str:
    """Each fence's info string reduced to its language: the attributes generators add after it
    (Docusaurus's `title="…"`, Hugo's `{file="…" copy=true}`) make Python-Markdown read the fence
    as paragraph text. An indented fence (in a definition or list item) is moved to the margin:
    Python-Markdown reads fences there only. Each fence is closed by its own run of backticks or
    tildes, as Python-Markdown needs: a longer closing run is shortened, and a fence left open runs
    to the end of the text (CommonMark), where it is closed."""
    lines = text.split("\n")
    openings: set[int] = set()
    mask = code_mask(lines, openings)
    for i in sorted(openings, reverse=True):
        m = _INFO_RE.match(lines[i])
        if not m:
            continue
        end = i + 1
        while end < len(lines) and mask[end] and end not in openings:
            end += 1
        closed = end - 1 > i and _is_closer(lines[end - 1], m.group(2))
        if closed:
            lines[end - 1] = m.group(2)
        else:
            lines.insert(end, m.group(2))
        lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}"
        width = len(m.group(1).expandtabs())
        for j in range(i + 1, end) if width else ():
            lead = len(lines[j]) - len(lines[j].lstrip(" "))
            lines[j] = lines[j][min(width, lead) :]
        if width:
            lines[i] = lines[i].lstrip()
    return "\n".join(lines)


def _is_closer(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def sub_in_prose(
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str], str], str],
    run: str,
    hidden: re.Pattern[str],
) -> str:
    """`pattern.sub` over a run of lines outside fenced code, with the characters `hidden` matches
    inside code spans blanked for it (the same length, so a match's positions hold for `run`): a
    pattern may then match across a code span ("[`safe`][]" is a link) but never by what a code
    span holds. `repl` gets the match and `run`, and reads its text there."""
    masked = CODE_SPAN_RE.sub(lambda m: hidden.sub(" ", m.group(0)), run)
    out, last = [], 0
    for m in pattern.finditer(masked):
        out.append(run[last : m.start()])
        out.append(repl(m, run))
        last = m.end()
    out.append(run[last:])
    return "".join(out)
