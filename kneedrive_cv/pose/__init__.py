"""Pose tracks: the track type, its cache, and estimation (the only place that touches MediaPipe)."""

from kneedrive_cv.pose.track import PoseTrack, load_track, save_track

__all__ = ["PoseTrack", "load_track", "save_track"]
