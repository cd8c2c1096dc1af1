"""The JPEG container: segments, scans, restart interval, and splicing a new image in.

A JPEG file is ``SOI``, header segments (``APPn`` metadata, ``COM``, tables, ``SOF``),
one or more scans (``SOS`` plus entropy-coded data), ``EOI``, and sometimes a trailer
(the further images of a multi-picture file, or padding). :func:`parse` finds them
without decoding; :func:`splice` builds a file from one file's metadata segments and
trailer and another's image segments, patching the MPF offsets of the trailer images.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from hotpixels.errors import ImageReadError

__all__ = ["DHT", "JpegLayout", "Scan", "parse", "scan_script", "splice"]

SOI, EOI, SOS, DRI, DHT, COM = 0xD8, 0xD9, 0xDA, 0xDD, 0xC4, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RSTn: no length
#: Start-of-frame markers and what they mean for a block-local repair.
SOF_KINDS = {0xC0: "baseline", 0xC1: "extended", 0xC2: "progressive", 0xC3: "lossless",
             0xC5: "differential", 0xC6: "differential progressive", 0xC7: "differential lossless",
             0xC9: "arithmetic", 0xCA: "arithmetic progressive", 0xCB: "arithmetic lossless",
             0xCD: "arithmetic differential", 0xCE: "arithmetic differential progressive",
             0xCF: "arithmetic differential lossless"}  # fmt: skip


@dataclass
class Scan:
    """One ``SOS``: component ids and the spectral/successive-approximation parameters."""

    components: list[int]
    ss: int
    se: int
    ah: int
    al: int


@dataclass
class JpegLayout:
    """Where things are in a JPEG file."""

    segments: list[tuple[int, int, int]] = field(default_factory=list)  # (marker, start, end)
    sof: int = 0
    precision: int = 8
    component_ids: list[int] = field(default_factory=list)
    scans: list[Scan] = field(default_factory=list)
    restart: int = 0  # MCUs per restart interval (first DRI), 0 for none
    image_end: int = 0  # offset just past EOI
    adobe_transform: int | None = None

    @property
    def kind(self) -> str:
        """``baseline``, ``progressive``, ``arithmetic`` and so on."""
        return SOF_KINDS.get(self.sof, "unknown")

    def metadata(self, data: bytes) -> list[bytes]:
        """The ``APPn`` and ``COM`` segments, whole (marker included), in file order."""
        return [data[s:e] for m, s, e in self.segments if 0xE0 <= m <= 0xEF or m == COM]


def parse(data: bytes, name: str = "JPEG") -> JpegLayout:
    """Find the segments and scans of a JPEG file (no decoding).

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        For error messages.

    Returns
    -------
    JpegLayout
    """
    if data[:2] != b"\xff\xd8":
        msg = f"{name}: not a JPEG file (no SOI marker)"
        raise ImageReadError(msg)
    out = JpegLayout()
    pos, n = 2, len(data)
    while pos < n:
        if data[pos] != 0xFF:
            msg = f"{name}: corrupt JPEG (no marker at byte {pos})"
            raise ImageReadError(msg)
        marker = data[pos + 1] if pos + 1 < n else 0
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == EOI:
            out.segments.append((EOI, pos, pos + 2))
            out.image_end = pos + 2
            return out
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > n:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        body = data[pos + 4 : end]
        out.segments.append((marker, pos, end))
        if marker in SOF_KINDS and not out.sof:
            out.sof, out.precision = marker, body[0]
            out.component_ids = [body[6 + 3 * i] for i in range(body[5])]
        elif marker == DRI and not out.restart and len(body) >= 2:
            (out.restart,) = struct.unpack(">H", body[:2])
        elif marker == 0xEE and body[:5] == b"Adobe" and len(body) >= 12:
            out.adobe_transform = body[11]
        elif marker == SOS:
            k = body[0]
            ids = [body[1 + 2 * i] for i in range(k)]
            ss, se, a = body[1 + 2 * k], body[2 + 2 * k], body[3 + 2 * k]
            out.scans.append(Scan(ids, ss, se, a >> 4, a & 15))
            end = _skip_entropy(data, end)
            out.segments[-1] = (marker, pos, end)
        pos = end
    msg = f"{name}: truncated JPEG (no EOI marker)"
    raise ImageReadError(msg)


def _skip_entropy(data: bytes, pos: int) -> int:
    """Offset of the first marker after entropy-coded data (``FF00`` and ``RSTn`` are data)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            return n
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


def scan_script(layout: JpegLayout) -> str:
    """The file's scans as a ``jpegtran -scans`` script (component indices, not ids)."""
    index = {cid: i for i, cid in enumerate(layout.component_ids)}
    lines = []
    for s in layout.scans:
        comps = ",".join(str(index[c]) for c in s.components)
        lines.append(f"{comps}: {s.ss}-{s.se}, {s.ah}, {s.al};")
    return "\n".join(lines) + "\n"


def splice(original: bytes, new: bytes, layout: JpegLayout | None = None) -> bytes:
    """``new``'s image (tables, frame, scans) with ``original``'s metadata and trailer.

    Every ``APPn`` and ``COM`` segment of ``original`` is kept byte for byte and in
    order, before the image segments; ``new``'s own ``APPn``/``COM`` are dropped. The
    bytes after ``original``'s ``EOI`` (e.g. the preview images of a multi-picture file)
    follow the new ``EOI``; if the image changed size, the MPF offsets that point past
    it are moved by as much (the MPF segment changes only in those offsets).
    ``layout`` is ``parse(original)`` if the caller has it.
    """
    lo, ln = layout or parse(original, "original"), parse(new, "new")
    meta = [(s, original[s:e]) for m, s, e in lo.segments if 0xE0 <= m <= 0xEF or m == COM]
    body = b"".join(new[s:e] for m, s, e in ln.segments if not (0xE0 <= m <= 0xEF or m == COM))
    image_end = 2 + sum(len(seg) for _, seg in meta) + len(body)
    out, pos = [b"\xff\xd8"], 2
    for start, seg in meta:
        if seg[1] == 0xE2 and seg[4:8] == b"MPF\x00":
            # An entry pointing past the old EOI points at the trailer, which moves by
            # image_end - lo.image_end; offsets count from the MPF header, which moves
            # by pos - start.
            seg = _shift_mpf(seg, lo.image_end - (start + 8), (image_end - lo.image_end) - (pos - start))
        out.append(seg)
        pos += len(seg)
    return b"".join(out) + body + original[lo.image_end :]


def _shift_mpf(seg: bytes, past: int, shift: int) -> bytes:
    """Add ``shift`` to the MP entry offsets of an MPF segment that are ``>= past``."""
    if shift == 0:
        return seg
    buf = bytearray(seg)
    tiff = 8  # within the segment: FF E2, length, "MPF\0", then a TIFF header
    order = {b"II": "<", b"MM": ">"}.get(bytes(buf[tiff : tiff + 2]))
    if order is None:
        return seg
    (ifd,) = struct.unpack(order + "I", buf[tiff + 4 : tiff + 8])
    p = tiff + ifd
    (count,) = struct.unpack(order + "H", buf[p : p + 2])
    for i in range(count):
        tag, _typ, n, value = struct.unpack(order + "HHII", buf[p + 2 + 12 * i : p + 14 + 12 * i])
        if tag != 0xB002:  # MPEntry: 16 bytes per image, the offset at byte 8
            continue
        for k in range(n // 16):
            q = tiff + value + 16 * k + 8
            (offset,) = struct.unpack(order + "I", buf[q : q + 4])
            if offset and offset >= past:
                buf[q : q + 4] = struct.pack(order + "I", offset + shift)
    return bytes(buf)
