"""What an uploaded file is, told from its content: its size, its type from its first bytes
(never from its name or the browser's word), whether the CRM settings allow that type and
whether its extension agrees; and its original name cleaned for showing and for the
download header. The notes and documents services check every upload here first."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.normalization import strip_invisible
from settings_app.models import CRMSettings
from settings_app.selectors import crm_settings

DOCUMENT_MAX_SIZE = 10 * 1024 * 1024  # 10 MB, exactly that much is fine
NAME_MAX_LENGTH = 150


@dataclass(frozen=True)
class FileKind:
    """A type of file Lejek accepts, as told from its content."""

    label: str
    content_type: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none
    group: str  # which CRM setting allows it: "pdf", "images" or "office"


PDF = FileKind("PDF", "application/pdf", (".pdf",), "pdf")
PNG = FileKind("PNG", "image/png", (".png",), "images")
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg", ".jpe"), "images")
GIF = FileKind("GIF", "image/gif", (".gif",), "images")
WEBP = FileKind("WebP", "image/webp", (".webp",), "images")
DOCX = FileKind(
    "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    "office",
)
XLSX = FileKind(
    "Excel (XLSX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    "office",
)
ODT = FileKind("OpenDocument (ODT)", "application/vnd.oasis.opendocument.text", (".odt",), "office")
ODS = FileKind(
    "OpenDocument (ODS)", "application/vnd.oasis.opendocument.spreadsheet", (".ods",), "office"
)
DOC = FileKind("Word (DOC)", "application/msword", (".doc",), "office")
XLS = FileKind("Excel (XLS)", "application/vnd.ms-excel", (".xls",), "office")
KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, ODT, ODS, DOC, XLS)

GROUPS = {
    "pdf": gettext_lazy("PDF documents"),
    "images": gettext_lazy("images (PNG, JPEG, GIF, WebP)"),
    "office": gettext_lazy("office documents (DOCX, XLSX, DOC, XLS, ODT, ODS)"),
}

# Programs and scripts, told apart from an unknown type for a clearer refusal.
PROGRAM_SIGNATURES = (
    b"MZ",  # Windows (PE) and DOS
    b"\x7fELF",  # Linux
    b"\xca\xfe\xba\xbe",  # Mach-O universal and Java classes
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"#!",  # scripts
)
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def allowed_kinds(settings: CRMSettings | None = None) -> list[FileKind]:
    """The kinds of files the CRM settings allow on leads."""
    settings = settings or crm_settings()
    groups = {
        "pdf": settings.documents_allow_pdf,
        "images": settings.documents_allow_images,
        "office": settings.documents_allow_office,
    }
    return [kind for kind in KINDS if groups[kind.group]]


def _ole2_kind(content: bytes) -> FileKind | None:
    """A Word or Excel 97-2003 file: an OLE2 compound file holding a "WordDocument" or a
    "Workbook" ("Book" in Excel 5) stream. Other compound files (installers, Outlook
    messages) are not documents. Directory entries are 128 bytes, aligned on 128 bytes
    from the start of the file, their name UTF-16 with its byte length at offset 64."""
    streams = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS}
    for name, kind in streams.items():
        encoded = (name + "\0").encode("utf-16-le")
        start = content.find(encoded)
        while start != -1:
            entry = content[start : start + 128]
            if (
                start % 128 == 0
                and len(entry) == 128
                and int.from_bytes(entry[64:66], "little") == len(encoded)
                and entry[66] == 2  # a stream
            ):
                return kind
            start = content.find(encoded, start + 1)
    return None


def _zip_kind(file: IO[bytes]) -> FileKind | None:
    """An Office Open XML or OpenDocument file, from the names (and the OpenDocument
    "mimetype" member) in the ZIP's directory; nothing is unpacked beyond that member.
    Macro-enabled documents are refused: they are programs too."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
                return None
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(100).strip()
                return {ODT.content_type.encode(): ODT, ODS.content_type.encode(): ODS}.get(
                    mimetype
                )
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError):
        return None
    return None


def sniff(file: IO[bytes]) -> FileKind | None:
    """The kind of a file told from its bytes (magic numbers), or None when it is none of
    the kinds Lejek knows."""
    file.seek(0)
    head = file.read(16)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith((b"GIF87a", b"GIF89a")):
        kind = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = WEBP
    elif head.startswith(b"PK\x03\x04"):
        file.seek(0)
        kind = _zip_kind(file)
    elif head.startswith(OLE2_SIGNATURE):
        file.seek(0)
        kind = _ole2_kind(file.read())
    file.seek(0)
    return kind


def _is_program(file: IO[bytes]) -> bool:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    return head.startswith(PROGRAM_SIGNATURES)


def filename_sanitize(name: str) -> str:
    """A file name safe to show and to offer for download: no directories (neither "/"
    nor "\\"), no control, bidirectional or other invisible characters (the names' one
    cleaner, `strip_invisible`), whitespace as single spaces, no leading dots, at most
    NAME_MAX_LENGTH characters with its extension kept. Never empty."""
    name = re.split(r"[/\\]", strip_invisible(name))[-1].strip(" .")
    extension = _extension(name)
    stem = name[: len(name) - len(extension)] if extension else name
    name = stem[: NAME_MAX_LENGTH - len(extension)].rstrip(" .") + extension
    return name if stem else "document" + extension


def _extension(name: str) -> str:
    """A name's extension (".pdf"), or "" when it has none: "Umowa v2.final wersja" has
    none."""
    match = re.search(r"\.[A-Za-z0-9]{1,8}$", name)
    return match.group() if match and match.start() > 0 else ""


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check: what the Document row records of it."""

    file: IO[bytes]
    name: str
    kind: FileKind
    size: int


def upload_check(upload: IO[bytes], *, name: str | None = None) -> CheckedUpload:
    """Check a file as the server sees it; a ValidationError on "file" tells the first
    problem: empty, larger than 10 MB, a program, a type not allowed, or an extension
    that does not agree with the content. `name` defaults to the upload's own name."""
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    original = filename_sanitize(name if name is not None else getattr(upload, "name", ""))
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > DOCUMENT_MAX_SIZE:
        raise ValidationError(
            {
                "file": _(
                    "The file is larger than 10 MB (it has %(size)s bytes); choose a smaller one."
                )
                % {"size": number_format(size, force_grouping=True)}
            },
        )
    if _is_program(upload):
        raise ValidationError(
            {"file": _("This file is a program, not a document; it cannot be added.")},
        )
    allowed = allowed_kinds()
    kind = sniff(upload)
    if kind is None or kind not in allowed:
        raise ValidationError({"file": _not_allowed_message(allowed)})
    extension = _extension(original).lower()
    if not extension:
        original = filename_sanitize(original + kind.extensions[0])
    elif extension not in kind.extensions:
        raise ValidationError(
            {
                "file": _(
                    "The file is named “%(extension)s” but it is a %(kind)s file. "
                    "Rename it to “%(expected)s” or choose the right file."
                )
                % {"extension": extension, "kind": kind.label, "expected": kind.extensions[0]}
            },
        )
    return CheckedUpload(file=upload, name=original, kind=kind, size=size)


def _not_allowed_message(allowed: list[FileKind]) -> str:
    groups = [str(GROUPS[group]) for group in GROUPS if any(k.group == group for k in allowed)]
    if not groups:
        return _("No files may be added: the CRM settings allow no file type.")
    allowed_text = _("Allowed: %(groups)s.") % {"groups": ", ".join(groups)}
    return _("This type of file is not allowed.") + " " + allowed_text
