"""The simulated camera with known defects (``camera``: scene, sensor, defects, DNG), and
what it is for: scoring a map against the truth (``evaluate``) and the demo (``demo``)."""
