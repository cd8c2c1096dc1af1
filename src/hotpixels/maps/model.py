"""The defect map: what was found for one camera group, and its native JSON form.

The native format is JSON::

    {
      "format": "hotpixels-defect-map", "version": 1,
      "tool": {"name": "hotpixels", "version": "0.1.0", "parameters": {...}},
      "camera": {"make": "...", "model": "...", "serial": ""},
      "image": {"width": 1600, "height": 1200, "frame": "image", "orientation": 1},
      "frames": 40, "first_taken": "2024-05-02T08:00:00", "last_taken": "...",
      "defects": [{"x": 757, "y": 613, "kind": "hot", "score": 8.4, "channel": "B",
                   "channels": ["B"], "frames": 38, "members": [[756, 613], ...],
                   "mean": 225.0, "excess": 32.6}, ...]
    }

``x`` is the column and ``y`` the row, 0-based, in the stored image (the sensor's frame).
``score`` is how far past the decision line the defect is (1.0 = on the line).
``frames`` is how many frames showed the defect above the noise.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hotpixels._version import __version__
from hotpixels.errors import DefectMapError
from hotpixels.frames import FrameKind
from hotpixels.io.writers import atomic_write_bytes
from hotpixels.maps.schema import check_map

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "KINDS", "UNKNOWN", "Camera", "Defect", "DefectMap",
           "defect_dict", "defect_from_dict"]  # fmt: skip

FORMAT_NAME = "hotpixels-defect-map"
FORMAT_VERSION = 1
#: Defect kinds that detection decides.
KINDS = ("hot", "warm", "stuck", "dead")
#: Kind of a defect imported from a list that does not say (dcraw, RawTherapee).
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Camera:
    """The camera a map belongs to: EXIF Make, Model and body serial ('' when unknown)."""

    make: str = ""
    model: str = ""
    serial: str = ""

    @classmethod
    def of(cls, key) -> Camera:
        """The camera of a camera group key (anything with make, model and serial)."""
        return cls(*(str(getattr(key, f, "") or "") for f in ("make", "model", "serial")))

    @property
    def name(self) -> str:
        """Make and model, as people say it (``"unknown camera"`` without them)."""
        return " ".join(p for p in (self.make, self.model) if p) or "unknown camera"


@dataclass
class Defect:
    """One physical defect: its centre, kind and the pixels it disturbs."""

    x: int
    y: int
    kind: str = "hot"
    score: float = 1.0
    channel: str = ""
    channels: list[str] = field(default_factory=list)
    frames: int | None = None
    members: list[tuple[int, int]] = field(default_factory=list)
    mean: float | None = None
    excess: float | None = None
    first_seen: _dt.datetime | None = None
    last_seen: _dt.datetime | None = None
    confidence: float | None = None  # 0..1: significance times the share of frames showing it
    # A warm RAW photosite's stable response, value = offset + gain * true (raw levels):
    # a repair undoes it instead of replacing the photosite (detect/response.py).
    offset: float | None = None
    gain: float | None = None

    def pixels(self) -> list[tuple[int, int]]:
        """Every ``(x, y)`` to repair: the centre and its members."""
        out = {(self.x, self.y)}
        out.update((int(x), int(y)) for x, y in self.members)
        return sorted(out, key=lambda p: (p[1], p[0]))


@dataclass
class DefectMap:
    """Defects of one camera group, with what is needed to use them elsewhere.

    Examples
    --------
    >>> m = DefectMap(width=100, height=80, defects=[Defect(3, 4, "hot")])
    >>> DefectMap.from_json(m.to_json()).defects[0].x
    3
    """

    width: int
    height: int
    defects: list[Defect] = field(default_factory=list)
    frames: int = 0
    camera: Camera = field(default_factory=Camera)
    frame: FrameKind = FrameKind.IMAGE
    cfa: str = ""
    orientation: int = 1
    first_taken: _dt.datetime | None = None
    last_taken: _dt.datetime | None = None
    parameters: dict = field(default_factory=dict)
    near_misses: list[Defect] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.frame = FrameKind(self.frame)
        if not isinstance(self.camera, Camera):
            self.camera = Camera.of(self.camera)

    # -- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The map as a JSON-ready dictionary (native format)."""
        cam = self.camera
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "tool": {"name": "hotpixels", "version": __version__, "parameters": self.parameters},
            "camera": {"make": cam.make, "model": cam.model, "serial": cam.serial},
            "image": {
                "width": self.width,
                "height": self.height,
                "frame": FrameKind(self.frame).value,
                **({"cfa": self.cfa} if self.cfa else {}),
                "orientation": self.orientation,
            },
            "frames": self.frames,
            "first_taken": self.first_taken.isoformat() if self.first_taken else None,
            "last_taken": self.last_taken.isoformat() if self.last_taken else None,
            "defects": [defect_dict(d) for d in self.defects],
        }

    def to_json(self) -> str:
        """Serialise to the native JSON format."""
        return json.dumps(self.to_dict(), indent=1) + "\n"

    def save(self, path: str | Path, *, overwrite: bool = True) -> None:
        """Write the map to ``path`` in the native JSON format, atomically (other formats:
        :func:`hotpixels.maps.formats.save_map`)."""
        atomic_write_bytes(path, self.to_json().encode(), overwrite=overwrite)

    @classmethod
    def from_dict(cls, doc: dict, *, source: str = "defect map") -> DefectMap:
        """Build a map from a dictionary in the native format."""
        check_map(doc, source, name=FORMAT_NAME, newest=FORMAT_VERSION)
        try:
            image = doc["image"]
            defects = [defect_from_dict(d) for d in doc.get("defects", [])]
            cam = doc.get("camera") or {}
            tool = doc.get("tool") or {}
            return cls(
                width=int(image["width"]),
                height=int(image["height"]),
                defects=defects,
                frames=int(doc.get("frames") or 0),
                camera=Camera(cam.get("make") or "", cam.get("model") or "", cam.get("serial") or ""),
                frame=FrameKind(image.get("frame") or "image"),
                cfa=str(image.get("cfa") or ""),
                orientation=int(image.get("orientation") or 1),
                first_taken=_parse_time(doc.get("first_taken")),
                last_taken=_parse_time(doc.get("last_taken")),
                parameters=tool.get("parameters") or {},
            )
        except (KeyError, TypeError, ValueError) as err:
            msg = f"{source}: malformed defect map ({err!r})"
            raise DefectMapError(msg) from err

    @classmethod
    def from_json(cls, text: str, *, source: str = "defect map") -> DefectMap:
        """Parse the native JSON format."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            msg = f"{source}: not valid JSON ({err.msg} at line {err.lineno})"
            raise DefectMapError(msg) from err
        except RecursionError as err:
            msg = f"{source}: JSON nested too deeply to be a defect map"
            raise DefectMapError(msg) from err
        return cls.from_dict(doc, source=source)

    @classmethod
    def load(cls, path: str | Path) -> DefectMap:
        """Read a map written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            A ``.json`` defect map.

        Returns
        -------
        DefectMap
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            msg = f"{path}: cannot read defect map ({err})"
            raise DefectMapError(msg) from err
        return cls.from_json(text, source=str(path))

    # -- helpers ----------------------------------------------------------------------
    def repair_pixels(self, *, members: bool = True) -> list[tuple[int, int]]:
        """All ``(x, y)`` positions a repair replaces (centres, and members if asked)."""
        out: set[tuple[int, int]] = set()
        for d in self.defects:
            out.update(d.pixels() if members else [(d.x, d.y)])
        return sorted(out, key=lambda p: (p[1], p[0]))

    def responses(self) -> dict[tuple[int, int], tuple[float, float]]:
        """``(x, y) -> (offset, gain)`` of the defects whose stable response a repair
        undoes rather than replacing them (warm RAW photosites; see ``Defect.offset``)."""
        return {(d.x, d.y): (float(d.offset), float(d.gain)) for d in self.defects
                if d.offset is not None and d.gain is not None}  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Number of defects of each kind."""
        counts = {k: sum(d.kind == k for d in self.defects) for k in KINDS}
        unknown = sum(d.kind == UNKNOWN for d in self.defects)
        return {**counts, UNKNOWN: unknown} if unknown else counts


def defect_dict(d: Defect) -> dict:
    """A defect as its JSON dictionary."""
    out = asdict(d)
    out["members"] = [list(p) for p in d.members]
    for name in ("offset", "gain"):  # only a warm RAW photosite with a stable response has them
        if out[name] is None:
            del out[name]
    for name in ("first_seen", "last_seen"):
        if out[name] is None:
            del out[name]
        else:
            out[name] = out[name].isoformat()
    return out


def defect_from_dict(doc: dict) -> Defect:
    """A :class:`Defect` from its JSON dictionary (raises ValueError when malformed)."""
    kind = doc.get("kind") or "hot"
    if kind not in (*KINDS, UNKNOWN):
        msg = f"unknown defect kind {kind!r}"
        raise ValueError(msg)
    score = doc.get("score")
    return Defect(
        x=int(doc["x"]),
        y=int(doc["y"]),
        kind=kind,
        score=1.0 if score is None else float(score),
        channel=str(doc.get("channel") or ""),
        channels=list(doc.get("channels") or []),
        frames=doc.get("frames"),
        members=[(int(x), int(y)) for x, y in doc.get("members") or []],
        mean=doc.get("mean"),
        excess=doc.get("excess"),
        first_seen=_parse_time(doc.get("first_seen")),
        last_seen=_parse_time(doc.get("last_seen")),
        confidence=doc.get("confidence"),
        offset=doc.get("offset"),
        gain=doc.get("gain"),
    )


def _parse_time(value):
    return _dt.datetime.fromisoformat(value) if value else None
