"""RAW mosaics: every photosite above the line is a defect of its own.

Coordinates are the mosaic's photosites (the map is in the RAW frame); there is no
demosaicing smear to merge, so ``members`` stay empty. Left out are the *ring* a strong
defect leaves in its plane neighbours' residual, and an excess seen in too few frames.
"""

from __future__ import annotations

import numpy as np

from hotpixels import kernels
from hotpixels.detect.evidence import Evidence
from hotpixels.detect.kinds import classify
from hotpixels.detect.response import response
from hotpixels.frames import FrameStrategy
from hotpixels.maps.model import Defect

__all__ = ["RAW_MIN_SHARE", "decide"]

#: An excess must show in at least this share of the frames (and 3).
RAW_MIN_SHARE = 0.2


def decide(ev: Evidence, strategy: FrameStrategy, names: tuple[str, ...], strong, weak
           ) -> tuple[list[Defect], list[Defect]]:  # fmt: skip
    """Every photosite above the line is one defect, except

    * the *ring* a strong defect leaves in its plane neighbours' residual (opposite
      sign, at most a quarter of its z: a neighbour's residual carries 1/8 of the
      defect's excess);
    * an excess seen in too few frames (:data:`RAW_MIN_SHARE`): in a mosaic a point
      light of one photo can sit on one photosite of a colour, whose same-colour
      neighbours are two steps away; a defect stands out photo after photo.
    """
    zt = np.float32(ev.z_threshold)
    min_frames = max(3, int(np.ceil(RAW_MIN_SHARE * ev.acc.n)))

    def counts(y, x, k) -> bool:
        return ev.decoupling[y, x, k] >= 1.0 or abs(int(ev.frames[y, x, k])) >= min_frames

    def subpixels(pixels, every: bool) -> list[tuple[float, int, int, int]]:
        out = []
        for y, x in pixels:
            channels = range(ev.z.shape[2]) if every else [int(ev.dominant[y, x])]
            out += [(ev.score(y, x, k), int(y), int(x), k) for k in channels
                    if not every or (max(abs(ev.z[y, x, k]) / zt, ev.decoupling[y, x, k]) >= 1.0
                                     and counts(y, x, k))]
        return sorted(out, key=lambda t: (-t[0], t[1], t[2], t[3]))

    table = ev.acc.table

    def ring(t, p) -> bool:
        """Whether subpixel ``t`` is the ring of a stronger ``p``, one of its neighbours."""
        (_, y, x, k), (_, py, px, pk) = t, p
        z, zp = ev.z[y, x, k], ev.z[py, px, pk]
        return ((py, px, pk) in kernels.neighbour_points(y, x, k, ev.z.shape, table)
                and np.sign(z) != np.sign(zp) and abs(z) <= 0.25 * abs(zp))  # fmt: skip

    def ring_free(cands, kept: list) -> list:
        out: list = []
        for t in cands:
            if not any(ring(t, p) for p in kept + out):
                out.append(t)
        return out

    found = ring_free(subpixels(strong, True), [])
    near = ring_free(subpixels(weak, False), found)
    return ([_photosite_defect(ev, strategy, names, *t) for t in found],
            [_photosite_defect(ev, strategy, names, *t) for t in near])


def _photosite_defect(ev: Evidence, strategy: FrameStrategy, names: tuple[str, ...], score: float,
                      py: int, px: int, k: int) -> Defect:  # fmt: skip
    x, y = strategy.position(py, px, k, ev.z.shape[2])
    kind = classify(ev, py, px, k, strategy)
    offset, gain = (response(ev, py, px, k) or (None, None)) if kind == "warm" else (None, None)
    return Defect(
        x=x,
        y=y,
        kind=kind,
        score=round(float(score), 3),
        channel=names[k],
        channels=[names[k]],
        frames=abs(int(ev.frames[py, px, k])),
        mean=round(ev.mean(py, px, k), 2),
        excess=round(ev.mean_residual(py, px, k), 2),
        confidence=ev.confidence(py, px, k),
        offset=offset,
        gain=gain,
    )
