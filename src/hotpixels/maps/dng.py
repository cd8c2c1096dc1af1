"""A DNG copy that carries the map: ``FixBadPixelsList`` in the raw image's OpcodeList1.

DNG-aware developers apply the opcodes of OpcodeList1 to the raw image as it is stored,
before anything else (DNG 1.3 specification, chapter 6). :func:`add_bad_pixels` copies a
DNG byte for byte, appends a FixBadPixelsList opcode (id 5) listing every photosite of a
RAW-frame map, and points the raw image's IFD at a copy of it with the new
OpcodeList1 tag (an existing list keeps its opcodes, the new one last); every other tag
and every byte of image data stay where they were. The coordinates are the stored
image's: the map's (the visible area) plus the ActiveArea's top-left corner.

No library writes DNG opcodes, so the few structures are packed here with :mod:`struct`
(opcodes are big-endian whatever the file's byte order, as the specification says).
"""

from __future__ import annotations

import struct
from pathlib import Path

from hotpixels.errors import DefectMapError, ImageReadError
from hotpixels.frames import FrameKind
from hotpixels.io.writers import atomic_write_bytes
from hotpixels.maps.model import DefectMap
from hotpixels.mosaic import colour_at

__all__ = ["FIX_BAD_PIXELS_LIST", "OPCODE_LIST1", "add_bad_pixels", "bad_pixel_opcodes", "dng_bad_pixels",
           "read_bad_pixels"]

OPCODE_LIST1 = 51008
FIX_BAD_PIXELS_LIST = 5
_SUBIFDS, _NEW_SUBFILE, _PHOTOMETRIC, _ACTIVE_AREA = 330, 254, 262, 50829
_CFA = 32803
_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
#: DNG BayerPhase: the colour of the image's top-left photosite (and of the one beside it).
_PHASES = {("R", "G"): 0, ("G", "R"): 1, ("G", "B"): 2, ("B", "G"): 3}


def bad_pixel_opcodes(points: list[tuple[int, int]], phase: int, existing: bytes = b"") -> bytes:
    """An OpcodeList holding ``existing``'s opcodes and one FixBadPixelsList.

    Parameters
    ----------
    points : list of (row, column)
    phase : int
        BayerPhase, 0-3.
    existing : bytes
        An OpcodeList already in the file (kept, the new opcode last).

    Returns
    -------
    bytes

    Examples
    --------
    >>> blob = bad_pixel_opcodes([(4, 3)], 0)
    >>> len(blob), read_bad_pixels(blob)
    (40, [(4, 3)])
    """
    count, body = (struct.unpack(">I", existing[:4])[0], existing[4:]) if existing else (0, b"")
    listed = b"".join(struct.pack(">II", r, c) for r, c in points)
    params = struct.pack(">III", phase, len(points), 0) + listed
    opcode = struct.pack(">IIII", FIX_BAD_PIXELS_LIST, 0x01030000, 0, len(params)) + params
    return struct.pack(">I", count + 1) + body + opcode


def read_bad_pixels(blob: bytes) -> list[tuple[int, int]]:
    """The (row, column) points of every FixBadPixelsList in an OpcodeList."""
    (count,), at, out = struct.unpack(">I", blob[:4]), 4, []
    for _ in range(count):
        opcode, _, _, size = struct.unpack(">IIII", blob[at : at + 16])
        params = blob[at + 16 : at + 16 + size]
        if opcode == FIX_BAD_PIXELS_LIST:
            _, points, _ = struct.unpack(">III", params[:12])
            out += [struct.unpack(">II", params[12 + 8 * i : 20 + 8 * i]) for i in range(points)]
        at += 16 + size
    return [(int(r), int(c)) for r, c in out]


class _Tiff:
    """The few TIFF structures a copy needs: IFDs, their entries and who points at them."""

    def __init__(self, data: bytes, source: str):
        self.data, self.source = data, source
        order = data[:2]
        if order not in (b"II", b"MM") or len(data) < 8:
            raise ImageReadError(f"{source}: not a TIFF-based DNG")
        self.e = "<" if order == b"II" else ">"
        if self.u16(2) != 42:
            raise ImageReadError(f"{source}: a BigTIFF or unknown TIFF variant; only classic DNGs are copied")

    def u16(self, at: int) -> int:
        return struct.unpack(self.e + "H", self.data[at : at + 2])[0]

    def u32(self, at: int) -> int:
        return struct.unpack(self.e + "I", self.data[at : at + 4])[0]

    def entries(self, ifd: int) -> list[tuple[int, int, int, bytes]]:
        """(tag, type, count, 4-byte value field) of the IFD at ``ifd``."""
        if ifd + 2 > len(self.data):
            raise ImageReadError(f"{self.source}: IFD offset {ifd} beyond the file; the DNG is damaged")
        n = self.u16(ifd)
        raw = self.data[ifd + 2 : ifd + 2 + 12 * n]
        return [(*struct.unpack(self.e + "HHI", raw[12 * i : 12 * i + 8]), raw[12 * i + 8 : 12 * i + 12])
                for i in range(len(raw) // 12)]  # fmt: skip

    def values(self, typ: int, count: int, field: bytes) -> list[int]:
        size = _SIZES.get(typ, 1) * count
        blob = field[:size] if size <= 4 else self.data[self.u32_of(field) : self.u32_of(field) + size]
        fmt = {3: "H", 4: "I", 13: "I"}.get(typ)
        return list(struct.unpack(self.e + fmt * count, blob)) if fmt else list(blob)

    def next_pointer(self, ifd: int) -> int:
        """Where the IFD at ``ifd`` keeps the offset of the next one."""
        return ifd + 2 + 12 * self.u16(ifd)

    def opcodes(self, tags: dict) -> bytes:
        """An IFD's OpcodeList1 (empty without one)."""
        return bytes(self.values(7, *tags[OPCODE_LIST1][1:])) if OPCODE_LIST1 in tags else b""

    def u32_of(self, field: bytes) -> int:
        return struct.unpack(self.e + "I", field)[0]

    def raw_ifd(self) -> tuple[int, int, dict]:
        """The CFA raw image's IFD: (its offset, where the pointer to it is, its tags)."""
        todo, seen = [(self.u32(4), 4)], set()
        while todo:
            ifd, pointer = todo.pop(0)
            if ifd == 0 or ifd in seen:
                continue
            seen.add(ifd)
            entries = self.entries(ifd)
            tags = {t: (typ, n, f) for t, typ, n, f in entries}
            subfile = self.values(*tags[_NEW_SUBFILE])[0] if _NEW_SUBFILE in tags else 0
            photometric = self.values(*tags[_PHOTOMETRIC])[0] if _PHOTOMETRIC in tags else 0
            if subfile == 0 and photometric == _CFA:
                return ifd, pointer, tags
            if _SUBIFDS in tags:
                typ, n, f = tags[_SUBIFDS]
                at = ifd + 2 + 12 * [t for t, *_ in entries].index(_SUBIFDS) + 8
                base = at if 4 * n <= 4 else self.u32_of(f)
                todo += [(off, base + 4 * i) for i, off in enumerate(self.values(typ, n, f))]
            todo.append((self.u32(self.next_pointer(ifd)), self.next_pointer(ifd)))
        raise ImageReadError(f"{self.source}: no Bayer CFA raw image in this DNG (linear or X-Trans DNGs "
                             "are not supported)")  # fmt: skip


def _raw_image(path: Path):
    """The file's TIFF structures, its raw image's IFD (offset, pointer, tags) and that
    image's geometry (width, height, and the ActiveArea's top and left)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ImageReadError(f"{path}: cannot read ({err.strerror or err})") from err
    tiff = _Tiff(data, str(path))
    ifd, pointer, tags = tiff.raw_ifd()
    width, height = tiff.values(*tags[256])[0], tiff.values(*tags[257])[0]
    top, left = tiff.values(*tags[_ACTIVE_AREA])[:2] if _ACTIVE_AREA in tags else (0, 0)
    return tiff, (ifd, pointer, tags), (width, height, top, left)


def add_bad_pixels(src: str | Path, dst: str | Path, dmap: DefectMap) -> int:
    """Copy the DNG ``src`` to ``dst`` with the map's photosites in OpcodeList1.

    Parameters
    ----------
    src, dst : str or Path
        A DNG of the map's camera, and the copy to write (atomically; never ``src``).
    dmap : DefectMap
        A RAW-frame map of the camera (its size must be the DNG's visible area).

    Returns
    -------
    int
        Photosites listed.

    Raises
    ------
    DefectMapError
        For a map not in the RAW frame, or of another size.
    ImageReadError
        For a file that is not a classic DNG with a Bayer CFA raw image.
    """
    src, dst = Path(src), Path(dst)
    if dmap.frame is not FrameKind.RAW:
        raise DefectMapError(f"{src}: a DNG's opcodes are in the RAW frame; this map is of developed photos")
    if dst.resolve() == src.resolve():
        raise DefectMapError(f"{dst}: that is the DNG itself; choose another output")
    if dmap.cfa and len(dmap.cfa) != 4:
        raise DefectMapError(f"{src}: FixBadPixelsList is defined for 2x2 Bayer mosaics; this map's pattern "
                             "is 6x6 X-Trans (export -f dcraw or rawtherapee instead)")  # fmt: skip
    tiff, (ifd, pointer, tags), (width, height, top, left) = _raw_image(src)
    data = tiff.data
    if (dmap.width, dmap.height) != (width - left, height - top):
        raise DefectMapError(f"{src}: the map is {dmap.width}x{dmap.height}, the DNG's raw image "
                             f"{width - left}x{height - top}; use the map of this camera")  # fmt: skip
    phase = _PHASES.get((colour_at(dmap.cfa or "RGGB", -left % 2, -top % 2),
                         colour_at(dmap.cfa or "RGGB", (1 - left) % 2, -top % 2)), 0)  # fmt: skip
    points = sorted({(y + top, x + left) for x, y in dmap.repair_pixels()})
    blob = bad_pixel_opcodes(points, phase, tiff.opcodes(tags))
    out = bytearray(data)
    out += b"\0" * (-len(out) % 4)
    blob_at = len(out)
    out += blob + b"\0" * (-len(blob) % 4)
    entries = [(t, typ, n, f) for t, typ, n, f in tiff.entries(ifd) if t != OPCODE_LIST1]
    entries.append((OPCODE_LIST1, 7, len(blob), struct.pack(tiff.e + "I", blob_at)))
    entries.sort(key=lambda e: e[0])
    new_ifd = len(out)
    out += struct.pack(tiff.e + "H", len(entries))
    for t, typ, n, f in entries:
        out += struct.pack(tiff.e + "HHI", t, typ, n) + f
    out += struct.pack(tiff.e + "I", tiff.u32(tiff.next_pointer(ifd)))
    out[pointer : pointer + 4] = struct.pack(tiff.e + "I", new_ifd)
    atomic_write_bytes(dst, bytes(out))
    return len(points)


def dng_bad_pixels(path: str | Path) -> tuple[list[tuple[int, int]], int, int]:
    """The photosites a DNG's OpcodeList1 marks bad, in the visible area's frame.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    points : list of (x, y)
        Every FixBadPixelsList point (none when the DNG has no such opcode).
    width, height : int
        The visible area (the raw image within its ActiveArea).
    """
    tiff, (_, _, tags), (width, height, top, left) = _raw_image(Path(path))
    blob = tiff.opcodes(tags)
    points = [(c - left, r - top) for r, c in read_bad_pixels(blob)] if blob else []
    return points, width - left, height - top
