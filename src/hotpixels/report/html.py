"""The HTML report: one self-contained file that shows a defect map.

Provenance (camera, photos, dates, tool version, parameters), the sensor outline with
every defect, a sortable table, enlarged crops before and after repair, and the
timeline of when defects appeared; figures are embedded as PNG data, so the file opens
from disk, needs no network and prints. Rendered by Jinja2 from
``report/templates/report.html.j2`` (the ``report`` extra, with matplotlib).

Examples
--------
>>> from hotpixels.maps.model import Defect, DefectMap
>>> html = build_report(DefectMap(120, 80, [Defect(10, 20, "hot", 3.0, "G")], frames=30))
>>> "1 defect(s) found in 30 photo(s)" in html
True
"""

from __future__ import annotations

import base64
import datetime as _dt
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from hotpixels._version import __version__
from hotpixels.errors import require
from hotpixels.frames import FrameKind
from hotpixels.io.writers import atomic_write_bytes
from hotpixels.maps.model import KINDS, DefectMap
from hotpixels.report.crops import defect_crops
from hotpixels.report.figures import KIND_COLOURS, crop_figure, sensor_figure, timeline_figure

__all__ = ["MAX_CROPS", "build_report", "write_report"]

log = logging.getLogger(__name__)

#: Most defects shown as crops (strongest first).
MAX_CROPS = 24


def _b64(png: bytes | None) -> str:
    return base64.b64encode(png).decode("ascii") if png else ""


def _date(t: _dt.datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t else ""


def _environment():
    jinja2 = require("jinja2", "report", "the HTML report")
    return jinja2.Environment(loader=jinja2.PackageLoader("hotpixels", "report/templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]))  # fmt: skip


def build_report(dmap: DefectMap, photos: Sequence[str | Path] = (), *, limit: int = MAX_CROPS) -> str:
    """The report of one map, as HTML text.

    Parameters
    ----------
    dmap : DefectMap
    photos : sequence of path
        Photos of the camera (RAW files for a RAW map), for the crops; optional.
    limit : int
        Most defects shown as crops.

    Returns
    -------
    str
    """
    env = _environment()
    camera = dmap.camera.name
    defects = sorted(dmap.defects, key=lambda d: (-d.score, d.y, d.x))
    crops = []
    for c in defect_crops(dmap, photos, limit) if photos and defects else []:
        d = c.defect
        title = f"{d.kind} at ({d.x}, {d.y})"
        crops.append({"x": d.x, "y": d.y, "kind": d.kind, "score": d.score, "photo": c.photo.name,
                      "png": _b64(crop_figure(c.before, c.after, c.repaired, title))})  # fmt: skip
    counts = Counter(d.kind for d in defects)
    dates = dict.fromkeys(_date(t) for t in (dmap.first_taken, dmap.last_taken) if t)
    taken = " to ".join(dates) or "unknown"
    raw = dmap.frame is FrameKind.RAW
    rows = [{**vars(d), "first_seen": _date(d.first_seen), "last_seen": _date(d.last_seen)} for d in defects]
    return env.get_template("report.html.j2").render(
        camera=camera, serial=dmap.camera.serial, frames=dmap.frames, taken=taken,
        frame_text=f"RAW mosaic ({dmap.cfa})" if raw else "developed photo", raw=raw, cfa=dmap.cfa,
        width=dmap.width, height=dmap.height, version=__version__,
        parameters=sorted(dmap.parameters.items()), made=_date(_dt.datetime.now()),
        counts=[(k, counts[k]) for k in KINDS if counts[k]], colours=KIND_COLOURS,
        defects=rows, crops=crops, cropped_of=len(defects), photos=bool(photos),
        sensor_png=_b64(sensor_figure(dmap)), timeline_png=_b64(timeline_figure(dmap)),
    )  # fmt: skip


def write_report(dmap: DefectMap, path: str | Path, photos: Sequence[str | Path] = (), *,
                 limit: int = MAX_CROPS) -> Path:  # fmt: skip
    """Write the report of one map to ``path`` (atomically; an existing file is replaced).

    Parameters
    ----------
    dmap : DefectMap
    path : str or Path
    photos : sequence of path
        Photos of the camera, for the crops.
    limit : int
        Most defects shown as crops.

    Returns
    -------
    Path
        The report.
    """
    html = build_report(dmap, photos, limit=limit)
    atomic_write_bytes(path, html.encode("utf-8"))
    log.info("report written to %s (%d kB)", path, len(html) // 1024)
    return Path(path)
