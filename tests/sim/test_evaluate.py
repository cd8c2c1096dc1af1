"""Scoring a map against a simulation's truth."""

from hotpixels.maps.model import Defect, DefectMap
from hotpixels.sim.evaluate import evaluate

TRUTH = {
    "format": "hotpixels-truth",
    "defects": [
        {"x": 10, "y": 10, "kind": "hot"},
        {"x": 12, "y": 10, "kind": "stuck"},
        {"x": 40, "y": 40, "kind": "dead"},
    ],
}


def test_each_true_defect_matches_its_nearest_found_one_once():
    found = [Defect(12, 11, "hot"), Defect(10, 10, "hot"), Defect(30, 30, "warm")]
    ev = evaluate(DefectMap(64, 64, found), TRUTH)
    assert ev.matches == [(0, 1), (1, 0)]
    assert (ev.true_positives, ev.false_positives, ev.false_negatives) == (2, 1, 1)
    assert ev.kind_agreement == 0.5  # the stuck one was reported hot
    assert ev.missed == [TRUTH["defects"][2]] and ev.spurious == [(30, 30, "warm")]


def test_a_found_defect_beyond_the_radius_matches_nothing():
    ev = evaluate(DefectMap(64, 64, [Defect(13, 13, "hot")]), TRUTH)
    assert ev.matches == [] and ev.true_positives == 0
