"""The character encoding of an uploaded CSV: recognised by charset-normalizer, offered to
the manager on the mapping page, and checked line by line before anything is read.

A file is read only in an encoding it is clean in: every line decodes, and decodes to no
control character (a table of contacts holds none; a file read in the wrong one of two
similar encodings often does). A file that is not clean is refused with the numbers of
its bad lines, never decoded as something else.
"""

from __future__ import annotations

import re
from typing import IO

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# What the mapping page offers; the key is Python's name of the codec.
ENCODINGS = {
    "utf-8": gettext_lazy("UTF-8"),
    "utf-8-sig": gettext_lazy("UTF-8 with BOM"),
    "cp1250": gettext_lazy("Windows-1250 (Central European)"),
    "iso-8859-2": gettext_lazy("ISO-8859-2 (Latin-2)"),
    "cp1252": gettext_lazy("Windows-1252 (Western European)"),
}
# The ones recognised without being chosen: Polish files. Windows-1252 would win over
# Windows-1250 for a short Polish file ("£ucja" for "Łucja"), so it is only chosen by hand.
_DETECTED = {"utf_8": "utf-8", "ascii": "utf-8", "cp1250": "cp1250", "iso8859_2": "iso-8859-2"}
# A UTF-8 byte order mark is never data: both UTF-8 choices drop it.
_CODECS = {"utf-8": "utf-8-sig"}
DETECTION_SAMPLE = 1024 * 1024
CHUNK = 1024 * 1024
# C0 and C1 control characters but tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SHOWN_LINES = 10


class EncodingError(Exception):
    """The file is not text in any encoding Lejek reads, or not clean in the chosen one;
    the message says so, for the user."""


def codec(encoding: str) -> str:
    """The Python codec that reads a file in this encoding."""
    return _CODECS.get(encoding, encoding)


def encoding_label(encoding: str) -> str:
    return str(ENCODINGS.get(encoding, encoding))


def detect_encoding(file_obj: IO[bytes]) -> str:
    """The encoding (a key of ENCODINGS) charset-normalizer finds for the start of the
    file among UTF-8, Windows-1250 and ISO-8859-2; EncodingError when it is none of them."""
    file_obj.seek(0)
    sample = file_obj.read(DETECTION_SAMPLE)
    file_obj.seek(0)
    if len(sample) == DETECTION_SAMPLE and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]  # never a character cut in two
    best = from_bytes(sample, cp_isolation=list(_DETECTED)).best()
    if best is not None:
        encoding = _DETECTED[best.encoding]
        return "utf-8-sig" if encoding == "utf-8" and best.bom else encoding
    if _written_as_utf8(sample):
        # UTF-8 but for a few stray bytes: no single-byte encoding reads it cleanly (the
        # library finds none), yet its other lines hold valid UTF-8 letters, which text in
        # a single-byte encoding practically never does. Named as UTF-8, the check below
        # refuses it with the lines of the stray bytes instead of reading mojibake.
        return "utf-8"
    raise EncodingError(
        _(
            "The encoding of the file could not be recognised. Save it as “CSV UTF-8” "
            "(or Windows-1250) and upload it again."
        )
    )


def _written_as_utf8(sample: bytes) -> bool:
    for line in sample.split(b"\n"):
        if line.isascii():
            continue
        try:
            if not _CONTROL.search(line.decode("utf-8")):
                return True
        except UnicodeDecodeError:
            continue
    return False


def check_clean(file_obj: IO[bytes], encoding: str) -> int:
    """The number of lines of the file; EncodingError naming the first lines that do not
    decode cleanly in this encoding. Reads the file in chunks, never all of it at once."""
    name = codec(encoding)
    bad: list[int] = []
    count = lines = 0
    rest = b""
    file_obj.seek(0)
    while True:
        chunk = file_obj.read(CHUNK)
        data = rest + chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            data, rest = data[:cut], data[cut:]
            if not data:
                continue  # a line longer than a chunk
        if data and not _clean(data, name):
            parts = data.split(b"\n")
            if data.endswith(b"\n"):
                parts.pop()
            for offset, line in enumerate(parts, start=lines + 1):
                if not _clean(line, name):
                    count += 1
                    if len(bad) < SHOWN_LINES:
                        bad.append(offset)
        lines += data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
        if not chunk:
            break
    file_obj.seek(0)
    if bad:
        raise EncodingError(_not_clean_message(encoding, bad, count))
    return lines


def _clean(data: bytes, name: str) -> bool:
    try:
        return not _CONTROL.search(data.decode(name))
    except UnicodeDecodeError:
        return False


def _not_clean_message(encoding: str, bad: list[int], count: int) -> str:
    shown = ", ".join(str(number) for number in bad)
    more = count - len(bad)
    lines = (
        ngettext("%(lines)s and %(more)s more line", "%(lines)s and %(more)s more lines", more)
        % {"lines": shown, "more": more}
        if more
        else shown
    )
    return ngettext(
        "The file is not clean %(encoding)s text: line %(lines)s holds bytes that are not "
        "characters of that encoding. Choose the file's encoding, or fix that line (or "
        "save the file again as “CSV UTF-8”) and upload it again.",
        "The file is not clean %(encoding)s text: lines %(lines)s hold bytes that are not "
        "characters of that encoding. Choose the file's encoding, or fix those lines (or "
        "save the file again as “CSV UTF-8”) and upload it again.",
        count,
    ) % {"encoding": encoding_label(encoding), "lines": lines}
