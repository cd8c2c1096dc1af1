"""Developed photos: merge the smear around one defect into one entry, keep neighbours apart.

Demosaicing and JPEG smear one defect over a few pixels and channels. The centre of a
defect is a pixel whose strongest channel is a local maximum among the neighbours whose
strongest channel is the same (so two adjacent photosites of different colours stay two
defects); every pixel within 2 px with a score of at least 0.3 is a *member* (the pixels
a repair should replace). Two photosites whose smears merged into one blob are told
apart by :mod:`hotpixels.detect.pairs`. A centre on the edge of a bright area (a small
highlight that recurs, blurred below clipping) is not a defect (:data:`BROAD`). Nor are
three or more entries chained a few pixels apart (:data:`OUTLINE_ENTRIES`): the rim of a
small highlight or an edge that recurs in a few photos.

A lone entry's channel is that of its photosite: a camera's colour matrix mixes each
channel into the others with negative weights, so a hot red or blue photosite also
darkens green, and as its own channel clips there, green can show the stronger excess.
The photosite's own channel is then the one whose excess, added up over the smear in
linear light, is of the opposite sign and clearly larger (:data:`OWN_RATIO`). The kind
of a defect beside another is read with what the other's colour mixing took from it
added back (:mod:`hotpixels.detect.crosstalk`).
"""

from __future__ import annotations

import itertools

import numpy as np

from hotpixels.detect.crosstalk import crosstalk, partner_excess
from hotpixels.detect.evidence import Evidence
from hotpixels.detect.kinds import classify, photosite_excess
from hotpixels.detect.pairs import others_within, split_pairs
from hotpixels.frames import FrameStrategy
from hotpixels.maps.model import Defect

__all__ = ["OUTLINE_ENTRIES", "OUTLINE_SPREAD", "SUPPORTED_FRAMES", "SUPPORTED_LINE", "SUPPORTED_SHARE",
           "bayer_channels", "decide", "outlines", "supported"]

#: An excess (not a decoupled subpixel) must stand out in this share of the frames, and
#: in 2 at least: one frame is never enough.
MIN_SHARE = 0.1
#: Below the line, a pixel is still a defect when its score reaches SUPPORTED_LINE and
#: its strongest subpixel stood out (3 sigmas) in SUPPORTED_SHARE of the frames, and in
#: SUPPORTED_FRAMES at least: two pieces of evidence that chance does not give together
#: (faint warm photosites under high noise score 0.65-0.92 and stand out in 4-10 of
#: 29 frames; candidates of defect-free cameras and highlights stand out in 3 at most:
#: perfect cameras of 5-40 photos, seeds 1-10, stay empty).
SUPPORTED_LINE = 0.65
SUPPORTED_SHARE = 0.13
SUPPORTED_FRAMES = 4
MEMBER_LEVEL = 0.3
FOOTPRINT = 8
CORE = 3
ECHO = 0.35
#: A bright area, not a defect: in every channel the temporal mean 2 px from the entry
#: stands this share of the entry's own height above the background (4-5 px away).
#: Small highlights that recur at one place, blurred below clipping by an edge-aware
#: demosaic and noise reduction, stood at 0.22-0.66 (17 of 24 at 0.3 or more); defects
#: that are not stuck at 0.24 at most (the varied sets, seeds 1-10: a defect's smear is
#: a point, its partner of a pair one pixel of the ring).
BROAD = 0.3
_GREEN = 1
#: Half size of the window that sees the background around an entry.
_AREA = 5
#: Entries that outline a scene structure: at least OUTLINE_ENTRIES of them chained by
#: steps of at most :data:`FOOTPRINT` px and spread over OUTLINE_SPREAD px or more (not
#: one compact cluster of adjacent photosites). A small highlight's rim or an edge that
#: recurs in a few frames gives such chains; independent defects that close are
#: improbable (at 1e-4 defects per pixel, two more within 8 px of one about 4e-4).
#: Measured on the varied sets, seeds 1-25, and sets of 5 and 8 photos, seeds 1-10: 34
#: false entries in 9 chains (edge-aware highlights; edges of lossless photos), no
#: true defect.
OUTLINE_ENTRIES = 3
OUTLINE_SPREAD = 3
#: A lone entry's channel is another than its strongest when that one's photosite
#: excess has the opposite sign (a colour matrix's negative weights), at least this many
#: times the strongest's and at least :data:`OWN_EXCESS`. Through a colour matrix a hot
#: red or blue photosite's own excess was 1.48-7 times the green one's (seeds 1-5);
#: a dead green photosite's, clipped at black, stays about 1.7 times the red one's.
OWN_RATIO = 1.2
#: The least photosite excess (linear light) that names a channel: a warm photosite's
#: after the smear, 0.07 at least; a stuck one's other channels stay below 0.04.
OWN_EXCESS = 0.07


def decide(ev: Evidence, strategy: FrameStrategy, names: tuple[str, ...], strong, weak
           ) -> tuple[list[Defect], list[Defect]]:  # fmt: skip
    """Defects among the pixels above the line (``strong``), and the strongest
    candidates below it (``weak``) that touch none of them.

    Parameters
    ----------
    ev : Evidence
    strategy : FrameStrategy
    names : tuple of str
        Channel names.
    strong, weak : (K, 2) ndarray of (row, column)

    Returns
    -------
    defects, near_misses : list of Defect
    """
    strong = [p for p in strong if _shown(ev, int(p[0]), int(p[1]))] + supported(ev)
    centres = [p for p in _centres(ev, strategy, strong) if not _bright_area(ev, *p)]
    seconds = split_pairs(ev, centres, len(names))
    outline = outlines(ev, centres + [(y, x) for y, x, _ in seconds])
    firsts = [p for p in centres if p not in outline]
    seconds = [s for s in seconds if s[:2] not in outline]
    centres = firsts + [(y, x) for y, x, _ in seconds]
    channel = {p: _own_channel(ev, strategy, *p, centres) for p in firsts}
    channel.update({(y, x): c for y, x, c in seconds})
    bayer_channels(ev, centres, channel)
    talk = crosstalk(ev, strategy, centres, channel)
    near = [p for p in _centres(ev, strategy, weak) if not _touches(p, centres)]
    defects = []
    for y, x in centres:
        c = channel[(y, x)]
        partners = [(*p, channel[p]) for p in others_within(y, x, centres, 2)]
        excess = partner_excess(ev, strategy, y, x, c, partners[0] if len(partners) == 1 else None, talk)
        defects.append(_make_defect(ev, strategy, names, y, x, centres, c, excess))
    return defects, [_make_defect(ev, strategy, names, y, x, near) for y, x in near]


def _centres(ev: Evidence, strategy: FrameStrategy, candidates) -> list:
    """Pick defect centres among candidate pixels, strongest first.

    A candidate within 3 px of a stronger centre is part of that centre's footprint
    (the opposite-signed ring of the neighbour residual, the demosaic and JPEG smear in
    the same or other channels), and so is one within 8 px (a JPEG block's ringing)
    whose score is below ``ECHO`` times the centre's; unless it is directly adjacent, of the same sign, its
    strongest channel differs, in that channel it reaches at least half the value
    the stronger centre shows there, and its photosite excess in that channel has its
    sign: then it is a second photosite of another colour. (Beside a hot red or blue
    photosite a colour matrix and JPEG leave green brighter on one pixel, while the
    green excess around it adds up below zero.)
    """
    score_px, dominant = ev.best, ev.dominant
    order = sorted(
        ((int(y), int(x)) for y, x in candidates), key=lambda p: (-score_px[p], p)
    )
    kept: list[tuple[int, int]] = []
    for y, x in order:
        c = dominant[y, x]
        z = ev.z[y, x, c]
        separate = True
        for ky, kx in kept:
            dist = max(abs(ky - y), abs(kx - x))
            if dist > FOOTPRINT or (dist > CORE and score_px[y, x] >= ECHO * score_px[ky, kx]):
                continue
            kc = dominant[ky, kx]
            same_sign = np.sign(ev.z[ky, kx, kc]) == np.sign(z)
            zk = ev.z[ky, kx, c]
            if (dist == 1 and same_sign and kc != c and abs(z) >= 0.5 * abs(zk)
                    and photosite_excess(ev, y, x, int(c), strategy) * z > 0):
                continue
            separate = False
            break
        if separate:
            kept.append((y, x))
    return kept


def _bright_area(ev: Evidence, y: int, x: int) -> bool:
    """Whether entry ``(y, x)`` is the edge of a bright scene area that recurs (see
    :data:`BROAD`) rather than a defect; not for a decoupled (stuck) one, whose value
    ignores the scene, nor within :data:`_AREA` px of the photo's edge."""
    m, n, _ = ev.z.shape
    c = int(ev.dominant[y, x])
    if ev.decoupling[y, x, c] >= 1.0 or min(y, x, m - 1 - y, n - 1 - x) < _AREA:
        return False
    w = ev.acc.mean(slice(y - _AREA, y + _AREA + 1))[:, x - _AREA : x + _AREA + 1]

    def ring(k: int) -> np.ndarray:
        a = w[_AREA - k : _AREA + k + 1, _AREA - k : _AREA + k + 1]
        return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])

    background = np.median(np.concatenate([ring(_AREA - 1), ring(_AREA)]), axis=0)
    height, near = w[_AREA, _AREA] - background, np.median(ring(2), axis=0) - background
    return bool(np.all(height > 0) and np.all(near >= BROAD * height))


def bayer_channels(ev: Evidence, centres: list[tuple[int, int]], channel: dict) -> None:
    """Relabel, in ``channel``, adjacent entries both named red (or both blue), which a
    Bayer sensor cannot hold side by side: the one with the larger excess in that
    channel is the other photosite (green beside it, or the other of red and blue
    diagonally), as its own excess adds to the red or blue photosite's smear there.
    Pair members of the varied sets, seeds 1-15, named their photosite's colour (seeds
    6-15 not looked at before): bilinear 177 -> 210 of 210, edge-aware 161 -> 209 of
    209, colour matrix 196 -> 207 of 207, VNG 158 -> 169 of 210.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator()
    >>> frame = np.full((16, 16, 3), 60, np.uint8)
    >>> frame[8, 8, 2], frame[8, 9, 2] = 250, 150
    >>> _ = acc.update(frame)
    >>> channel = {(8, 8): 2, (8, 9): 2}
    >>> bayer_channels(evidence(acc), [(8, 8), (8, 9)], channel)
    >>> channel
    {(8, 8): 1, (8, 9): 2}
    """
    for a, b in itertools.combinations(centres, 2):
        step = (b[0] - a[0], b[1] - a[1])
        c = channel[a]
        # Two greens may touch diagonally, and side by side the pixels do not say which
        # one is not green.
        if max(map(abs, step)) != 1 or c != channel[b] or c == _GREEN:
            continue
        other = max((a, b), key=lambda p: (ev.z[p[0], p[1], c], p))
        channel[other] = 2 - c if 0 not in step else _GREEN


def outlines(ev: Evidence, centres: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The entries of ``centres`` that outline a scene structure (see
    :data:`OUTLINE_ENTRIES`); never a decoupled (stuck) one, whose value ignores the scene.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator.empty((32, 32, 1), 8)
    >>> for level in range(40, 240, 20):
    ...     _ = acc.update(np.full((32, 32, 1), level, np.uint8))
    >>> ev = evidence(acc)
    >>> sorted(outlines(ev, [(10, 10), (10, 14), (13, 17), (25, 25)]))
    [(10, 10), (10, 14), (13, 17)]
    >>> outlines(ev, [(10, 10), (10, 11), (11, 11)])      # one compact cluster
    set()
    """
    out: set[tuple[int, int]] = set()
    seen: set[tuple[int, int]] = set()
    for start in centres:
        if start in seen:
            continue
        chain, todo = [], [start]
        seen.add(start)
        while todo:
            p = todo.pop()
            chain.append(p)
            fresh = [q for q in others_within(*p, centres, FOOTPRINT) if q not in seen]
            seen.update(fresh)
            todo += fresh
        spread = max(max(abs(a[0] - b[0]), abs(a[1] - b[1])) for a in chain for b in chain)
        if len(chain) >= OUTLINE_ENTRIES and spread >= OUTLINE_SPREAD:
            out.update(p for p in chain if ev.decoupling[p[0], p[1], int(ev.dominant[p])] < 1.0)
    return out


def supported(ev: Evidence) -> list[tuple[int, int]]:
    """Pixels below the line whose strongest subpixel scores at least
    :data:`SUPPORTED_LINE` and stood out in enough frames to be a defect."""
    need = max(SUPPORTED_FRAMES, int(np.ceil(SUPPORTED_SHARE * ev.acc.n)))
    near = np.argwhere((ev.best >= SUPPORTED_LINE) & (ev.best < 1.0))
    if not len(near):
        return []
    ys, xs = near[:, 0], near[:, 1]
    shown = np.abs(ev.frames[ys, xs, ev.dominant[ys, xs]].astype(np.int32)) >= need
    return [(int(y), int(x)) for y, x in near[shown]]


def _shown(ev: Evidence, y: int, x: int) -> bool:
    """Whether the pixel's strongest subpixel is decoupled or stood out in enough frames."""
    c = int(ev.dominant[y, x])
    need = max(2, int(np.ceil(MIN_SHARE * ev.acc.n)))
    return bool(ev.decoupling[y, x, c] >= 1.0) or abs(int(ev.frames[y, x, c])) >= need


def _touches(p: tuple[int, int], centres: list[tuple[int, int]]) -> bool:
    return p in centres or bool(others_within(*p, centres, FOOTPRINT))


def _own_channel(ev: Evidence, strategy: FrameStrategy, y: int, x: int, centres) -> int:
    """The channel of the photosite behind entry ``(y, x)``: its strongest, unless the
    entry is lone (no other centre within the smear's reach), shows an excess rather
    than a decoupled value, and another channel's photosite excess is of the opposite
    sign and clearly larger."""
    c = int(ev.dominant[y, x])
    zt = ev.z_threshold
    if ev.decoupling[y, x, c] >= abs(ev.z[y, x, c]) / zt or others_within(y, x, centres, CORE):
        return c
    excess = [photosite_excess(ev, y, x, k, strategy) for k in range(ev.z.shape[2])]
    k = int(np.argmax(np.abs(excess)))
    opposite = excess[k] * excess[c] < 0
    return k if opposite and abs(excess[k]) >= max(OWN_EXCESS, OWN_RATIO * abs(excess[c])) else c


def _make_defect(ev: Evidence, strategy: FrameStrategy, names, y: int, x: int, centres,
                 c: int | None = None, excess: float | None = None) -> Defect:  # fmt: skip
    score_px = ev.best
    c = _own_channel(ev, strategy, y, x, centres) if c is None else c
    m, n = score_px.shape
    members = []
    for yy in range(max(y - 2, 0), min(y + 3, m)):
        for xx in range(max(x - 2, 0), min(x + 3, n)):
            if score_px[yy, xx] < MEMBER_LEVEL:
                continue
            nearest = min(centres, key=lambda p: (max(abs(p[0] - yy), abs(p[1] - xx)), p))
            if nearest == (y, x):
                members.append((int(xx), int(yy)))
    channels = [names[i] for i in range(len(names)) if ev.score(y, x, i) >= 1.0]
    return Defect(
        x=int(x),
        y=int(y),
        kind=classify(ev, y, x, c, strategy, excess),
        score=round(float(score_px[y, x]), 3),
        channel=names[c],
        channels=channels or [names[c]],
        frames=abs(int(ev.frames[y, x, c])),
        members=sorted(members, key=lambda p: (p[1], p[0])),
        mean=round(ev.mean(y, x, c), 2),
        excess=round(ev.mean_residual(y, x, c), 2),
        confidence=ev.confidence(y, x, c),
    )
