"""Console output that a file name cannot hijack: control characters are shown escaped."""

from __future__ import annotations

import re

# C0/C1 controls (escape sequences, carriage returns, bells…) and the surrogates Python uses for
# the bytes of a file name that is not valid UTF-8.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: one undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line, every control character and undecodable byte escaped (``\\x1b``)."""
    return _UNPRINTABLE.sub(_escape, str(text))


def printable_lines(text: object) -> list[str]:
    """Each line of ``text`` made printable."""
    return [printable(line) for line in str(text).splitlines() or [""]]
