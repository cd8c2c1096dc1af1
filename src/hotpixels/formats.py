"""Defect lists of other tools: dcraw / LibRaw / rawpy, RawTherapee, and CSV.

Written from a :class:`~hotpixels.defectmap.DefectMap` and read back into one:

``dcraw``
    ``col row unix_time`` per line (dcraw ``-P``, LibRaw, rawpy's
    ``postprocess(bad_pixels_path=...)``), in the RAW frame (the visible area). A pixel
    is repaired in photos taken at or after its time; 0 means always. hotpixels writes
    a defect's ``first_seen`` when known, else 0. Every photosite is one line.
``rawtherapee``
    ``x y`` per line in the RAW frame, in a file named ``<Make> <Model>[ <Serial>].badpixels``
    (RawTherapee looks it up by that name in its bad-pixels folder). A first line
    holding a single number is an offset added to both coordinates.
``csv``
    The map's own table with a header row: ``x, y, kind, score, channel, frames, members``.

dcraw and RawTherapee lists exist only for RAW-frame maps: their coordinates are the
sensor's photosites, which a map found from developed JPEGs cannot give.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from pathlib import Path

from hotpixels.defectmap import UNKNOWN, Defect, DefectMap, _Camera, defect_from_dict
from hotpixels.errors import DefectMapError
from hotpixels.mosaic import colour_at

__all__ = ["EXPORT_FORMATS", "export_text", "guess_format", "import_text", "rawtherapee_name"]

EXPORT_FORMATS = ("dcraw", "rawtherapee", "csv", "json")
_EPOCH = _dt.datetime(1970, 1, 1)


def rawtherapee_name(dmap: DefectMap) -> str:
    """RawTherapee's file name for the map's camera: ``"<Make> <Model>[ <Serial>].badpixels"``."""
    cam = dmap.camera
    parts = [getattr(cam, "make", "") or "", getattr(cam, "model", "") or "",
             getattr(cam, "serial", "") or ""]  # fmt: skip
    name = " ".join(p for p in parts if p) or "camera"
    return re.sub(r'[\\/:*?"<>|]', "_", name) + ".badpixels"


def _require_raw(dmap: DefectMap, fmt: str) -> None:
    if dmap.frame != "raw":
        msg = (f"{fmt} lists are in the sensor's RAW frame, and this map is in the "
               f"{dmap.frame} frame (found from developed photos); run hotpixels find on "
               "the camera's RAW files for a map that raw developers can use")  # fmt: skip
        raise DefectMapError(msg)


def _photosites(dmap: DefectMap) -> list[tuple[int, int, Defect]]:
    """Every photosite to list, with its defect, row-major, each once."""
    seen: dict[tuple[int, int], Defect] = {}
    for d in dmap.defects:
        for x, y in d.pixels():
            seen.setdefault((x, y), d)
    return sorted(((x, y, d) for (x, y), d in seen.items()), key=lambda t: (t[1], t[0]))


def export_text(dmap: DefectMap, fmt: str) -> str:
    """The map in a foreign format.

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
    >>> from hotpixels.defectmap import Defect, DefectMap
    >>> m = DefectMap(width=8, height=6, frame="raw", defects=[Defect(3, 2), Defect(5, 1)])
    >>> print(export_text(m, "dcraw"), end="")
    5 1 0
    3 2 0
    """
    if fmt == "json":
        return dmap.to_json()
    if fmt == "csv":
        return dmap.to_csv()
    if fmt not in ("dcraw", "rawtherapee"):
        msg = f"format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}"
        raise DefectMapError(msg)
    _require_raw(dmap, fmt)
    lines = []
    for x, y, d in _photosites(dmap):
        if fmt == "dcraw":
            stamp = int((d.first_seen - _EPOCH).total_seconds()) if d.first_seen else 0
            lines.append(f"{x} {y} {max(stamp, 0)}")
        else:
            lines.append(f"{x} {y}")
    return "".join(line + "\n" for line in lines)


def guess_format(path: str | Path) -> str:
    """Format of a defect list from its name: .json, .csv, .badpixels, else dcraw."""
    suffix = Path(path).suffix.lower()
    return {".json": "json", ".csv": "csv", ".badpixels": "rawtherapee"}.get(suffix, "dcraw")


def import_text(
    text: str,
    fmt: str,
    *,
    width: int,
    height: int,
    frame: str = "raw",
    cfa: str = "",
    camera: tuple[str, str, str] = ("", "", ""),
    source: str = "defect list",
) -> DefectMap:
    """Read a foreign defect list into a map.

    Parameters
    ----------
    text : str
        The file's content.
    fmt : {"dcraw", "rawtherapee", "csv"}
    width, height : int
        Size of the frame the coordinates are in (the lists do not say it).
    frame : {"raw", "image"}
        Coordinate frame (dcraw and RawTherapee lists are always ``raw``).
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
    if fmt == "csv":
        defects = _read_csv(text, source)
    elif fmt == "dcraw":
        defects = _read_lines(text, source, dcraw=True)
    elif fmt == "rawtherapee":
        defects = _read_lines(text, source, dcraw=False)
    else:
        msg = f"{source}: format must be dcraw, rawtherapee or csv, got {fmt!r}"
        raise DefectMapError(msg)
    if fmt != "csv":
        frame = "raw"
    for d in defects:
        for x, y in d.pixels():
            if not (0 <= x < width and 0 <= y < height):
                msg = f"{source}: position {x},{y} is outside the {width}x{height} frame"
                raise DefectMapError(msg)
        if cfa and not d.channel:
            d.channel = colour_at(cfa, d.x, d.y)
            d.channels = [d.channel]
    return DefectMap(width=width, height=height, defects=defects, frame=frame, cfa=cfa,
                     camera=_Camera(*camera), parameters={"imported": fmt})  # fmt: skip


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
        if len(values) < 2 or (dcraw and len(values) != 3) or (not dcraw and len(values) != 2):
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
