"""kneedrive_cv: scores sprint knee-drive drills rep by rep from phone video.

Importing the package configures nothing and loads no model; the pose model is loaded when a clip is analysed.
"""

__version__ = "0.1.0"
