"""JPEG repair: the container (``container``), the 8x8 blocks (``blocks``), and the
whole-file re-encode that is the fallback (``reencode``)."""
