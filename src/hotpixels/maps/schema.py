"""Validation of a defect map's JSON against its schema, with messages that name the field.

:func:`check_map` is called before a map is built from a document, so a map from
anywhere (another version, a hand edit, a hostile file) either loads whole or is
refused with one line such as ``m.json: defects[3].x must be a whole number >= 0, got 'a'``.

Examples
--------
>>> check_map({"format": "hotpixels-defect-map", "version": 1,
...            "image": {"width": 4, "height": 3}, "defects": [{"x": 1, "y": "2"}]}, "m.json")
Traceback (most recent call last):
...
hotpixels.errors.DefectMapError: m.json: defects[0].y must be a whole number >= 0, got '2'
"""

from __future__ import annotations

import datetime as _dt
from numbers import Real

from hotpixels.errors import DefectMapError

__all__ = ["check_map"]

_KINDS = ("hot", "warm", "stuck", "dead", "unknown")


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, what: str, value) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        msg = f"{self.source}: {where} must be {what}, got {shown}"
        raise DefectMapError(msg)

    def mapping(self, doc, where: str, *, optional: bool = False) -> dict:
        if doc is None and optional:
            return {}
        if not isinstance(doc, dict):
            self.fail(where, "an object", doc)
        return doc

    def whole(self, value, where: str, *, low: int = 0, optional: bool = False) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(where, f"a whole number >= {low}", value)

    def number(self, value, where: str, *, optional: bool = True) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, Real) or value != value:
            self.fail(where, "a number", value)

    def text(self, value, where: str, *, choices=None, optional: bool = True) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or (choices and value not in choices):
            what = f"one of {', '.join(choices)}" if choices else "text"
            self.fail(where, what, value)

    def time(self, value, where: str) -> None:
        if value is None:
            return
        try:
            _dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(where, "a date and time (ISO 8601) or null", value)

    def items(self, value, where: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, "a list", value)
        return value


def _check_defect(c: _Checker, d, where: str) -> None:
    d = c.mapping(d, where)
    for key in ("x", "y"):
        if key not in d:
            c.fail(f"{where}.{key}", "present (a whole number >= 0)", None)
        c.whole(d[key], f"{where}.{key}")
    c.text(d.get("kind"), f"{where}.kind", choices=_KINDS)
    for key in ("score", "mean", "excess", "offset", "gain"):
        c.number(d.get(key), f"{where}.{key}")
    c.number(d.get("confidence"), f"{where}.confidence")
    if isinstance(d.get("confidence"), Real) and not 0 <= d["confidence"] <= 1:
        c.fail(f"{where}.confidence", "a number from 0 to 1", d["confidence"])
    c.text(d.get("channel"), f"{where}.channel")
    for i, ch in enumerate(c.items(d.get("channels"), f"{where}.channels")):
        c.text(ch, f"{where}.channels[{i}]", optional=False)
    c.whole(d.get("frames"), f"{where}.frames", optional=True)
    for i, m in enumerate(c.items(d.get("members"), f"{where}.members")):
        if not isinstance(m, list) or len(m) != 2:
            c.fail(f"{where}.members[{i}]", "a pair [x, y]", m)
        c.whole(m[0], f"{where}.members[{i}][0]")
        c.whole(m[1], f"{where}.members[{i}][1]")
    c.time(d.get("first_seen"), f"{where}.first_seen")
    c.time(d.get("last_seen"), f"{where}.last_seen")


def check_map(doc, source: str, *, name: str = "hotpixels-defect-map", newest: int = 1) -> None:
    """Refuse a document that is not a defect map of version 1..``newest``.

    Raises
    ------
    DefectMapError
        One line naming ``source`` and the first field that is wrong.
    """
    c = _Checker(source)
    if not isinstance(doc, dict) or doc.get("format") != name:
        msg = f"{source}: not a hotpixels defect map (no 'format': '{name}')"
        raise DefectMapError(msg)
    version = doc.get("version")
    c.whole(version, "version", low=1)
    if version > newest:
        msg = f"{source}: map version {version} is newer than this hotpixels reads ({newest})"
        raise DefectMapError(msg)
    image = c.mapping(doc.get("image"), "image")
    c.whole(image.get("width"), "image.width", low=1)
    c.whole(image.get("height"), "image.height", low=1)
    c.text(image.get("frame"), "image.frame", choices=("image", "raw"))
    c.text(image.get("cfa"), "image.cfa")
    c.whole(image.get("orientation"), "image.orientation", low=1, optional=True)
    camera = c.mapping(doc.get("camera"), "camera", optional=True)
    for key in ("make", "model", "serial"):
        c.text(camera.get(key), f"camera.{key}")
    c.whole(doc.get("frames"), "frames", optional=True)
    c.time(doc.get("first_taken"), "first_taken")
    c.time(doc.get("last_taken"), "last_taken")
    tool = c.mapping(doc.get("tool"), "tool", optional=True)
    c.mapping(tool.get("parameters"), "tool.parameters", optional=True)
    for i, d in enumerate(c.items(doc.get("defects"), "defects")):
        _check_defect(c, d, f"defects[{i}]")
