"""Same inputs, same outputs: run ``find`` and ``fix`` with the code of two commits and compare.

Simulates the camera sets of the test suite once (with the BASE commit's simulator,
checking that the other commit simulates the same files), then runs
``python -m hotpixels find`` and ``python -m hotpixels fix`` with each commit's
``src/`` on the same inputs and compares: every map written (JSON, apart from the tool
version), and every repaired file, byte for byte.

Usage: python benchmarks/compare_commits.py BASE [OTHER]   (OTHER: the working tree)
Prints one line per comparison and exits 1 if anything differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The simulated sets of the suite: name, simulate() arguments, what find reads.
SETS = [
    ("jpeg-seed1", {"frames": 40, "size": "1600x1200", "seed": 1}),
    ("jpeg-seed2", {"frames": 40, "size": "1600x1200", "seed": 2}),
    ("jpeg-seed3", {"frames": 40, "size": "1600x1200", "seed": 3}),
    ("clean-seed4", {"frames": 30, "size": "1600x1200", "seed": 4, "defects": False}),
    ("burst", {"frames": 60, "size": "1600x1200", "seed": 2, "burst": 40}),
    ("fifteen", {"frames": 15, "size": "1600x1200", "seed": 3}),
    ("png-small", {"frames": 12, "size": "256x192", "seed": 5, "fmt": "png", "clean": True}),
    ("raw-seed1", {"frames": 20, "size": "480x360", "seed": 1, "raw": True, "fmt": "png"}),
    ("raw-seed2", {"frames": 20, "size": "480x360", "seed": 2, "raw": True, "fmt": "png"}),
]
SIMULATE = """
import json, sys
from pathlib import Path
try:
    from hotpixels.sim.camera import simulate
except ImportError:
    from hotpixels.simulate import simulate
simulate(sys.argv[1], **json.loads(sys.argv[2]))
"""


def tree(commit: str | None, into: Path) -> Path:
    """The ``src`` folder of ``commit`` (exported), or of the working tree."""
    if commit is None:
        return ROOT / "src"
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def hotpixels(src: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "hotpixels", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def maps(folder: Path) -> dict[str, dict]:
    out = {}
    for p in sorted(folder.rglob("*.json")):  # a folder of maps when a set has two groups
        doc = json.loads(p.read_text())
        doc["tool"].pop("version", None)
        out[str(p.relative_to(folder))] = doc
    return out


def run_side(src: Path, data: Path, out: Path) -> None:
    """find on every set, then fix a few files of each kind with the maps."""
    for name, _ in SETS:
        target = out / name
        target.mkdir(parents=True)
        res = hotpixels(src, "find", str(data / name), "-o", str(target / "map.json"), "-q", "-j", "2")
        if res.returncode not in (0, 1):
            raise SystemExit(f"find failed on {name} with {src}: {res.stderr}")
    for name, pattern in (("jpeg-seed1", "frame_000[0-3].jpg"), ("png-small", "frame_000[0-3].png")):
        files = sorted(str(p) for p in (data / name).glob(pattern))
        hotpixels(src, "fix", "--map", str(out / name / "map.json"), *files, "--out-dir",
                  str(out / "fixed" / name), "-q")  # fmt: skip
    raws = sorted(str(p) for p in (data / "raw-seed1").glob("frame_000[0-1].dng"))
    raw_map = next(p for p in (out / "raw-seed1").rglob("*.json")
                   if json.loads(p.read_text())["image"]["frame"] == "raw")  # fmt: skip
    hotpixels(src, "fix", "--map", str(raw_map), *raws, "--out-dir", str(out / "fixed" / "raw"), "-q")
    one = sorted((data / "jpeg-seed2").glob("*.jpg"))[0]
    hotpixels(src, "fix", str(one), "100,100", "101,100", "--out-dir", str(out / "fixed" / "single"), "-q")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("other", nargs="?")
    ap.add_argument("--work", type=Path, help="folder to keep everything in (default: a temporary one)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="hotpixels-compare-"))
    srcs = {"base": tree(args.base, work / "base"),
            "other": tree(args.other, work / "other") if args.other else tree(None, work)}  # fmt: skip
    data = work / "data"
    for name, kwargs in SETS:
        res = hotpixels(srcs["base"], str(data / name), json.dumps(kwargs), code=SIMULATE)
        if res.returncode:
            raise SystemExit(f"simulate {name}: {res.stderr}")
    check = work / "data-other"
    hotpixels(srcs["other"], str(check), json.dumps(SETS[6][1]), code=SIMULATE)
    bad = 0
    same = digest(check) == digest(data / SETS[6][0])
    print(f"{'same' if same else 'DIFFERENT'}: simulated files of {SETS[6][0]}")
    bad += not same
    outs = {}
    for side, src in srcs.items():
        outs[side] = work / f"out-{side}"
        run_side(src, data, outs[side])
    for name, _ in SETS:
        a, b = maps(outs["base"] / name), maps(outs["other"] / name)
        n = sum(len(d["defects"]) for d in a.values())
        same = a == b and bool(a)
        print(f"{'same' if same else 'DIFFERENT'}: maps of {name} ({len(a)} map(s), {n} defects)")
        bad += not same
    a, b = digest(outs["base"] / "fixed"), digest(outs["other"] / "fixed")
    same = a == b and bool(a)
    print(f"{'same' if same else 'DIFFERENT'}: {len(a)} repaired files (JPEG, PNG, RAW->TIFF, one pixel)")
    bad += not same
    print(f"{bad} difference(s); everything is in {work}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
