"""Detection quality: hotpixels against the original script's rule on the same sets.

The original printed the 10 subpixels with the lowest temporal variance (Welford M2);
each is taken as one reported defect. Both run on the same simulated cameras (the sets
of the test suite) and are scored with ``hotpixels.evaluate`` (match within 2 px,
one-to-one). Prints precision, recall, F1 and seconds per frame.

With ``--varied``, the kinds of set of ``hotpixels.sim.style.SETS`` (other demosaics,
sharpening, noise reduction, a colour matrix, recurring highlights, noisy bursts, few
photos, RAW),
5 seeds each at 640x480, and perfect cameras of 5, 8, 15 and 40 photos (JPEG and
lossless PNG): precision,
recall, F1, kinds right (and "kinds*": where a stuck photosite may also be reported
as the kind its own pixel cannot be told from, see ``_alike_kinds``), adjacent pairs
found as two ("colour": their photosites found and named their own colour), dated
defects right (within 2 frames) and false dates, beside the
lowest-variance rule's F1; then P, R and F1 of all sets pooled (every true and found
defect of every seed counted once).

Usage: python benchmarks/bench_detect.py [--quick] [--varied [--seeds 5]]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from hotpixels.detect import detect_defects, variance_ranking
from hotpixels.maps.model import Defect, DefectMap
from hotpixels.pipeline import scan
from hotpixels.sim.camera import simulate
from hotpixels.sim.evaluate import evaluate

SETS = [
    ("40 frames, seed 1", {"frames": 40, "seed": 1}),
    ("40 frames, seed 2", {"frames": 40, "seed": 2}),
    ("40 frames, seed 3", {"frames": 40, "seed": 3}),
    ("defect-free, 30", {"frames": 30, "seed": 4, "defects": False}),
    ("burst 40 of 60", {"frames": 60, "seed": 2, "burst": 40}),
    ("15 photos", {"frames": 15, "seed": 3}),
]


def _frame_dates(sim) -> list:
    from hotpixels.io.decode import probe

    return [probe(p).taken for p in sim.frames]


def _alike_kinds(sim, dmap, ev) -> float:
    """Kinds right when a stuck photosite may also be reported as the kind its own pixel
    cannot be told from: its value (median over the photos) is within the range of the
    same camera's full-scale hot photosites (then ``hot``) or dead ones (then ``dead``).
    The issue allows "stuck at full scale may be hot" because the two look the same; a
    demosaic, JPEG and a colour matrix make a stuck-at-90 % photosite read like a
    full-scale one, and clip a stuck-at-15 % one to black."""
    import numpy as np
    from PIL import Image

    stack = np.stack([np.asarray(Image.open(p)) for p in sim.frames])
    value = [float(np.median(stack[:, d.y, d.x, "RGB".index(d.channel)])) for d in sim.defects]
    hot = [
        v
        for v, d in zip(value, sim.defects, strict=True)
        if d.kind == "hot" and d.level >= 1.0 and not d.first_frame
    ]
    dead = [v for v, d in zip(value, sim.defects, strict=True) if d.kind == "dead"]
    right = 0
    for i, j in ev.matches:
        true, kind = sim.defects[i], dmap.defects[j].kind
        alike = {true.kind}
        if true.kind == "stuck" and hot and value[i] >= min(hot):
            alike.add("hot")
        if true.kind == "stuck" and dead and value[i] <= max(dead):
            alike.add("dead")
        right += kind in alike
    return right / len(ev.matches) if ev.matches else 1.0


def _varied_row(name: str, seed: int, kw: dict) -> dict:
    from hotpixels.pipeline import find

    kw = dict(kw)
    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp), size=(640, 480), seed=seed, **kw)
        paths = sim.raw_frames if kw.get("raw") else sim.frames
        _, [gm] = find(paths, workers=2)
        dmap = gm.dmap
        ev = evaluate(dmap, sim.truth_path)
        acc = scan(paths, repeats=False).groups[0].acc
        lowest = variance_ranking(acc, 10, frame=dmap.frame, cfa=dmap.cfa)
        ev0 = evaluate(DefectMap(dmap.width, dmap.height, [Defect(x, y) for x, y, _, _ in lowest],
                                 frame=dmap.frame, cfa=dmap.cfa), sim.truth_path)  # fmt: skip
        pairs = [d for d in sim.defects if d.note.startswith("adjacent pair")]
        missed = {(m["x"], m["y"]) for m in ev.missed}
        split = sum(1 for a, b in zip(pairs[::2], pairs[1::2], strict=True)
                    if (a.x, a.y) not in missed and (b.x, b.y) not in missed)  # fmt: skip
        named = sum(sim.defects[i].channel == dmap.defects[j].channel for i, j in ev.matches
                    if sim.defects[i].note.startswith("adjacent pair"))  # fmt: skip
        dates = _frame_dates(sim)
        late = next(d for d in sim.defects if d.note == "appears later")
        window = set(dates[max(0, late.first_frame - 2) : late.first_frame + 3])
        right = false = 0
        for d in dmap.defects:
            if d.first_seen is None:
                continue
            if abs(d.x - late.x) <= 2 and abs(d.y - late.y) <= 2 and d.first_seen in window:
                right += 1
            else:
                false += 1
        alike = ev.kind_agreement if kw.get("raw") else _alike_kinds(sim, dmap, ev)
    return {"P": ev.precision, "R": ev.recall, "F1": ev.f1, "kinds": ev.kind_agreement, "kinds*": alike,
            "counts": (ev.true_positives, ev.false_positives, ev.false_negatives),
            "pairs": (split, len(pairs) // 2), "named": (named, len(pairs)), "dated": right,
            "false dates": false,
            "F1 var": ev0.f1}  # fmt: skip


def varied(seeds: int) -> None:
    """The table of the varied sets."""
    from hotpixels.sim.style import SETS

    print(f"{'set':<16} {'P':>6} {'R':>6} {'F1':>6} {'kinds':>6} {'kinds*':>6} {'pairs':>7} {'colour':>7} "
          f"{'dated':>6} "
          f"{'false':>6} {'F1 lowest-var':>14}")  # fmt: skip
    pooled = [0, 0, 0]
    for name, kw in SETS.items():
        rows = [_varied_row(name, seed, kw) for seed in range(1, seeds + 1)]
        for r in rows:
            pooled = [a + b for a, b in zip(pooled, r["counts"], strict=True)]
        mean = {k: sum(r[k] for r in rows) / len(rows) for k in ("P", "R", "F1", "kinds", "kinds*", "F1 var")}
        split = sum(r["pairs"][0] for r in rows), sum(r["pairs"][1] for r in rows)
        named = sum(r["named"][0] for r in rows), sum(r["named"][1] for r in rows)
        print(f"{name:<16} {mean['P']:>6.3f} {mean['R']:>6.3f} {mean['F1']:>6.3f} {mean['kinds']:>6.2f} "
              f"{mean['kinds*']:>6.2f} "
              f"{split[0]:>3}/{split[1]:<3} {named[0]:>3}/{named[1]:<3} "
              f"{sum(r['dated'] for r in rows):>3}/{len(rows):<2} "
              f"{sum(r['false dates'] for r in rows):>6} {mean['F1 var']:>14.3f}", flush=True)  # fmt: skip
    tp, fp, fn = pooled
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"{'all (pooled)':<16} {p:>6.3f} {r:>6.3f} {2 * p * r / max(p + r, 1e-9):>6.3f}", flush=True)
    from hotpixels.pipeline import find

    for fmt in ("jpeg", "png"):
        for frames in (5, 8, 15, 40):
            counts = []
            for seed in range(1, seeds + 1):
                with tempfile.TemporaryDirectory() as tmp:
                    sim = simulate(
                        Path(tmp), frames=frames, size=(640, 480), seed=seed, defects=False, fmt=fmt
                    )
                    counts.append(len(find(sim.frames, workers=2).maps[0].dmap.defects))
            print(f"perfect, {frames:>2} photos ({fmt}): defects found per seed {counts}", flush=True)


def main() -> None:
    if "--varied" in sys.argv:
        seeds = int(sys.argv[sys.argv.index("--seeds") + 1]) if "--seeds" in sys.argv else 5
        varied(seeds)
        return
    quick = "--quick" in sys.argv
    sets = SETS[:1] + SETS[3:4] if quick else SETS
    print(f"{'set':<20} {'method':<22} {'found':>5} {'P':>6} {'R':>6} {'F1':>6} {'s/frame':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in sets:
            out = Path(tmp) / name.replace(" ", "_").replace(",", "")
            sim = simulate(out, size=(1600, 1200), **kw)
            t0 = time.perf_counter()
            res = scan([out])
            group = res.groups[0]
            dmap = detect_defects(group.acc)
            t_hp = (time.perf_counter() - t0) / kw["frames"]
            ev = evaluate(dmap, sim.truth_path)
            print(f"{name:<20} {'hotpixels':<22} {len(dmap.defects):>5} {ev.precision:>6.3f} "
                  f"{ev.recall:>6.3f} {ev.f1:>6.3f} {t_hp:>8.3f}")  # fmt: skip
            # The original: every frame (no repeat detection), lowest variance, top 10.
            res_all = scan([out], repeats=False)
            lowest = variance_ranking(res_all.groups[0].acc, 10)
            orig = DefectMap(1600, 1200, [Defect(x, y) for x, y, _, _ in lowest])
            ev0 = evaluate(orig, sim.truth_path)
            print(f"{'':<20} {'lowest variance top 10':<22} {10:>5} {ev0.precision:>6.3f} "
                  f"{ev0.recall:>6.3f} {ev0.f1:>6.3f} {'':>8}")  # fmt: skip


if __name__ == "__main__":
    main()
