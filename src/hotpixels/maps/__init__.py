"""Defect maps: the model (``model``) and the formats other tools read (``formats``)."""

from hotpixels.maps.model import KINDS, UNKNOWN, Camera, Defect, DefectMap

__all__ = ["KINDS", "UNKNOWN", "Camera", "Defect", "DefectMap"]
