"""The map library: one map per camera in the user's data folder, picked by camera.

A camera is its make, model, serial, frame size and frame (photo or RAW mosaic): the
library keeps the newest map of each (adding a map of a camera it knows replaces the
older one, and says so). Maps are stored as the native JSON, ``<id>.json``, where the
id is the first 8 hex digits of the SHA-1 of the camera; the folder is
``platformdirs.user_data_dir("hotpixels")/maps``, or ``$HOTPIXELS_LIBRARY`` when set.

Examples
--------
>>> import tempfile
>>> from hotpixels.maps.model import Camera, Defect, DefectMap
>>> lib = MapLibrary(tempfile.mkdtemp())
>>> entry, replaced = lib.add(DefectMap(640, 480, [Defect(3, 4)], camera=Camera("ACME", "X1", "")))
>>> [(e.id == entry.id, e.camera) for e in lib.entries()], replaced
([(True, 'ACME X1')], None)
>>> lib.lookup("ACME", "X1", "", 640, 480, "image").defects[0].x
3
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from hotpixels.errors import DefectMapError, HotPixelsError, ParameterError
from hotpixels.frames import FrameKind
from hotpixels.io.writers import atomic_write_bytes
from hotpixels.maps.model import Camera, DefectMap

__all__ = ["LIBRARY_ENV", "Assignment", "LibraryEntry", "MapLibrary", "default_root"]

#: Environment variable naming another library folder.
LIBRARY_ENV = "HOTPIXELS_LIBRARY"


def default_root() -> Path:
    """The library folder: ``$HOTPIXELS_LIBRARY``, else the user's data folder's ``maps``."""
    if os.environ.get(LIBRARY_ENV):
        return Path(os.environ[LIBRARY_ENV])
    import platformdirs

    return Path(platformdirs.user_data_dir("hotpixels")) / "maps"


def _key(make: str, model: str, serial: str, width: int, height: int, frame: FrameKind | str) -> str:
    return "\x1f".join([make.strip(), model.strip(), serial.strip(), str(width), str(height), str(frame)])


@dataclass
class LibraryEntry:
    """One map of the library, as ``hotpixels maps list`` shows it."""

    id: str
    path: Path
    dmap: DefectMap
    added: _dt.datetime

    @property
    def camera(self) -> str:
        return self.dmap.camera.name


@dataclass
class Assignment:
    """Photos by the library map of their camera (:meth:`MapLibrary.assign`).

    ``groups``: (entry, files) per map used; ``unmatched``: (file, what camera and
    frame it is) for photos of no camera in the library; ``failures``: (path, one-line
    message) for paths that are no readable photos.
    """

    groups: list[tuple[LibraryEntry, list[Path]]]
    unmatched: list[tuple[Path, str]]
    failures: list[tuple[Path, str]]


class MapLibrary:
    """Maps by camera in a folder (default :func:`default_root`)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_root()

    def _path(self, entry_id: str) -> Path:
        return self.root / f"{entry_id}.json"

    @staticmethod
    def id_of(dmap: DefectMap) -> str:
        """The library id of a map's camera."""
        cam = dmap.camera
        key = _key(cam.make, cam.model, cam.serial, dmap.width, dmap.height, dmap.frame)
        return hashlib.sha1(key.encode()).hexdigest()[:8]

    def add(self, dmap: DefectMap) -> tuple[LibraryEntry, LibraryEntry | None]:
        """Keep ``dmap`` as its camera's map; returns the new entry and the one it replaced."""
        entry_id = self.id_of(dmap)
        path = self._path(entry_id)
        old = self._entry(path) if path.is_file() else None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            msg = f"{self.root}: cannot make the map library there ({err.strerror or err}); set {LIBRARY_ENV}"
            raise ParameterError(msg) from err
        atomic_write_bytes(path, dmap.to_json().encode())
        return LibraryEntry(entry_id, path, dmap, _dt.datetime.fromtimestamp(path.stat().st_mtime)), old

    @staticmethod
    def _entry(path: Path) -> LibraryEntry | None:
        """The map stored at ``path`` (None when it is unreadable)."""
        try:
            dmap = DefectMap.load(path)
        except DefectMapError:
            return None
        return LibraryEntry(path.stem, path, dmap, _dt.datetime.fromtimestamp(path.stat().st_mtime))

    def entries(self) -> list[LibraryEntry]:
        """Every map, newest first (unreadable files are left out)."""
        paths = sorted(self.root.glob("*.json")) if self.root.is_dir() else []
        out = [e for e in map(self._entry, paths) if e is not None]
        return sorted(out, key=lambda e: (e.added, e.id), reverse=True)

    def remove(self, entry_id: str) -> LibraryEntry:
        """Delete the map ``entry_id`` (or the one unique id it begins); returns it."""
        matches = [e for e in self.entries() if e.id.startswith(entry_id.strip().lower())] if entry_id else []
        if len(matches) != 1:
            what = "no map" if not matches else f"{len(matches)} maps"
            msg = f"{entry_id!r}: {what} in the library {self.root} with that id; see hotpixels maps list"
            raise ParameterError(msg)
        matches[0].path.unlink()
        return matches[0]

    def lookup(self, make: str, model: str, serial: str, width: int, height: int,
               frame: FrameKind | str, *, entries: list[LibraryEntry] | None = None
               ) -> DefectMap | None:  # fmt: skip
        """The map of a photo's camera and frame: same make, model, size and frame, and
        the same serial where both know one; None if the library has none.

        ``entries``: the library's entries, when already read (:meth:`entries`)."""
        entry = self._match(self.entries() if entries is None else entries, make, model, serial,
                            width, height, FrameKind(frame))  # fmt: skip
        return entry.dmap if entry else None

    @staticmethod
    def _match(entries, make, model, serial, width, height, frame) -> LibraryEntry | None:
        for e in entries:
            d, cam = e.dmap, e.dmap.camera
            if (cam.make.strip(), cam.model.strip(), d.width, d.height, d.frame) != \
                    (make.strip(), model.strip(), width, height, frame):  # fmt: skip
                continue
            if cam.serial and serial and cam.serial.strip() != serial.strip():
                continue
            return e
        return None

    def assign(self, paths) -> Assignment:
        """Give each photo of ``paths`` (files and folders) its camera's library map.

        Parameters
        ----------
        paths : iterable of str or Path

        Returns
        -------
        Assignment
        """
        from hotpixels.io.decode import probe
        from hotpixels.io.discover import discover

        found = discover(paths)
        entries = self.entries()
        by_id: dict[str, tuple[LibraryEntry, list[Path]]] = {}
        unmatched, failures = [], list(found.failures)
        for f, _, _ in found.files:
            try:
                key = probe(f).key
            except HotPixelsError as err:
                failures.append((f, str(err)))
                continue
            entry = self._match(entries, key.make, key.model, key.serial, key.width, key.height,
                                FrameKind(key.frame))  # fmt: skip
            if entry is None:
                unmatched.append((f, f"{Camera.of(key).name}, {key.width}x{key.height} {key.frame}"))
                continue
            by_id.setdefault(entry.id, (entry, []))[1].append(f)
        return Assignment(list(by_id.values()), unmatched, failures)
