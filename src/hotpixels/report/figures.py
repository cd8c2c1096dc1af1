"""Figures of the HTML report, drawn with matplotlib and returned as PNG bytes.

The sensor outline with every defect marked by kind and sized by score, the timeline of
when defects appeared, and the enlarged crops of one defect before and after repair.
matplotlib is imported here, where it is used (the ``report`` extra).

Examples
--------
>>> from hotpixels.maps.model import Defect, DefectMap
>>> png = sensor_figure(DefectMap(120, 80, [Defect(10, 20, "hot", 3.0)]))
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from collections import Counter

import numpy as np

from hotpixels.errors import require
from hotpixels.frames import FrameKind
from hotpixels.maps.model import KINDS, DefectMap

__all__ = ["KIND_COLOURS", "crop_figure", "sensor_figure", "timeline_figure"]

#: One colour per kind, the same in every figure and in the table.
KIND_COLOURS = {"hot": "#d62728", "warm": "#ff7f0e", "stuck": "#9467bd", "dead": "#1f77b4"}


def _pyplot():
    matplotlib = require("matplotlib", "report", "the HTML report")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def sensor_figure(dmap: DefectMap) -> bytes:
    """The sensor outline with every defect: colour by kind, area by score.

    Parameters
    ----------
    dmap : DefectMap

    Returns
    -------
    bytes
        A PNG.
    """
    plt = _pyplot()
    aspect = dmap.height / max(dmap.width, 1)
    fig, ax = plt.subplots(figsize=(8, max(2.5, min(6.2 * aspect, 9)) + 0.7))
    ax.add_patch(plt.Rectangle((0, 0), dmap.width, dmap.height, fill=False, lw=1.5, color="#333"))
    counts = Counter(d.kind for d in dmap.defects)
    for kind in KINDS:
        ds = [d for d in dmap.defects if d.kind == kind]
        if ds:
            sizes = [20 + 25 * min(float(d.score), 12.0) for d in ds]
            ax.scatter([d.x for d in ds], [d.y for d in ds], s=sizes, c=KIND_COLOURS.get(kind, "#444"),
                       alpha=0.8, edgecolors="black", linewidths=0.5,
                       label=f"{kind} ({counts[kind]})")  # fmt: skip
    ax.set_xlim(-0.02 * dmap.width, 1.02 * dmap.width)
    ax.set_ylim(1.02 * dmap.height, -0.02 * dmap.height)  # rows grow downwards, as in the photo
    ax.set_aspect("equal")
    ax.set_xlabel("x (column)")
    ax.set_ylabel("y (row)")
    frame = "RAW mosaic" if dmap.frame is FrameKind.RAW else "photo"
    ax.set_title(f"{dmap.width} x {dmap.height} {frame}: {len(dmap.defects)} defect(s)")
    if dmap.defects:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return _png(fig)


def timeline_figure(dmap: DefectMap) -> bytes | None:
    """Defects present over the series: those seen from the start, and each one that
    appeared later at its ``first_seen``; None when the map has no dates.

    Parameters
    ----------
    dmap : DefectMap

    Returns
    -------
    bytes or None
        A PNG.
    """
    start, end = dmap.first_taken, dmap.last_taken
    late = sorted(d.first_seen for d in dmap.defects if d.first_seen is not None)
    if start is None or end is None:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.6))
    initial = len(dmap.defects) - len(late)
    times = [start, *late, end]
    counts = [initial, *range(initial + 1, initial + len(late) + 1), initial + len(late)]
    ax.step(times, counts, where="post", color="#333")
    for t in late:
        ax.axvline(t, color=KIND_COLOURS["hot"], alpha=0.4, lw=1)
    ax.set_ylabel("defects")
    ax.set_ylim(0, max(counts) + 1)
    ax.set_title(f"{len(late)} defect(s) appeared during the series")
    fig.autofmt_xdate()
    fig.tight_layout()
    return _png(fig)


def crop_figure(before: np.ndarray, after: np.ndarray, repaired: list[tuple[int, int]], title: str) -> bytes:
    """One defect enlarged: the crop as it is, repaired, and the repaired pixels outlined.

    Parameters
    ----------
    before, after : (h, w, 3) ndarray of uint8
        The same crop of a photo, before and after repair.
    repaired : list of (x, y)
        Repaired pixels, in crop coordinates.
    title : str

    Returns
    -------
    bytes
        A PNG.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(4.4, 2.4))
    for ax, img, name in zip(axes, (before, after), ("as it is", "repaired"), strict=True):
        ax.imshow(img, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    for x, y in repaired:
        axes[1].add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, lw=1.2, color="#00e5ff"))
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)
