"""Photos stored turned a quarter: which way, told by where the camera's defects show.

A camera stores its photos in the sensor's frame (the EXIF orientation only tells
viewers how to show them). An editor that rotates a photo losslessly turns the stored
pixels instead and resets the tag, so neither the tag nor the size says which way the
photo was turned; the camera's defects do. A sample of the group's photos in the
sensor's frame (at most :data:`SAMPLE`, evenly spread) shows its *landmarks*: the
subpixels that stand out from their neighbours beyond 6 robust sigmas, with one sign,
in nearly every photo (defects, strongest first). A turned photo is brought back by the
quarter turn that puts its own standing-out subpixels on those landmarks, when one
clearly does; else it is left out, with a reason. Either way it is decided before any
statistics are gathered, from the files alone, so the map does not depend on workers,
engine or order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from hotpixels import kernels
from hotpixels.engine.plan import GroupPlan, Plan, record_failure
from hotpixels.errors import HotPixelsError
from hotpixels.io.decode import FileInfo, decode
from hotpixels.progress import started
from hotpixels.stats import BAND_ROWS, frame_threshold

__all__ = ["LANDMARKS", "SAMPLE", "bring_back_turned", "landmarks", "quarter_of"]

#: Photos of the group read to find its landmarks (evenly spread over the group).
SAMPLE = 12
#: Most landmarks kept (strongest first).
LANDMARKS = 64
#: Share of the sample a landmark stands out in.
SHARE = 0.8
#: Share of the landmarks a turned photo must show at one quarter turn (a single photo
#: shows its defects' fainter smear now and then only), and how many times more than at
#: the other (where only chance puts a subpixel beyond 6 sigmas).
HITS, CLEAR = 0.2, 3.0


def _standing_out(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``frame``'s residual is beyond twice its threshold: (above, below) masks."""
    th = 2 * frame_threshold(frame)
    above = np.zeros(frame.shape, bool)
    below = np.zeros(frame.shape, bool)
    for y0 in range(0, frame.shape[0], BAND_ROWS):
        y1 = min(y0 + BAND_ROWS, frame.shape[0])
        r = kernels.band_residual(frame, y0, y1)
        above[y0:y1], below[y0:y1] = r > th, r < -th
    return above, below


def landmarks(frames) -> list[tuple[int, int, int, int]]:
    """The subpixels that stand out in nearly every one of ``frames``.

    Parameters
    ----------
    frames : iterable of (M, N, C) ndarray
        Photos of one camera in the sensor's frame (at least 3).

    Returns
    -------
    list of (y, x, c, sign)
        At most :data:`LANDMARKS`, those shown most often first, then in raster order.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> frames = [rng.integers(60, 120, (32, 40, 3), dtype=np.uint8) for _ in range(4)]
    >>> for f in frames:
    ...     f[5, 7, 1] = 255
    >>> landmarks(frames)
    [(5, 7, 1, 1)]
    """
    up = down = None
    k = 0
    for frame in frames:
        above, below = _standing_out(frame)
        if up is None:
            up, down = np.zeros(frame.shape, np.uint16), np.zeros(frame.shape, np.uint16)
        up += above
        down += below
        k += 1
    if k < 3:
        return []
    need = max(3, int(np.ceil(SHARE * k)))
    found = []
    for counts, sign in ((up, 1), (down, -1)):
        for y, x, c in zip(*np.nonzero(counts >= need), strict=True):
            found.append((-int(counts[y, x, c]), int(y), int(x), int(c), sign))
    found.sort()
    return [(y, x, c, s) for _, y, x, c, s in found[:LANDMARKS]]


def _turned(y: int, x: int, size: tuple[int, int], quarter: int) -> tuple[int, int]:
    """``(y, x)`` of the sensor's frame (``size = (width, height)``) in a frame turned
    clockwise by ``quarter`` (1 or 3) quarter turns."""
    w, h = size
    return (x, h - 1 - y) if quarter == 1 else (w - 1 - x, y)


def quarter_of(stored: np.ndarray, marks, size: tuple[int, int]) -> int | None:
    """How many quarter turns clockwise took the sensor's frame to ``stored`` (1 or 3),
    or None when the landmarks do not clearly say.

    Parameters
    ----------
    stored : (N, M, C) ndarray
        A photo's stored pixels, as wide as the sensor's frame is tall.
    marks : list of (y, x, c, sign)
        :func:`landmarks` of the group, in the sensor's frame.
    size : (width, height)
        The sensor's frame.
    """
    if not marks:
        return None
    th = 2 * frame_threshold(stored)
    hits = {}
    for q in (1, 3):
        hits[q] = 0
        for y, x, c, sign in marks:
            ty, tx = _turned(y, x, size, q)
            r = int(kernels.band_residual(stored, ty, ty + 1)[0, tx, c])
            hits[q] += sign * r > th
    best, other = (1, 3) if hits[1] >= hits[3] else (3, 1)
    if hits[best] < max(3, HITS * len(marks)) or hits[best] < CLEAR * hits[other]:
        return None
    return best


def _sample(files: tuple[FileInfo, ...]) -> list[FileInfo]:
    n = len(files)
    if n <= SAMPLE:
        return list(files)
    return [files[round(i * (n - 1) / (SAMPLE - 1))] for i in range(SAMPLE)]


def _frames(infos, decoder):
    for info in infos:
        try:
            yield decode(info, prefer=decoder)
        except HotPixelsError:
            continue  # the engine reports it


def _orient(group: GroupPlan, decoder, failures: list, progress) -> GroupPlan:
    marks = landmarks(_frames(_sample(group.files), decoder))
    size = (group.key.width, group.key.height)
    joined = []
    for info in group.turned:
        try:
            stored = decode(info, prefer=decoder)
            quarter = quarter_of(stored, marks, size)
        except HotPixelsError as err:
            why = str(err)
        else:
            if quarter is not None:
                joined.append(replace(info, turn=quarter))
                if progress:
                    progress(info.path, None)
                continue
            why = (f"{info.path}: stored turned a quarter from the {size[0]}x{size[1]} photos of its "
                   "camera, and its defects do not show which way; turn it back (e.g. jpegtran "
                   "-rotate) to include it")  # fmt: skip
        record_failure(failures, progress, info.path, why)
    return group.with_files(sorted((*group.files, *joined), key=lambda i: str(i.path)))


def bring_back_turned(plan: Plan, *, decoder: str | None = None,
                      progress: Callable[[Path, str | None], None] | None = None) -> Plan:  # fmt: skip
    """A plan whose photos stored turned a quarter are in their group, brought back to
    the sensor's frame (``FileInfo.turn``), or among its failures with the reason.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> from hotpixels.engine.plan import make_plan
    >>> from hotpixels.sim.camera import simulate
    >>> sim = simulate(tempfile.mkdtemp(), frames=8, size="256x192", seed=2, fmt="png")
    >>> with Image.open(sim.frames[0]) as im:  # turned clockwise, EXIF kept
    ...     im.transpose(Image.Transpose.ROTATE_270).save(sim.frames[0], exif=im.getexif())
    >>> plan = bring_back_turned(make_plan(sim.frames))
    >>> [i.turn for i in plan.groups[0].files if i.turn], plan.failures
    ([1], [])
    """
    pending = [g for g in plan.groups if g.turned]
    if not pending:
        return plan
    started(progress, sum(len(g.turned) for g in pending), "turning")
    failures = list(plan.failures)
    groups = [_orient(g, decoder, failures, progress) if g.turned else g for g in plan.groups]
    return replace(plan, groups=groups, failures=failures)
