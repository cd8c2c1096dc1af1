"""Text for the terminal: defect tables, the summary of a run, an evaluation.

Functions here turn results into lines; the command line prints them (stdout for
results, stderr for what happened along the way), and nothing here prints.

Examples
--------
>>> from hotpixels.maps.model import Defect, DefectMap
>>> print(format_table(DefectMap(100, 80, [Defect(3, 4, "hot", 2.5, "G", frames=9, confidence=0.9)])))
     x      y  kind     score  conf  ch  frames  members
     3      4  hot       2.50  0.90  G        9  0
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hotpixels.detect import DECOUPLING_MIN_FRAMES, variance_ranking
from hotpixels.frames import FrameKind, strategy_for
from hotpixels.io.decode import decoder_name
from hotpixels.maps.model import Defect, DefectMap

__all__ = ["fix_summary", "format_cameras", "format_evaluation", "format_table", "group_header",
           "group_report", "run_summary"]  # fmt: skip


def format_table(dmap: DefectMap, defects: Sequence[Defect] | None = None) -> str:
    """The defects (default: the map's) as an aligned text table."""
    rows = defects if defects is not None else dmap.defects
    lines = [f"{'x':>6} {'y':>6}  {'kind':<6} {'score':>7}  {'conf':>4}  {'ch':<3} {'frames':>6}  members"]
    for d in rows:
        conf = f"{d.confidence:.2f}" if d.confidence is not None else ""
        lines.append(f"{d.x:>6} {d.y:>6}  {d.kind:<6} {d.score:>7.2f}  {conf:>4}  {d.channel:<3} "
                     f"{d.frames if d.frames is not None else '':>6}  {len(d.members)}")  # fmt: skip
    return "\n".join(lines)


def group_header(gm) -> str:
    """``<camera>: N photo(s)[, M repeat(s) ...]`` for a group of a find result."""
    group = gm.group
    extra = f", {len(group.repeats)} repeat(s) of a scene counted once" if group.repeats else ""
    return f"{group.key.label()}: {len(group.files)} photo(s){extra}"


def _later(date, dates: list) -> int:
    """How many of ``dates`` come after ``date`` (0 without one)."""
    return sum(t > date for t in dates) if date else 0


def group_report(gm, target: Path, *, top: int = 0, variance: int = 0) -> str:
    """What ``find`` found for one group whose map was written to ``target``.

    Parameters
    ----------
    gm : GroupMap
        One group of a :class:`~hotpixels.pipeline.FindResult`, with a map.
    target : Path
        Where the map was written.
    top : int
        Also list the map's near misses (candidates below the line).
    variance : int
        Also list this many lowest-variance subpixels (the original script's rule).
    """
    dmap, group = gm.dmap, gm.group
    lines = [group_header(gm)]
    if dmap.defects:
        lines.append(format_table(dmap))
        counts = ", ".join(f"{k} {v}" for k, v in dmap.counts().items() if v)
        lines.append(f"{len(dmap.defects)} defect(s): {counts}. Map written to {target}")
        lines += [f"  {d.x},{d.y} appeared during the series: first seen {d.first_seen:%Y-%m-%d %H:%M}"
                  for d in dmap.defects if d.first_seen]  # fmt: skip
        dates = [t for t in group.dates if t is not None]
        lines += [f"  {d.x},{d.y} not seen since {d.last_seen:%Y-%m-%d %H:%M}: {after} later photo(s) "
                  "do not show it" for d in dmap.defects if d.kind != "stuck"  # shows by the scene
                  and (after := _later(d.last_seen, dates)) >= max(5, 0.2 * len(dates))]  # fmt: skip
    else:
        lines.append(f"No defects: every pixel behaves like its neighbours. Map written to {target}")
    if dmap.frames < DECOUPLING_MIN_FRAMES:
        lines.append(f"  With {dmap.frames} photos, stuck photosites cannot be told from the scenes yet: "
                     f"{DECOUPLING_MIN_FRAMES - dmap.frames} more would tell them.")  # fmt: skip
    if top and dmap.near_misses:
        lines.append("Strongest candidates below the decision line (score < 1):")
        lines.append(format_table(dmap, dmap.near_misses))
    if variance:
        lines.append(f"Lowest temporal variance (the original script's rule), {variance}:")
        ranked = variance_ranking(group.acc, variance, frame=group.key.frame, cfa=group.key.cfa)
        lines += [f"{x:>6} {y:>6}  {ch:<3} variance {var:.2f}" for x, y, ch, var in ranked]
    return "\n".join(lines)


def run_summary(result, elapsed: float, *, decoder: str | None = None) -> list[str]:
    """The lines that close a ``find`` run: groups kept apart, earlier outputs left out,
    and what was read how fast.

    Parameters
    ----------
    result : FindResult
    elapsed : float
        Seconds the run took.
    decoder : str, optional
        The JPEG decoder that was asked for (None: the fastest installed).
    """
    scan, lines = result.scan, []
    kinds: dict[tuple[str, str, str], set[FrameKind]] = {}
    for gm in result.maps:
        key = gm.group.key
        kinds.setdefault((key.make, key.model, key.serial), set()).add(key.frame)
    if any(len(v) > 1 for v in kinds.values()):
        lines.append("RAW files and developed photos of one camera are two groups with two maps: "
                     "the RAW map is in the sensor's RAW frame, the other in the photos' frame.")
    if scan.skipped:
        lines.append(f"skipped {len(scan.skipped)} earlier output(s) of hotpixels fix (c_NAME "
                     "beside NAME): a repaired copy is no new photo")  # fmt: skip
    frames = {g.key.frame for g in scan.groups}
    names = {"rawpy"} if FrameKind.RAW in frames else set()
    if FrameKind.IMAGE in frames or not names:
        names.add(decoder_name(prefer=decoder))
    n = scan.n_read
    lines.append(f"read {n} photo(s) in {elapsed:.1f} s ({n / max(elapsed, 1e-9):.1f}/s, "
                 f"{scan.workers} worker(s), {' + '.join(sorted(names))}), "
                 f"{len(scan.failures)} failed, {len(result.maps)} camera group(s)")  # fmt: skip
    return lines


def fix_summary(result, dmap: DefectMap | None, elapsed: float) -> list[str]:
    """The lines that close a ``fix`` run: what was skipped, how many were repaired."""
    lines = []
    if result.skipped and dmap is not None:
        other = FrameKind.RAW if dmap.frame is FrameKind.IMAGE else FrameKind.IMAGE
        kind = strategy_for(other).files
        lines.append(f"skipped {len(result.skipped)} {kind} in the folders: this map is in the "
                     f"{dmap.frame} frame and does not apply to them")  # fmt: skip
    if result.existing:
        lines.append(f"kept {len(result.existing)} output(s) that were already there "
                     "(overwrite them to make them again)")  # fmt: skip
    lines.append(f"repaired {len(result.written)} file(s) in {elapsed:.1f} s, "
                 f"{len(result.failures)} failed")  # fmt: skip
    return lines


def format_evaluation(ev) -> str:
    """Text summary of an :class:`~hotpixels.sim.evaluate.Evaluation`: overall and per kind."""
    lines = [f"precision {ev.precision:.3f}  recall {ev.recall:.3f}  F1 {ev.f1:.3f}  "
             f"({ev.true_positives} found, {ev.false_positives} spurious, "
             f"{ev.false_negatives} missed; kind right for {ev.kind_agreement:.0%})"]  # fmt: skip

    def fmt(v) -> str:
        return "  -  " if v is None else f"{v:.3f}"

    for kind, row in ev.by_kind.items():
        lines.append(f"  {kind:<6} true {row['true']:>3}  found {row['found']:>3}  "
                     f"recall {fmt(row['recall'])}  precision {fmt(row['precision'])}")  # fmt: skip
    for t in ev.missed:
        lines.append(f"  missed: {t['kind']} at {t['x']},{t['y']} {t.get('note', '')}".rstrip())
    for x, y, k in ev.spurious:
        lines.append(f"  spurious: {k} at {x},{y}")
    return "\n".join(lines)


def format_cameras(plan) -> str:
    """The camera groups of a :class:`~hotpixels.engine.plan.Plan`: one line each, with
    its photos, their dates and the size of its frames (no pixel decoded)."""
    lines = [f"{'photos':>7}  {'first taken':<16}  {'last taken':<16}  {'frame':<5}  camera"]
    for g in sorted(plan.groups, key=lambda g: (-len(g.files), g.key)):
        dates = [d for d in g.dates if d is not None]
        first, last = ((f"{min(dates):%Y-%m-%d %H:%M}", f"{max(dates):%Y-%m-%d %H:%M}") if dates
                       else ("-", "-"))  # fmt: skip
        turned = f" ({len(g.turned)} stored turned)" if g.turned else ""
        lines.append(f"{len(g.files) + len(g.turned):>7}  {first:<16}  {last:<16}  {g.key.frame.value:<5}  "
                     f"{g.key.label()}{turned}")  # fmt: skip
    return "\n".join(lines)
