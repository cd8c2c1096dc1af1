"""Repair: pixels (the weighted-neighbour repair, photos and RAW mosaics), orientation,
files on disk, and block-local JPEG repair (``jpeg/``)."""
