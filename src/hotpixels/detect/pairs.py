"""Developed photos: tell two adjacent photosites from one defect's smear.

Demosaicing, chroma subsampling and noise reduction spread one defect over a few
pixels and all three channels, so two adjacent defective photosites of a Bayer sensor
often show as one blob. This camera's own isolated defects say what one defect looks
like: for each dominant channel, the median of their 5x5x3 windows of the excess
(``Evidence.z``, in robust standard deviations, so the noise is about 1 everywhere),
each scaled to 1 at its largest excess, is that channel's *smear*.

Both the windows that teach and the window of the entry are centred on the
*photosite* (:func:`photosite`: the brightest pixel of the temporal mean within 1 px),
not on the pixel of the largest excess: JPEG's chroma smear and a colour matrix turn a
red or blue photosite into a plateau whose corner holds the largest neighbour residual,
and from that corner a diagonal neighbour of the photosite is two steps away.

A merged entry is then explained twice, by least squares with positive amplitudes: as
one smear (of any channel, within 1 px of the photosite), and as two smears on adjacent
pixels that a Bayer sensor can hold (green beside red or blue, one step across; two
greens, or red and blue, diagonally). The entry is two photosites when the second smear
would itself be above the decision line and either

- it improves the fit by at least :data:`PAIR_GAIN` (a sum of squares in units of the
  noise) and by :data:`PAIR_SHARE` of the square of the entry's peak (a smear learned
  from a few defects fits strong ones less well), or
- the weaker of the two photosites stands :data:`PAIR_LINE` times above the line and
  :data:`PAIR_CONTRAST` times above the RMS of what the two smears leave unexplained: a
  second peak that one defect's smear cannot account for (pairs of similar strength and
  clipped ones, whose gain a strong single's misfit can match).

When the camera's smears say one photosite, the entry is explained again with the smears
the *other* defects teach (an isolated merged pair would otherwise teach its own shape),
provided they still hold a smear of the entry's own channel.

Red and blue photosites sit at mirrored places of the Bayer pattern (and of JPEG's 2x2
chroma blocks), so when one of them has fewer than :data:`MIN_EXAMPLES` isolated defects
it borrows the other's smear turned by half a turn, with red and blue exchanged.
Measured on the varied simulated sets (:data:`hotpixels.sim.style.SETS`), seeds 1-15,
pairs found as two: bilinear 105/105, VNG 105/105, edge-aware 104/105, colour matrix
102/105 (from the pixel of the largest excess, 99, 105, 102 and 94) with no more false
defects in any set; earlier, over seeds 1-16 of those sets and the default camera,
single defects gained up to 1583 (0.42 of the squared peak) and their weaker photosite
stood at most 3.44 times above the misfit. Grey photos are not split.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hotpixels.detect.evidence import Evidence

__all__ = ["ISOLATED", "MIN_EXAMPLES", "PAIR_CONTRAST", "PAIR_GAIN", "PAIR_LINE", "PAIR_SHARE", "PairFit",
           "borrowed", "isolated", "others_within", "photosite", "second_photosite", "smears", "split_pairs"]

#: Improvement of the fit (sum of squares, in noise units) a second smear must bring.
PAIR_GAIN = 1700.0
#: ... and this share of the square of the entry's peak excess: one smear learned from a
#: few defects fits a strong one less well than a weak one.
PAIR_SHARE = 0.45
#: ... or the weaker photosite stands this many times above the RMS misfit of the pair.
PAIR_CONTRAST = 4.0
#: ... when it is also this many times above the decision line.
PAIR_LINE = 1.5
#: Half size of the window a smear covers.
HALF = 2
#: Fewest isolated defects of a channel from which its smear is learned.
MIN_EXAMPLES = 3
#: Distance (px) within which another defect means an entry is not isolated.
ISOLATED = 8
_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
#: Index of the green channel (the only colour of which a Bayer sensor has neighbours).
_GREEN = 1
#: Red and blue: each one's smear is the other's with the two exchanged.
_MIRRORED = ((0, 2), (2, 0))


@dataclass(frozen=True)
class PairFit:
    """The best explanation of a window by two adjacent smears.

    Attributes
    ----------
    gain : float
        Sum of squares it removes beyond the best single smear.
    offset : (int, int)
        Where the second photosite sits, relative to the centre.
    channel : int
        Its channel.
    peak : float
        Its excess at its own centre, in robust standard deviations.
    weaker : float
        The excess of the weaker of the two photosites.
    misfit : float
        RMS of what the two smears leave unexplained.
    """

    gain: float
    offset: tuple[int, int]
    channel: int
    peak: float
    weaker: float
    misfit: float


def _window(ev: Evidence, y: int, x: int) -> np.ndarray | None:
    m, n, _ = ev.z.shape
    if y < HALF + 1 or x < HALF + 1 or y >= m - HALF - 1 or x >= n - HALF - 1:
        return None
    return ev.z[y - HALF : y + HALF + 1, x - HALF : x + HALF + 1].astype(np.float64)


def _bright(ev: Evidence, y: int, x: int) -> bool:
    """Whether the pixel's strongest channel shows a positive excess at the line."""
    c = int(ev.dominant[y, x])
    return bool(ev.z[y, x, c] >= ev.z_threshold)


def photosite(ev: Evidence, y: int, x: int) -> tuple[int, int]:
    """Where the photosite behind bright entry ``(y, x)`` sits: the brightest pixel of
    its channel's temporal mean within 1 px.

    The entry is the pixel of the largest neighbour residual; JPEG's chroma smear can
    spread a red or blue photosite into a plateau whose corner, not its middle, has
    that residual.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator.empty((9, 9, 1), 8)
    >>> frame = np.full((9, 9, 1), 50, np.uint8)
    >>> frame[3:6, 3:6], frame[4, 4] = 150, 160
    >>> _ = acc.update(frame)
    >>> photosite(evidence(acc), 3, 3)
    (4, 4)
    """
    m, n, _ = ev.z.shape
    if min(y, x, m - 1 - y, n - 1 - x) < 1:
        return y, x
    c = int(ev.dominant[y, x])
    w = ev.acc.mean(slice(y - 1, y + 2))[:, x - 1 : x + 2, c]
    dy, dx = np.unravel_index(int(np.argmax(w)), w.shape)
    return (y, x) if w[dy, dx] <= w[1, 1] else (y + int(dy) - 1, x + int(dx) - 1)


def others_within(y: int, x: int, centres: Iterable[tuple[int, int]], reach: int) -> list[tuple[int, int]]:
    """The other centres within ``reach`` px (Chebyshev) of ``(y, x)``.

    Examples
    --------
    >>> others_within(10, 10, [(10, 10), (11, 12), (10, 14)], 2)
    [(11, 12)]
    """
    return [(yy, xx) for yy, xx in centres if 0 < max(abs(y - yy), abs(x - xx)) <= reach]


def isolated(y: int, x: int, centres: list[tuple[int, int]]) -> bool:
    """Whether no other centre lies within :data:`ISOLATED` px of ``(y, x)``.

    Examples
    --------
    >>> isolated(10, 10, [(10, 10), (10, 19)]), isolated(10, 10, [(10, 10), (18, 18)])
    (True, False)
    """
    return not others_within(y, x, centres, ISOLATED)


def _examples(ev: Evidence, centres: list[tuple[int, int]]) -> dict[int, dict[tuple[int, int], np.ndarray]]:
    """The isolated bright defects' windows around their photosites, scaled to 1 at
    their strongest, per dominant channel."""
    examples: dict[int, dict[tuple[int, int], np.ndarray]] = {}
    for y, x in centres:
        if not _bright(ev, y, x):
            continue
        if not isolated(y, x, centres):
            continue
        w = _window(ev, *photosite(ev, y, x))
        if w is None:
            continue
        c = int(ev.dominant[y, x])
        examples.setdefault(c, {})[(y, x)] = w / _peak(w, c)
    return examples


def _peak(w: np.ndarray, c: int) -> float:
    """The largest excess of channel ``c`` within 1 px of the window's middle."""
    return float(w[HALF - 1 : HALF + 2, HALF - 1 : HALF + 2, c].max())


def _medians(examples: dict[int, dict[tuple[int, int], np.ndarray]], without: tuple[int, int] | None
             ) -> dict[int, np.ndarray]:  # fmt: skip
    out = {}
    for c, windows in sorted(examples.items()):
        ws = [w for p, w in windows.items() if p != without]
        if len(ws) >= MIN_EXAMPLES:
            out[c] = np.median(ws, axis=0)
    if out and next(iter(out.values())).shape[2] == 3:  # an RGB photo
        out = borrowed(out, lambda w: w[::-1, ::-1, ::-1])
    return dict(sorted(out.items()))


def borrowed(per_channel: dict, mirror) -> dict:
    """``per_channel`` with red or blue, when missing, taken from the other as
    ``mirror`` turns it (their photosites sit at mirrored places of a Bayer sensor).

    Examples
    --------
    >>> borrowed({0: [1.0, -0.2, 0.1]}, lambda v: v[::-1])
    {0: [1.0, -0.2, 0.1], 2: [0.1, -0.2, 1.0]}
    """
    out = dict(per_channel)
    for have, lack in _MIRRORED:
        if have in out and lack not in out:
            out[lack] = mirror(out[have])
    return out


def smears(ev: Evidence, centres: list[tuple[int, int]], without: tuple[int, int] | None = None
           ) -> dict[int, np.ndarray]:  # fmt: skip
    """This camera's smear of one bright defect, per dominant channel.

    Parameters
    ----------
    ev : Evidence
    centres : list of (row, column)
        Defect centres; the bright ones with no other within :data:`ISOLATED` px teach.
    without : (row, column), optional
        A centre that does not teach (the entry being explained).

    Returns
    -------
    dict
        Channel index to a ``(5, 5, C)`` window around the photosite, 1 at its
        largest excess in that channel (within 1 px of the middle); only
        channels with at least :data:`MIN_EXAMPLES` isolated defects, and red or blue
        borrowed from the other (the two exchanged) when that one has them.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import Evidence
    >>> from hotpixels.stats import Accumulator
    >>> z = np.zeros((40, 40, 3), np.float32)
    >>> for y, x in [(10, 10), (10, 30), (30, 20)]:
    ...     z[y, x, 1], z[y, x + 1, 1] = 60, 20
    >>> acc = Accumulator.empty(z.shape, 8)
    >>> _ = acc.update((100 + z).astype(np.uint8))   # temporal means that follow the excess
    >>> ev = Evidence(z, z * 0, 14.0, z.max(2), z.argmax(2).astype(np.uint8), acc, 255.0)
    >>> s = smears(ev, [(10, 10), (10, 30), (30, 20)])
    >>> list(s), float(s[1][2, 3, 1])
    ([1], 0.333...)
    >>> smears(ev, [(10, 10), (10, 30), (30, 20)], without=(10, 10))
    {}
    """
    return _medians(_examples(ev, centres), without)


def _shifted(smear: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The smear moved by (dy, dx) within its window (what leaves it is cut)."""
    out = np.zeros_like(smear)
    k = 2 * HALF + 1
    out[max(dy, 0) : k + min(dy, 0), max(dx, 0) : k + min(dx, 0)] = \
        smear[max(-dy, 0) : k - max(dy, 0), max(-dx, 0) : k - max(dx, 0)]  # fmt: skip
    return out


def _bayer_neighbours(c1: int, c2: int, diagonal: bool) -> bool:
    """Whether photosites of channels c1, c2 can touch (diagonally or not) on a Bayer CFA."""
    if c1 == c2:
        return c1 == _GREEN and diagonal
    return diagonal != (_GREEN in (c1, c2))


def second_photosite(w: np.ndarray, shapes: dict[int, np.ndarray]) -> PairFit:
    """The best explanation of one window by two adjacent smears, against one.

    Parameters
    ----------
    w : (5, 5, C) ndarray
        The excess around an entry's centre.
    shapes : dict
        The camera's smears (:func:`smears`).

    Returns
    -------
    PairFit
        All zero when no pair of positive amplitudes fits.

    Examples
    --------
    >>> import numpy as np
    >>> dot = np.zeros((5, 5, 3)); dot[2, 2, 1] = 1.0
    >>> fit = second_photosite(dot * 50, {1: dot})
    >>> fit.gain, fit.weaker
    (0.0, 0.0)
    """
    keys = [(c, off) for c in shapes for off in _OFFSETS]
    basis = np.stack([_shifted(shapes[c], *off).ravel() for c, off in keys])
    v = w.ravel()
    gram, proj = basis @ basis.T, basis @ v
    diag = np.diag(gram)
    single = np.where(proj > 0, proj**2 / np.maximum(diag, 1e-12), 0.0).max()
    best, found = 0.0, None
    for i, j in itertools.permutations(range(len(keys)), 2):
        (c1, p), (c2, q) = keys[i], keys[j]
        step = (q[0] - p[0], q[1] - p[1])
        if max(abs(step[0]), abs(step[1])) != 1 or not _bayer_neighbours(c1, c2, 0 not in step):
            continue
        det = gram[i, i] * gram[j, j] - gram[i, j] ** 2
        if det <= 1e-9:
            continue
        a = (gram[j, j] * proj[i] - gram[i, j] * proj[j]) / det
        b = (gram[i, i] * proj[j] - gram[i, j] * proj[i]) / det
        gain = a * proj[i] + b * proj[j] - single
        if a > 0 and b > 0 and gain > best:
            best, found = gain, (i, j, a, b)
    if found is None:
        return PairFit(0.0, (0, 0), 0, 0.0, 0.0, 0.0)
    i, j, a, b = found
    (c1, p), (c2, q) = keys[i], keys[j]
    peaks = a * _peak(shapes[c1], c1), b * _peak(shapes[c2], c2)
    rest = v - a * basis[i] - b * basis[j]
    # The new photosite is the one away from the centre (the second, if both are).
    off, c, peak = (p, c1, peaks[0]) if q == (0, 0) else (q, c2, peaks[1])
    return PairFit(float(best), off, c, float(peak), float(min(peaks)), float(np.sqrt(rest @ rest / v.size)))


def _gains(fit: PairFit, w: np.ndarray, line: float) -> bool:
    """Whether the second smear improves the fit enough (see the module's notes)."""
    return fit.gain >= max(PAIR_GAIN, PAIR_SHARE * float(w.max()) ** 2) and fit.peak >= line


def _stands(fit: PairFit, line: float) -> bool:
    """Whether the weaker photosite stands above the line and the pair's misfit."""
    return fit.weaker >= PAIR_LINE * line and fit.weaker >= PAIR_CONTRAST * fit.misfit


def _teaches(examples: dict[int, dict[tuple[int, int], np.ndarray]], p: tuple[int, int]) -> bool:
    return any(p in windows for windows in examples.values())


def split_pairs(ev: Evidence, centres: list[tuple[int, int]], channels: int) -> list[tuple[int, int, int]]:
    """Second photosites hidden in merged entries.

    Parameters
    ----------
    ev : Evidence
    centres : list of (row, column)
        Defect centres of a developed photo (after merging the smear).
    channels : int
        The photo's channels: only RGB photos of a Bayer sensor are split.

    Returns
    -------
    list of (row, column, channel)
        One new centre per entry found to be two photosites.
    """
    if channels != 3:
        return []
    examples = _examples(ev, centres)
    every = _medians(examples, None)
    if not every:
        return []
    taken = set(centres)
    out = []
    for y, x in centres:
        if not _bright(ev, y, x) or others_within(y, x, taken, HALF):
            # already two entries, or not one bright blob
            continue
        py, px = photosite(ev, y, x)
        w = _window(ev, py, px)
        if w is None:
            continue
        line, fit = ev.z_threshold, second_photosite(w, every)
        two = _gains(fit, w, line) or _stands(fit, line)
        others = _medians(examples, (y, x)) if not two and _teaches(examples, (y, x)) else {}
        if int(ev.dominant[y, x]) in others:
            # A second peak is also looked for with the smears the other defects teach:
            # an isolated merged pair would otherwise teach its own shape and hide.
            fit = second_photosite(w, others)
            two = _gains(fit, w, line) or _stands(fit, line)
        if not two:
            continue
        (dy, dx), c = fit.offset, fit.channel
        # The entry stands for one of the two photosites; the new one is the other.
        second = (py + dy, px + dx)
        if second == (y, x):
            second, c = (py, px), int(ev.dominant[py, px])
        if second not in taken:
            out.append((*second, c))
            taken.add(second)
    return out
