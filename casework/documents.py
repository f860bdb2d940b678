"""Consent documents (同意書の写し): scanned forms, checked by their content and stored encrypted.

The file is encrypted in chunks with AES-256-GCM under the field-encryption key ring
(FIELD_ENCRYPTION_KEYS, the first key seals), so it is never held whole in memory and any storage
backend (the file system, an S3 bucket) holds ciphertext only. Stored format, version 1 (big-endian):

    header  = b"YSDOC" | version (1 byte, 1) | key id length (1 byte) | key id (ASCII)
              | nonce prefix (8 random bytes, new for every file) | chunk size (4 bytes)
    records = AES-GCM(chunk i) = ciphertext || 16-byte tag, for i = 0, 1, ... ; every plaintext chunk
              is `chunk size` bytes except the last, which may be shorter or empty

    nonce(i)           = nonce prefix || i (4 bytes)
    associated data(i) = header || file id (the document's UUID, 16 bytes) || i (8 bytes) || final (1 byte)

The associated data binds every chunk to its header (version, key, chunk size), to the document row
(a file moved under another consent fails), to its position (reordering fails) and marks the last one
(cutting the file at a chunk boundary fails). The key id in the header says which key opens the file;
the row keeps a copy so key rotation finds the files still under an older key without opening them.
"""

from __future__ import annotations

import io
import os
import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from django.core.files.storage import storages
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from . import encryption

MAGIC = b"YSDOC"
VERSION = 1
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
NONCE_PREFIX_BYTES = 8
MAX_CHUNKS = 2**32  # the counter's 4 bytes in the nonce
STORAGE_ALIAS = "consent_documents"
SNIFF_BYTES = 64


class DocumentError(Exception):
    """A stored document cannot be read: wrong key, altered, truncated or not in our format."""


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    label: str  # for messages
    extensions: tuple[str, ...]


PDF = DocumentType("application/pdf", "PDF", (".pdf",))
JPEG = DocumentType("image/jpeg", "JPEG", (".jpg", ".jpeg", ".jpe"))
PNG = DocumentType("image/png", "PNG", (".png",))
DOCUMENT_TYPES = {t.content_type: t for t in (PDF, JPEG, PNG)}


def document_storage():
    return storages[STORAGE_ALIAS]


# --- what the file is: by its first bytes, never by its name or the browser's word -----------------

_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]\s")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
# After SOI, a JPEG continues with a table, an application segment, a comment or a frame header.
_JPEG_FIRST_MARKERS = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xFE, *range(0xE0, 0xF0)}


def _is_png(head: bytes) -> bool:
    """Signature, then a well-formed IHDR chunk (length 13, sane size and depth, correct CRC)."""
    if len(head) < 33 or not head.startswith(_PNG_SIGNATURE):
        return False
    length, kind = struct.unpack(">I4s", head[8:16])
    if length != 13 or kind != b"IHDR":
        return False
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    crc = struct.unpack(">I", head[29:33])[0]
    return (
        width > 0
        and height > 0
        and depth in _PNG_BIT_DEPTHS.get(colour, set())
        and zlib.crc32(head[12:29]) == crc
    )


def _is_jpeg(head: bytes) -> bool:
    """SOI, then a marker that may follow it, with a segment length of at least 2."""
    if len(head) < 6 or head[:3] != b"\xff\xd8\xff" or head[3] not in _JPEG_FIRST_MARKERS:
        return False
    return struct.unpack(">H", head[4:6])[0] >= 2


def detect_type(head: bytes) -> DocumentType | None:
    if _PDF_HEADER.match(head):
        return PDF
    if _is_png(head):
        return PNG
    if _is_jpeg(head):
        return JPEG
    return None


def check_upload(head: bytes, filename: str) -> DocumentType:
    """The document's type, or ValueError with a message for the person who attached it."""
    found = detect_type(head)
    if found is None:
        raise ValueError(
            _(
                "This file is not a PDF, JPEG or PNG (its content was checked, not its name). Scan the "
                "consent form to PDF, JPEG or PNG and attach that file."
            )
        )
    extension = os.path.splitext(filename)[1].lower()
    if extension and extension not in found.extensions:
        raise ValueError(
            _(
                "The file's name ends in %(extension)s but its content is %(actual)s. Attach the original "
                "scan, or give the file a name that matches its content."
            )
            % {"extension": extension, "actual": found.label}
        )
    return found


# --- sealing and opening --------------------------------------------------------------------------


def _header(key_id: str, nonce_prefix: bytes, chunk_bytes: int) -> bytes:
    key = key_id.encode("ascii")
    return MAGIC + bytes([VERSION, len(key)]) + key + nonce_prefix + struct.pack(">I", chunk_bytes)


def _associated_data(header: bytes, file_id: uuid.UUID, index: int, final: bool) -> bytes:
    return header + file_id.bytes + struct.pack(">Q", index) + (b"\x01" if final else b"\x00")


def _nonce(prefix: bytes, index: int) -> bytes:
    if index >= MAX_CHUNKS:
        raise DocumentError("too many chunks for one file")
    return prefix + struct.pack(">I", index)


def _read_exact(source: BinaryIO, size: int) -> bytes:
    """`size` bytes, fewer only at the end (a raw stream may return short reads before its end)."""
    parts, missing = [], size
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


class TooLarge(Exception):
    pass


def seal_chunks(
    source: BinaryIO, *, file_id: uuid.UUID, max_bytes: int | None = None, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """The encrypted file, piece by piece (header first), reading `source` one chunk ahead.

    Raises TooLarge as soon as more than `max_bytes` of plaintext have been read.
    """
    ring = encryption.key_ring()
    key = ring.keys[ring.active_id]
    header = _header(ring.active_id, os.urandom(NONCE_PREFIX_BYTES), chunk_bytes)
    prefix = header[-(NONCE_PREFIX_BYTES + 4) : -4]
    yield header
    total, index = 0, 0
    current = _read_exact(source, chunk_bytes)
    while True:
        total += len(current)
        if max_bytes is not None and total > max_bytes:
            raise TooLarge
        following = _read_exact(source, chunk_bytes) if len(current) == chunk_bytes else b""
        final = not following
        yield key.encrypt(_nonce(prefix, index), current, _associated_data(header, file_id, index, final))
        if final:
            return
        current, index = following, index + 1


@dataclass(frozen=True)
class Header:
    raw: bytes
    key_id: str
    nonce_prefix: bytes
    chunk_bytes: int


def read_header(stored: BinaryIO) -> Header:
    fixed = _read_exact(stored, len(MAGIC) + 2)
    if len(fixed) < len(MAGIC) + 2 or not fixed.startswith(MAGIC):
        raise DocumentError("not an encrypted consent document")
    version, key_length = fixed[len(MAGIC)], fixed[len(MAGIC) + 1]
    if version != VERSION:
        raise DocumentError(f"unknown format version {version}")
    rest = _read_exact(stored, key_length + NONCE_PREFIX_BYTES + 4)
    if len(rest) < key_length + NONCE_PREFIX_BYTES + 4:
        raise DocumentError("truncated header")
    chunk_bytes = struct.unpack(">I", rest[-4:])[0]
    if not 0 < chunk_bytes <= 16 * 1024 * 1024:
        raise DocumentError("implausible chunk size")
    return Header(
        raw=fixed + rest,
        key_id=rest[:key_length].decode("ascii", errors="replace"),
        nonce_prefix=rest[key_length : key_length + NONCE_PREFIX_BYTES],
        chunk_bytes=chunk_bytes,
    )


def open_chunks(stored: BinaryIO, *, file_id: uuid.UUID) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; DocumentError on any alteration, truncation or unknown key.

    Each chunk is authenticated before it is yielded; a file cut short fails at its (non-final) last chunk.
    """
    header = read_header(stored)
    key = encryption.key_ring().keys.get(header.key_id)
    if key is None:
        raise DocumentError(f"no configured key with id {header.key_id!r}")
    record_bytes = header.chunk_bytes + TAG_BYTES
    current = _read_exact(stored, record_bytes)
    index = 0
    while True:
        if len(current) < TAG_BYTES:
            raise DocumentError(f"truncated at chunk {index}")
        following = _read_exact(stored, record_bytes) if len(current) == record_bytes else b""
        final = not following
        try:
            plain = key.decrypt(
                _nonce(header.nonce_prefix, index),
                current,
                _associated_data(header.raw, file_id, index, final),
            )
        except InvalidTag as exc:
            raise DocumentError(f"chunk {index} failed authentication (altered, truncated or moved)") from exc
        yield plain
        if final:
            if stored.read(1):
                raise DocumentError("data after the final chunk")
            return
        current, index = following, index + 1


class IteratorReader(io.RawIOBase):
    """A read-only file over an iterator of byte strings, so a storage backend can pull the ciphertext."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces = pieces
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._pieces)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def stored_key_id(name: str) -> str:
    with document_storage().open(name, "rb") as stored:
        return read_header(stored).key_id


def download_response(stream: Iterator[bytes], document) -> StreamingHttpResponse:
    """A download, never a page (web and API alike): attachment, the stored type, no sniffing, no cache.

    Content-Length is the plaintext size, so a stream stopped by a chunk that fails authentication is
    seen by the client as cut short.
    """
    response = StreamingHttpResponse(stream, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
