"""Defect map formats, in one registry: the native JSON, CSV, dcraw / LibRaw / rawpy, RawTherapee,
Siril and jpegpixi.

Each :class:`MapFormat` writes a :class:`~hotpixels.maps.model.DefectMap` as text and
reads it back (round trips are tested):

``json``
    The native format (:meth:`DefectMap.to_json`): everything the map knows.
``csv``
    The map's own table with a header row: ``x, y, kind, score, channel, frames, members``.
``dcraw``
    ``col row unix_time`` per line (dcraw ``-P``, LibRaw, rawpy's
    ``postprocess(bad_pixels_path=...)``), in the RAW frame (the visible area). A pixel
    is repaired in photos taken at or after its time; 0 means always. hotpixels writes
    a defect's ``first_seen`` when known, else 0. Every photosite is one line.
``rawtherapee``
    ``x y`` per line in the RAW frame, in a file named ``<Make> <Model>[ <Serial>].badpixels``
    (RawTherapee looks it up by that name in its bad-pixels folder). A first line
    holding a single number is an offset added to both coordinates.

``siril``
    Siril's cosmetic-correction list: ``P x y H`` per pixel (``C`` for a dark one:
    dead), with ``y`` counted from the bottom row, as Siril's FITS images are; for maps
    of either frame (Siril corrects CFA mosaics and developed images alike).
``dng``
    Not a list but a copy of one of the camera's DNGs with every photosite in a
    ``FixBadPixelsList`` opcode of the raw image's OpcodeList1 (:mod:`hotpixels.maps.dng`;
    ``hotpixels export MAP -f dng --dng FILE.dng``), read back by ``import``.
``jpegpixi``
    jpegpixi's list of defective pixels: ``x,y`` per pixel of the developed photo
    (top-left origin); read also as ``x,y,s`` and ``x,y,sx,sy``, a block of that size
    whose top-left pixel is ``x,y``.

dcraw and RawTherapee lists exist only for RAW-frame maps: their coordinates are the
sensor's photosites, which a map found from developed JPEGs cannot give; jpegpixi lists
only for maps of developed photos.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hotpixels.errors import DefectMapError
from hotpixels.frames import FrameKind
from hotpixels.io.writers import atomic_write_bytes
from hotpixels.maps.model import UNKNOWN, Camera, Defect, DefectMap, defect_from_dict
from hotpixels.mosaic import colour_at

__all__ = ["EXPORT_FORMATS", "FORMATS", "MapFormat", "default_output", "export_text", "guess_format",
           "import_text", "rawtherapee_name", "save_map"]  # fmt: skip

_EPOCH = _dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class MapFormat:
    """One format: its name, the file ending it is known by, and how it is written and read.

    ``write(dmap) -> str``; ``read(text, source) -> list[Defect]`` (the lists do not say
    the frame's size, which :func:`import_text` adds). ``only``: the one frame the
    format's coordinates can be in (None: any). ``bottom_up``: rows are counted from the
    bottom (the reader returns them so; :func:`import_text` turns them over).
    ``convention``: the frame and coordinates, in words, for messages.
    """

    name: str
    suffix: str
    write: Callable[[DefectMap], str]
    read: Callable[[str, str], list[Defect]] | None
    only: FrameKind | None = None
    bottom_up: bool = False
    convention: str = ""

    @property
    def raw_only(self) -> bool:
        """Whether the coordinates are photosites of the RAW frame."""
        return self.only is FrameKind.RAW


def rawtherapee_name(dmap: DefectMap) -> str:
    """RawTherapee's file name for the map's camera: ``"<Make> <Model>[ <Serial>].badpixels"``."""
    cam = dmap.camera
    name = " ".join(p for p in (cam.make, cam.model, cam.serial) if p) or "camera"
    return re.sub(r'[\\/:*?"<>|]', "_", name) + ".badpixels"


def _photosites(dmap: DefectMap) -> list[tuple[int, int, Defect]]:
    """Every photosite to list, with its defect, row-major, each once."""
    seen: dict[tuple[int, int], Defect] = {}
    for d in dmap.defects:
        for x, y in d.pixels():
            seen.setdefault((x, y), d)
    return sorted(((x, y, d) for (x, y), d in seen.items()), key=lambda t: (t[1], t[0]))


def _write_dcraw(dmap: DefectMap) -> str:
    lines = []
    for x, y, d in _photosites(dmap):
        stamp = int((d.first_seen - _EPOCH).total_seconds()) if d.first_seen else 0
        lines.append(f"{x} {y} {max(stamp, 0)}\n")
    return "".join(lines)


def _write_rawtherapee(dmap: DefectMap) -> str:
    return "".join(f"{x} {y}\n" for x, y, _ in _photosites(dmap))


def _write_csv(dmap: DefectMap) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x", "y", "kind", "score", "channel", "frames", "members"])
    for d in dmap.defects:
        members = " ".join(f"{x},{y}" for x, y in d.members)
        writer.writerow([d.x, d.y, d.kind, d.score, d.channel, d.frames or "", members])
    return buf.getvalue()


def _write_siril(dmap: DefectMap) -> str:
    lines = []
    for x, y, d in _photosites(dmap):
        lines.append(f"P {x} {dmap.height - 1 - y} {'C' if d.kind == 'dead' else 'H'}\n")
    return "".join(lines)


def _write_jpegpixi(dmap: DefectMap) -> str:
    return "".join(f"{x},{y}\n" for x, y, _ in _photosites(dmap))


def _needs_dng(dmap: DefectMap) -> str:
    msg = "a DNG export is a copy of one of the camera's DNGs: hotpixels export MAP -f dng --dng FILE.dng"
    raise DefectMapError(msg)


def _numbers(body: list[str], source: str, number: int, line: str) -> list[int]:
    try:
        return [int(v) for v in body]
    except ValueError as err:
        msg = f"{source}, line {number}: expected integers, got {line.strip()!r}"
        raise DefectMapError(msg) from err


def _content(text: str):
    """(line number, line, fields) of each line that is not empty or a comment."""
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].replace(",", " ").split()
        if body:
            yield number, line, body


def _read_siril(text: str, source: str) -> list[Defect]:
    defects = []
    for number, line, body in _content(text):
        tag = body[0].upper()
        if tag != "P" or len(body) not in (3, 4) or (len(body) == 4 and body[3].upper() not in ("H", "C")):
            what = "whole columns and lines (C, L) are not single defects" if tag in ("C", "L") else \
                "expected 'P x y [H|C]'"  # fmt: skip
            msg = f"{source}, line {number}: {what}, got {line.strip()!r}"
            raise DefectMapError(msg)
        x, y = _numbers(body[1:3], source, number, line)
        cold = len(body) == 4 and body[3].upper() == "C"
        defects.append(Defect(x, y, "dead" if cold else UNKNOWN, score=0.0))
    return defects


def _read_jpegpixi(text: str, source: str) -> list[Defect]:
    defects = []
    for number, line, body in _content(text):
        values = _numbers(body, source, number, line)
        if len(values) not in (2, 3, 4) or any(v < 1 for v in values[2:]):
            want = "'x,y[,size]' or 'x,y,width,height'"
            msg = f"{source}, line {number}: expected {want}, got {line.strip()!r}"
            raise DefectMapError(msg)
        x, y = values[:2]
        sx, sy = (values[2], values[2]) if len(values) == 3 else (values[2:4] if len(values) == 4 else (1, 1))
        members = [(x + i, y + j) for j in range(sy) for i in range(sx) if (i, j) != (0, 0)]
        defects.append(Defect(x, y, UNKNOWN, score=0.0, members=members))
    return defects


def _read_lines(text: str, source: str, *, dcraw: bool) -> list[Defect]:
    defects: list[Defect] = []
    offset = 0
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].split()
        if not body:
            continue
        try:
            values = [int(v) for v in body]
        except ValueError as err:
            msg = f"{source}, line {number}: expected integers, got {line.strip()!r}"
            raise DefectMapError(msg) from err
        if not dcraw and len(values) == 1 and not defects:
            offset = values[0]  # RawTherapee: a lone first number is an offset
            continue
        if len(values) != (3 if dcraw else 2):
            want = "col row time" if dcraw else "x y"
            msg = f"{source}, line {number}: expected '{want}', got {line.strip()!r}"
            raise DefectMapError(msg)
        x, y = values[0] + offset, values[1] + offset
        seen = _EPOCH + _dt.timedelta(seconds=values[2]) if dcraw and values[2] > 0 else None
        defects.append(Defect(x, y, UNKNOWN, score=0.0, first_seen=seen))
    return defects


def _read_csv(text: str, source: str) -> list[Defect]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"x", "y"} <= set(reader.fieldnames):
        msg = f"{source}: a CSV defect list needs a header with x and y"
        raise DefectMapError(msg)
    defects = []
    for number, row in enumerate(reader, 2):
        channel = row.get("channel") or ""
        try:
            doc = {"x": row["x"], "y": row["y"], "kind": row.get("kind") or UNKNOWN,
                   "score": row.get("score") or 0.0, "channel": channel,
                   "channels": [channel] if channel else [],
                   "frames": int(row["frames"]) if row.get("frames") else None,
                   "members": [p.split(",") for p in (row.get("members") or "").split()]}  # fmt: skip
            defects.append(defect_from_dict(doc))
        except (TypeError, ValueError) as err:
            msg = f"{source}, line {number}: {err}"
            raise DefectMapError(msg) from err
    return defects


_RAW_FRAME = "RAW frame: photosites of the visible mosaic, x = column, y = row from the top, 0-based"
#: Every format, by name.
FORMATS: dict[str, MapFormat] = {f.name: f for f in (
    MapFormat("dcraw", ".txt", _write_dcraw, lambda t, s: _read_lines(t, s, dcraw=True),
              only=FrameKind.RAW, convention=_RAW_FRAME + "; time 0 = always"),
    MapFormat("rawtherapee", ".badpixels", _write_rawtherapee,
              lambda t, s: _read_lines(t, s, dcraw=False), only=FrameKind.RAW, convention=_RAW_FRAME),
    MapFormat("siril", ".lst", _write_siril, _read_siril, bottom_up=True,
              convention="the map's frame; x = column from the left, y = row from the BOTTOM, 0-based"),
    MapFormat("jpegpixi", ".jpegpixi", _write_jpegpixi, _read_jpegpixi, only=FrameKind.IMAGE,
              convention="developed photo as stored: x = column, y = row from the top, 0-based"),
    MapFormat("dng", ".dng", _needs_dng, None, only=FrameKind.RAW,
              convention="stored raw image: the map's photosites plus the ActiveArea's top-left corner"),
    MapFormat("csv", ".csv", _write_csv, _read_csv, convention="the map's frame; top-left origin, 0-based"),
    MapFormat("json", ".json", DefectMap.to_json, None, convention="the map's frame; top-left origin"),
)}  # fmt: skip
EXPORT_FORMATS = tuple(FORMATS)


def _format(fmt: str, source: str = "") -> MapFormat:
    if fmt not in FORMATS:
        where = f"{source}: " if source else ""
        msg = f"{where}format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}"
        raise DefectMapError(msg)
    return FORMATS[fmt]


def export_text(dmap: DefectMap, fmt: str) -> str:
    """The map in one of :data:`FORMATS`.

    Parameters
    ----------
    dmap : DefectMap
    fmt : {"dcraw", "rawtherapee", "csv", "json"}

    Returns
    -------
    str

    Raises
    ------
    DefectMapError
        For dcraw or RawTherapee when the map is not in the RAW frame.

    Examples
    --------
    >>> from hotpixels.maps.model import Defect, DefectMap
    >>> m = DefectMap(width=8, height=6, frame="raw", defects=[Defect(3, 2), Defect(5, 1)])
    >>> print(export_text(m, "dcraw"), end="")
    5 1 0
    3 2 0
    """
    form = _format(fmt)
    if form.raw_only and dmap.frame is not FrameKind.RAW:
        msg = (f"{fmt} lists are in the sensor's RAW frame, and this map is in the "
               f"{dmap.frame} frame (found from developed photos); find the defects from "
               "the camera's RAW files for a map that raw developers can use")  # fmt: skip
        raise DefectMapError(msg)
    if form.only is FrameKind.IMAGE and dmap.frame is not FrameKind.IMAGE:
        msg = (f"{fmt} lists are pixels of developed photos, and this map is in the RAW frame; "
               "find the defects from the camera's JPEGs for a jpegpixi list")  # fmt: skip
        raise DefectMapError(msg)
    return form.write(dmap)


def default_output(map_path: Path, dmap: DefectMap, fmt: str) -> Path:
    """Where an export of the map file ``map_path`` goes by default: beside it, named
    ``<stem>.<format>`` (dcraw: ``<stem>.dcraw.txt``; RawTherapee: its camera's name)."""
    if fmt == "rawtherapee":
        return map_path.with_name(rawtherapee_name(dmap))
    ending = {"dcraw": "dcraw.txt", "siril": "siril.lst", "jpegpixi": "jpegpixi.txt"}.get(fmt, fmt)
    return map_path.with_name(f"{map_path.stem}.{ending}")


def guess_format(path: str | Path) -> str:
    """Format of a defect list from its name: .json, .csv, .badpixels, .lst (Siril), .dng,
    .jpegpixi or a name holding "jpegpixi", else dcraw."""
    suffix = Path(path).suffix.lower()
    if suffix == ".dng":
        return "dng"
    if "jpegpixi" in Path(path).name.lower():
        return "jpegpixi"
    named = {f.suffix: f.name for f in FORMATS.values() if f.name != "dcraw"}
    return named.get(suffix, "dcraw")


def save_map(dmap: DefectMap, path: str | Path, *, overwrite: bool = True) -> None:
    """Write a map atomically in the format its name says: CSV for ``.csv``, else JSON."""
    fmt = "csv" if Path(path).suffix.lower() == ".csv" else "json"
    atomic_write_bytes(path, export_text(dmap, fmt).encode(), overwrite=overwrite)


def import_text(
    text: str,
    fmt: str,
    *,
    width: int,
    height: int,
    frame: FrameKind | str = FrameKind.RAW,
    cfa: str = "",
    camera: tuple[str, str, str] = ("", "", ""),
    source: str = "defect list",
) -> DefectMap:
    """Read a foreign defect list into a map.

    Parameters
    ----------
    text : str
        The file's content.
    fmt : {"dcraw", "rawtherapee", "siril", "jpegpixi", "csv"}
    width, height : int
        Size of the frame the coordinates are in (the lists do not say it).
    frame : {"raw", "image"}
        Coordinate frame (dcraw and RawTherapee lists are always ``raw``, jpegpixi
        lists ``image``).
    cfa : str
        A RAW frame's 2x2 pattern, if known (names the defects' colours).
    camera : (make, model, serial)
    source : str
        Name used in error messages.

    Returns
    -------
    DefectMap
        One defect per listed position, of kind ``unknown`` unless the list says it
        (CSV); positions outside the frame raise.

    Raises
    ------
    DefectMapError
        One line naming the source and the line that is wrong.

    Examples
    --------
    >>> m = import_text("10 4 0\\n# comment\\n3 7 1700000000\\n", "dcraw", width=20, height=10)
    >>> [(d.x, d.y, d.first_seen.year if d.first_seen else 0) for d in m.defects]
    [(10, 4, 0), (3, 7, 2023)]
    """
    form = _format(fmt, source)
    if form.read is None:
        msg = f"{source}: format must be dcraw, rawtherapee, siril, jpegpixi or csv, got {fmt!r}"
        raise DefectMapError(msg)
    defects = form.read(text, source)
    if form.bottom_up:
        for d in defects:
            d.y = height - 1 - d.y
            d.members = [(x, height - 1 - y) for x, y in d.members]
    frame = form.only or FrameKind(frame)
    for d in defects:
        for x, y in d.pixels():
            if not (0 <= x < width and 0 <= y < height):
                msg = f"{source}: position {x},{y} is outside the {width}x{height} frame"
                raise DefectMapError(msg)
        if cfa and not d.channel:
            d.channel = colour_at(cfa, d.x, d.y)
            d.channels = [d.channel]
    return DefectMap(width=width, height=height, defects=defects, frame=frame, cfa=cfa,
                     camera=Camera(*camera), parameters={"imported": fmt})  # fmt: skip
