"""Score a defect map against the truth of a simulated camera."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hotpixels.errors import DefectMapError
from hotpixels.frames import strategy_for
from hotpixels.maps.model import KINDS, DefectMap

__all__ = ["Evaluation", "evaluate", "load_truth"]


@dataclass
class Evaluation:
    """Precision, recall and F1, overall and by kind."""

    true_positives: int
    false_positives: int
    false_negatives: int
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    kind_agreement: float = 1.0
    missed: list[dict] = field(default_factory=list)
    spurious: list[tuple[int, int, str]] = field(default_factory=list)
    #: The matched pairs: (index in the truth's defects, index in the map's defects).
    matches: list[tuple[int, int]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        """JSON-ready summary."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "kind_agreement": round(self.kind_agreement, 4),
            "by_kind": self.by_kind,
            "missed": self.missed,
            "spurious": [{"x": x, "y": y, "kind": k} for x, y, k in self.spurious],
        }


def load_truth(path: str | Path) -> dict:
    """Read a ``truth.json`` written by :func:`hotpixels.sim.camera.simulate`."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as err:
        msg = f"{path}: cannot read truth file ({err})"
        raise DefectMapError(msg) from err
    if not isinstance(doc, dict) or doc.get("format") != "hotpixels-truth":
        msg = f"{path}: not a truth file of hotpixels simulate"
        raise DefectMapError(msg)
    defects = doc.get("defects")
    good = isinstance(defects, list) and all(
        isinstance(d, dict) and all(isinstance(d.get(k), int) for k in ("x", "y"))
        and isinstance(d.get("kind"), str) for d in defects)  # fmt: skip
    if not good:
        msg = f"{path}: defects must be a list of {{x, y, kind}}; this truth file is damaged"
        raise DefectMapError(msg)
    return doc


def evaluate(dmap: DefectMap, truth: dict | str | Path, *, radius: int | None = None) -> Evaluation:
    """Match found defects to true ones (one-to-one, nearest first, within ``radius`` px).

    Parameters
    ----------
    dmap : DefectMap
        What was found.
    truth : dict or path
        ``truth.json`` of a simulation, or its parsed content.
    radius : int, optional
        Largest distance (Chebyshev, in pixels) of a match; default 2 for a map in the
        image frame, 0 (the exact photosite) for a RAW-frame map.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> from hotpixels.maps.model import Defect
    >>> t = {"format": "hotpixels-truth", "defects": [{"x": 5, "y": 5, "kind": "hot"}]}
    >>> ev = evaluate(DefectMap(10, 10, [Defect(6, 5, "hot")]), t)
    >>> ev.f1, ev.matches
    (1.0, [(0, 0)])
    """
    if radius is None:
        radius = strategy_for(dmap.frame).match_radius
    if not isinstance(truth, dict):
        truth = load_truth(truth)
    real = truth.get("defects", [])
    found = dmap.defects
    pairs = sorted(
        (max(abs(t["x"] - d.x), abs(t["y"] - d.y)), i, j)
        for i, t in enumerate(real)
        for j, d in enumerate(found)
        if max(abs(t["x"] - d.x), abs(t["y"] - d.y)) <= radius
    )
    t_used: dict[int, int] = {}
    f_used: set[int] = set()
    for _, i, j in pairs:
        if i not in t_used and j not in f_used:
            t_used[i] = j
            f_used.add(j)
    by_kind = {}
    for k in KINDS:
        n_real = sum(t["kind"] == k for t in real)
        n_found = sum(d.kind == k for d in found)
        hits_r = sum(1 for i, j in t_used.items() if real[i]["kind"] == k)
        hits_f = sum(1 for i, j in t_used.items() if found[j].kind == k)
        unmatched_f = sum(1 for j, d in enumerate(found) if d.kind == k and j not in f_used)
        by_kind[k] = {
            "true": n_real,
            "found": n_found,
            "recall": round(hits_r / n_real, 4) if n_real else None,
            "precision": round(hits_f / (hits_f + unmatched_f), 4) if n_found else None,
        }
    agree = sum(real[i]["kind"] == found[j].kind for i, j in t_used.items())
    return Evaluation(
        true_positives=len(t_used),
        false_positives=len(found) - len(f_used),
        false_negatives=len(real) - len(t_used),
        by_kind=by_kind,
        kind_agreement=agree / len(t_used) if t_used else 1.0,
        missed=[t for i, t in enumerate(real) if i not in t_used],
        spurious=[(d.x, d.y, d.kind) for j, d in enumerate(found) if j not in f_used],
        matches=sorted(t_used.items()),
    )
