"""The HTML report: self-contained, every defect in its table, images that decode, and
a page that a browser renders and whose sorting script runs."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hotpixels.maps.model import DefectMap


class _Page(HTMLParser):
    """Images, links and table rows of a page."""

    def __init__(self):
        super().__init__()
        self.srcs, self.hrefs, self.rows, self._row, self._cell = [], [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "src" in a:
            self.srcs.append(a["src"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag == "tr":
            self._row = []
        if tag == "td" and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        if tag == "tr" and self._row:
            self.rows.append(self._row)
            self._row = None


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    remote = [s for s in page.srcs + page.hrefs if re.match(r"\s*(https?:)?//", s)]
    assert not remote, "fetches from the network"
    for src in page.srcs:
        assert src.startswith("data:image/png;base64,"), src[:40]
        img = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        img.load()
        assert img.width > 50 and img.height > 50
    return page


def _table_has_every_defect(page: _Page, dmap: DefectMap) -> None:
    rows = {(r[0], r[1]): r for r in page.rows if len(r) == 9}
    assert len(rows) == len(dmap.defects)
    for d in dmap.defects:
        r = rows[(str(d.x), str(d.y))]
        assert r[2] == d.kind and r[3] == f"{d.score:.2f}" and r[5] == d.channel
        assert r[4] == (f"{d.confidence:.2f}" if d.confidence is not None else "")
        assert r[6] == (str(d.frames) if d.frames is not None else "")
        assert r[7] == (d.first_seen.strftime("%Y-%m-%d %H:%M") if d.first_seen else "")


@pytest.fixture(scope="module")
def photo_report(tmp_path_factory, sim_factory):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from hotpixels.report.html import write_report

    sim, _, [gm] = sim_factory(frames=30, size="640x480", seed=1)
    path = write_report(gm.dmap, tmp_path_factory.mktemp("report") / "camera.html", sim.frames, limit=6)
    return path, gm.dmap, sim


def test_photo_report_is_self_contained_and_complete(photo_report):
    path, dmap, _ = photo_report
    html = path.read_text()
    page = _parse(html)
    assert dmap.defects and any(d.first_seen for d in dmap.defects)
    _table_has_every_defect(page, dmap)
    # sensor, timeline, and one crop figure per defect up to the limit
    assert len(page.srcs) == 2 + min(6, len(dmap.defects))
    assert f"{len(dmap.defects)} defect(s) found in {dmap.frames} photo(s)" in html
    assert "Simulated" in html and "z_threshold = 14.0" in html
    assert dmap.first_taken.strftime("%Y-%m-%d") in html
    counts = dict(re.findall(r"</i>(\w+): (\d+)</span>", html))
    assert counts == {k: str(v) for k, v in dmap.counts().items() if v}


def test_crops_come_from_the_photo_where_each_defect_shows_most_and_are_repaired(sim_factory):
    pytest.importorskip("matplotlib")
    from hotpixels.io.images import read_frame
    from hotpixels.report.crops import HALF, defect_crops

    sim, _, [gm] = sim_factory(frames=30, size="640x480", seed=1)
    photos = sim.frames[:20]  # fewer than the crops look at: every one is looked at
    crops = defect_crops(gm.dmap, photos, limit=4)
    assert len(crops) == 4
    frames = [read_frame(p).data.astype(float) for p in photos]
    for c in crops:
        d = c.defect
        assert c.before.shape == c.after.shape == (2 * HALF + 1, 2 * HALF + 1, 3)
        changed = {(int(x), int(y)) for y, x in np.argwhere((c.before != c.after).any(axis=2))}
        assert changed and changed <= set(c.repaired)  # only repaired pixels differ
        assert (HALF, HALF) in c.repaired

        def shown(a, d=d):
            ring = [a[d.y + dy, d.x + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
            return np.abs(a[d.y, d.x] - np.mean(ring, axis=0)).max()

        assert shown(frames[photos.index(c.photo)]) == max(shown(a) for a in frames)


def test_empty_map_says_so_with_its_provenance(tmp_path):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from hotpixels.report.html import build_report

    html = build_report(DefectMap(640, 480, [], frames=40, parameters={"z_threshold": 14.0}))
    page = _parse(html)
    assert "No defects found in 40 photo(s)." in html and "z_threshold = 14.0" in html
    assert not page.rows and len(page.srcs) == 1  # the sensor outline; no dates, no timeline
    assert "carry no dates" in html


@pytest.fixture(scope="module")
def raw_report(tmp_path_factory, raw_sims):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from hotpixels.report.html import write_report

    sim, _, [gm] = raw_sims(1)
    path = tmp_path_factory.mktemp("raw") / "raw.html"
    return write_report(gm.dmap, path, sim.raw_frames, limit=3), gm.dmap


def test_raw_report_notes_the_frame_and_crops_developed_photos(raw_report):
    path, dmap = raw_report
    html = path.read_text()
    page = _parse(html)
    _table_has_every_defect(page, dmap)
    assert "in the RAW frame" in html and f"RAW mosaic ({dmap.cfa})" in html
    assert len(page.srcs) >= 2 + 3 - 1  # sensor, (timeline,) three crops


def test_cli_report_and_find_report(tmp_path, sim_factory):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from click.testing import CliRunner

    from hotpixels.cli import cli

    sim, _, [gm] = sim_factory(frames=30, size="640x480", seed=1)
    runner = CliRunner()
    map_path = tmp_path / "map.json"
    gm.dmap.save(map_path)
    res = runner.invoke(cli, ["report", str(map_path), "--photos", str(sim.frames[0].parent), "--crops", "2"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "map.html").exists() and "written to" in res.output
    again = runner.invoke(cli, ["report", str(map_path)])
    assert again.exit_code == 2 and "exists; use --overwrite" in again.output
    out = tmp_path / "found.json"
    report = tmp_path / "f.html"
    res = runner.invoke(cli, ["find", *map(str, sim.frames), "-o", str(out), "--report", str(report), "-q"])
    assert res.exit_code == 0, res.output
    _table_has_every_defect(_parse(report.read_text()), DefectMap.load(out))


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    pytest.fail("chromium is not installed: apt-get install chromium (.ci/run installs it)")


def _browse(path: Path, tmp: Path) -> tuple[np.ndarray, str, str]:
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0"]  # fmt: skip
    shot = tmp / "shot.png"
    run = subprocess.run([*args, "--window-size=1200,1600", f"--screenshot={shot}", path.as_uri()],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    dom = subprocess.run([*args, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    return np.asarray(Image.open(shot).convert("RGB")), dom.stdout, run.stderr + dom.stderr


@pytest.mark.parametrize("which", ["photo", "empty", "raw"])
def test_chromium_renders_the_report_and_its_script_sorts(which, tmp_path, request):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    if which == "photo":
        path, dmap, _ = request.getfixturevalue("photo_report")
    elif which == "raw":
        path, dmap = request.getfixturevalue("raw_report")
    else:
        from hotpixels.report.html import write_report

        dmap = DefectMap(800, 600, [], frames=12)
        path = write_report(dmap, tmp_path / "empty.html")
    pixels, dom, log = _browse(path, tmp_path)
    assert pixels.shape[0] >= 1000 and pixels.std() > 20  # not blank
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    assert 'data-ready="yes"' in dom, log[-2000:]
    assert "Uncaught" not in log
    if dmap.defects:  # the script sorted the table, strongest first
        first = re.search(r"<tbody>\s*<tr><td>(\d+)</td><td>(\d+)</td>", dom)
        top = max(dmap.defects, key=lambda d: d.score)
        assert first and (int(first[1]), int(first[2])) == (top.x, top.y)
        assert 'aria-sort="descending"' in dom
