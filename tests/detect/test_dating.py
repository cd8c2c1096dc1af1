"""First dates: confirmed against earlier photos, at a bounded cost."""

from __future__ import annotations

import copy

import numpy as np

from hotpixels.detect import dating
from hotpixels.detect.dating import confirm_first_seen
from hotpixels.io.decode import decode


def _reader(group, log=None):
    def read(rank):
        if log is not None:
            log.append(rank)
        return decode(group.ranked[rank])

    return read


def test_a_date_that_earlier_photos_contradict_is_dropped(raw_sims, truth):
    sim, _, [(group, shared, _)] = raw_sims(1)
    dmap = copy.deepcopy(shared)  # the session's map stays as found
    truth = truth(sim)
    late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
    always = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "below full scale")
    kept = late.first_seen
    always.first_seen = group.dates[10]  # a wrong date: it showed in frames 0-9 too
    confirm_first_seen(dmap, group.dates, _reader(group))
    assert always.first_seen is None and late.first_seen == kept is not None


def test_a_date_needs_enough_earlier_photos_that_show_absence(raw_sims, truth):
    sim, _, [(group, shared, _)] = raw_sims(1)
    truth = truth(sim)
    for rank, kept in ((dating.ABSENT_FRAMES - 1, False), (dating.ABSENT_FRAMES, True)):
        dmap = copy.deepcopy(shared)
        late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
        # every photo before it shows it absent, but too few of them to tell
        late.first_seen = group.dates[rank]
        confirm_first_seen(dmap, group.dates, _reader(group))
        assert (late.first_seen == group.dates[rank]) is kept


def test_confirming_a_date_reads_a_bounded_sample(raw_sims, monkeypatch, truth):
    sim, _, [(group, shared, _)] = raw_sims(1)
    dmap = copy.deepcopy(shared)  # the session's map stays as found
    truth = truth(sim)
    late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
    always = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "below full scale")
    kept, always.first_seen = late.first_seen, group.dates[10]
    read = []
    monkeypatch.setattr(dating, "CONFIRM_FRAMES", dating.ABSENT_FRAMES)
    confirm_first_seen(dmap, group.dates, _reader(group, read), workers=2)
    # frames 0, 3, 6, 9 for the wrong date; 0, 2, 3, 5 before the late one (first seen
    # in frame 6): 0 and 3 are read once for both
    assert sorted(read) == [0, 2, 3, 5, 6, 9]
    assert always.first_seen is None and late.first_seen == kept is not None


def test_a_frame_that_cannot_be_read_again_is_not_counted(raw_sims, truth):
    sim, _, [(group, shared, _)] = raw_sims(1)
    truth = truth(sim)
    read = _reader(group)
    dmap = copy.deepcopy(shared)  # the session's map stays as found
    late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
    kept = late.first_seen
    assert kept is not None
    # every third earlier photo unreadable: the rest (4 of 6) still show it was absent
    confirm_first_seen(dmap, group.dates, lambda rank: None if rank % 3 == 2 else read(rank))
    assert late.first_seen == kept
    # none readable: nothing shows it was absent, so the date is not trusted
    confirm_first_seen(dmap, group.dates, lambda rank: None)
    assert late.first_seen is None


def test_a_date_stays_only_where_earlier_photos_clearly_show_absence(raw_sims, truth):
    sim, _, [(group, shared, _)] = raw_sims(1)
    truth = truth(sim)
    dmap = copy.deepcopy(shared)
    late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
    kept = late.first_seen
    read = _reader(group)

    def saturated(rank):  # photos so bright around it that it could not have shown
        frame = read(rank).copy()
        frame[...] = np.iinfo(frame.dtype).max
        return frame

    confirm_first_seen(dmap, group.dates, saturated, white=int(np.iinfo(np.uint16).max))
    assert late.first_seen is None and kept is not None


def test_a_defect_gone_from_the_latest_photos_is_last_seen_before_them(tmp_path, sim_factory):
    from PIL import Image

    from hotpixels.pipeline import find
    from hotpixels.repair.pixels import correct_image
    from hotpixels.report.text import group_report

    _, _, [gm] = sim_factory(frames=20, size="256x192", seed=4, fmt="png")
    strong = [d for d in gm.dmap.defects if d.kind == "hot" and d.last_seen == gm.group.dates[-1]]
    gone, kept = strong[0], strong[1:]
    assert kept, "the camera has more than one hot pixel shown to the end"
    ranked = [i.path for i in gm.group.ranked]
    for path in ranked:
        with Image.open(path) as im:
            if path in ranked[14:]:  # the pixel was mapped out after the 14th photo
                im = correct_image(im, gone.pixels())
            im.save(tmp_path / path.name, exif=im.getexif())
    _, [after] = find([tmp_path])

    def entry(d):  # the same defect in the new map: its smear may centre 1 px aside
        near = [e for e in after.dmap.defects if max(abs(e.x - d.x), abs(e.y - d.y)) <= 2]
        assert near, d
        return min(near, key=lambda e: (max(abs(e.x - d.x), abs(e.y - d.y)), e.y, e.x))

    assert entry(gone).last_seen == after.group.dates[13]
    assert all(entry(d).last_seen == after.group.dates[-1] for d in kept)
    text = group_report(after, tmp_path / "map.json")
    new = entry(gone)
    assert f"{new.x},{new.y} not seen since" in text and "6 later photo(s)" in text
