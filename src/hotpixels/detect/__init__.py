"""From statistics to defects: evidence, decision, clusters or photosites, kinds, dates.

``evidence`` computes the test statistics of every subpixel; the group's frame decides
how they become defects, once (:func:`hotpixels.frames.strategy_for`): ``image`` merges
the smear around each defect of a developed photo into one entry, ``photosites`` keeps
every photosite of a RAW mosaic apart; ``kinds`` classifies, ``dating`` dates.
"""

from __future__ import annotations

import numpy as np

from hotpixels.detect import image, photosites
from hotpixels.detect.dating import LATE_SHARE, confirm_first_seen, first_seen, last_seen
from hotpixels.detect.evidence import D_THRESHOLD, DECOUPLING_MIN_FRAMES, Z_THRESHOLD, Evidence, evidence
from hotpixels.detect.ranking import variance_ranking
from hotpixels.detect.response import confirm_responses
from hotpixels.errors import ParameterError
from hotpixels.frames import FrameKind, strategy_for
from hotpixels.maps.model import DefectMap
from hotpixels.stats import MIN_FRAMES, Accumulator

__all__ = ["DECOUPLING_MIN_FRAMES", "LATE_SHARE", "MIN_FRAMES", "Evidence", "confirm_first_seen",
           "confirm_responses", "detect_defects", "evidence", "variance_ranking"]  # fmt: skip



def _candidates(best: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixels above the decision line, and (for ``top``) the strongest below it."""
    strong = np.argwhere(best >= 1.0)
    n_extra = max(top * 20, 0)
    if not n_extra:
        return strong, np.empty((0, 2), dtype=np.intp)
    flat = best.ravel()
    k = min(n_extra + len(strong), flat.size)
    idx = np.argpartition(flat, flat.size - k)[flat.size - k :]
    weak = np.column_stack(np.unravel_index(idx, best.shape))
    return strong, weak[best[weak[:, 0], weak[:, 1]] < 1.0]


def detect_defects(
    acc: Accumulator,
    *,
    z_threshold: float = Z_THRESHOLD,
    d_threshold: float = D_THRESHOLD,
    top: int = 0,
    camera=None,
    dates: list | None = None,
    workers: int | None = None,
) -> DefectMap:
    """Decide which subpixels are defects, cluster and classify them.

    Parameters
    ----------
    acc : Accumulator
        Statistics of one camera group (at least 5 frames).
    z_threshold : float
        Decision line of the excess test, in robust standard deviations.
    d_threshold : float
        Decision line of the decoupling test, ``log10(var(r) / var(v))``.
    top : int
        Also return up to ``top`` strongest candidates below the decision line
        (``DefectMap.near_misses``).
    camera : CameraKey, optional
        The group's key: its identity is recorded in the map, and its frame decides how
        candidates become defects. A RAW group's key (frame ``raw``, with its 2x2
        pattern ``cfa``, 4 letters, or 36 for X-Trans) means the accumulator holds the
        mosaic's planes, one per position of its tile
        (:func:`hotpixels.mosaic.to_planes`): every photosite above the line is one
        defect, and the map is in the RAW frame, of the mosaic's size.
    dates : list of datetime, optional
        Capture dates of the group's frames by rank (the ``rank`` of
        :meth:`Accumulator.update`); a defect first seen after :data:`LATE_SHARE` of
        them gets ``first_seen`` (it appeared during the series); every defect that a
        dated photo showed strongly gets ``last_seen``, that photo's date.
    workers : int, optional
        Threads for the evidence (default one per core); the map does not depend on it.

    Returns
    -------
    DefectMap
        The defects, strongest first; empty for a camera without defects.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.stats import MIN_FRAMES, Accumulator
    >>> rng = np.random.default_rng(0)
    >>> acc = Accumulator()
    >>> for _ in range(20):
    ...     f = rng.integers(60, 200, (64, 64, 1), dtype=np.uint8)
    ...     f[10, 20] = 255
    ...     _ = acc.update(f)
    >>> [(d.x, d.y, d.kind) for d in detect_defects(acc).defects]
    [(20, 10, 'hot')]
    """
    if acc.n < MIN_FRAMES:
        msg = f"acc: need at least {MIN_FRAMES} distinct photos to decide, got {acc.n}"
        raise ParameterError(msg)
    if z_threshold <= 0:
        msg = f"z_threshold must be positive, got {z_threshold}"
        raise ParameterError(msg)
    strategy = strategy_for(getattr(camera, "frame", FrameKind.IMAGE))
    cfa = getattr(camera, "cfa", "") if strategy.kind is FrameKind.RAW else ""
    bayer = len(cfa) == 4 and sorted(cfa) == ["B", "G", "G", "R"]
    xtrans = len(cfa) == 36 and set(cfa) == {"R", "G", "B"}
    if strategy.kind is FrameKind.RAW and (acc.shape[2] != len(cfa) or not (bayer or xtrans)):
        msg = (f"camera: cfa {cfa!r} needs a Bayer (2x2) or X-Trans (6x6) pattern and one plane "
               f"per position of its tile, got {acc.shape}")  # fmt: skip
        raise ParameterError(msg)
    ev = evidence(acc, z_threshold=z_threshold, d_threshold=d_threshold, workers=workers,
                  phases=strategy.smeared)
    names = strategy.channel_names(acc.shape[2], cfa)
    strong, weak = _candidates(ev.best, top)
    # One defect smeared over a few pixels (photos) is merged; photosites stay apart (RAW).
    decide = image.decide if strategy.smeared else photosites.decide
    defects, near = decide(ev, strategy, names, strong, weak)
    for d in defects:
        point = strategy.subpixel(d.x, d.y, d.channel, cfa)
        d.first_seen, d.last_seen = first_seen(acc, dates, *point), last_seen(acc, dates, *point)
    defects.sort(key=lambda d: (-d.score, d.y, d.x))
    near.sort(key=lambda d: (-d.score, d.y, d.x))
    width, height = (camera.width, camera.height) if getattr(camera, "width", 0) else \
        strategy.map_size(acc.shape)  # fmt: skip
    return DefectMap(
        width=width,
        height=height,
        frame=strategy.kind,
        cfa=cfa,
        frames=acc.n,
        defects=defects,
        near_misses=near[:top],
        camera=camera,
        first_taken=acc.first_taken,
        last_taken=acc.last_taken,
        parameters={"z_threshold": z_threshold, "d_threshold": d_threshold},
    )
