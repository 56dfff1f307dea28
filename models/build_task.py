#!/usr/bin/env python3
"""Rebuild ``models/pose_landmarker_full.task`` byte for byte from the mediapipe 0.10.21 wheel.

The bundle holds MediaPipe's BlazePose "full" models (Apache-2.0), taken from the ``mediapipe==0.10.21`` wheel:

* ``pose_detector.tflite``           = ``mediapipe/modules/pose_detection/pose_detection.tflite``, unchanged
  (it already carries TFLite metadata: RGB image input, normalisation mean 127.5, std 127.5);
* ``pose_landmarks_detector.tflite`` = ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` plus TFLite
  metadata: an RGB image input normalised with mean 0, std 255 (the [0, 1] input the legacy
  ``mp.solutions.pose`` graph fed it) and one entry per output (landmarks, pose presence, segmentation, heatmap,
  world landmarks). The Tasks API refuses a float image input without such normalisation metadata.

The bundle is an uncompressed zip (what MediaPipe's Tasks API reads as a ``.task`` file) written by hand here:
entries stored, in a fixed order, with a fixed timestamp and each entry's data 64-byte aligned (the local
header's extra field is padded, as Android's zipalign does), so the same inputs give the same bytes.

Writing the metadata needs the metadata writer of mediapipe 0.10.21 (the one of later releases imports a module
their wheels do not ship), so this script runs under a Python 3.11 with mediapipe 0.10.21. Run it with any
python3: unless that Python has exactly the pinned build tools (BUILD_REQUIREMENTS), it creates (once) a
throwaway venv with them and re-runs itself there. See models/README.md.

    python3 models/build_task.py                          # bootstrap a venv under ~/.cache, build, check
    /tmp/mpbuild/bin/python models/build_task.py          # or: in a venv you made with mediapipe==0.10.21
    ... --wheel mediapipe-0.10.21-cp311-...whl            # read the models from a wheel file instead
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "pose_landmarker_full.task"

MEDIAPIPE_VERSION = "0.10.21"
#: The build tools, pinned: the metadata populator re-serialises the whole model with the ``flatbuffers``
#: package (and numpy), so their versions decide the output bytes.
BUILD_REQUIREMENTS = ["mediapipe==0.10.21", "flatbuffers==25.12.19", "numpy==1.26.4"]
DEFAULT_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kneedrive_cv" / "mpbuild-0.10.21"

#: Bundle entry name -> (path inside the wheel, sha256 of that file).
INPUTS = {
    "pose_detector.tflite": (
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    ),
    "pose_landmarks_detector.tflite": (
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
}
#: sha256 of the bundle these inputs and BUILD_REQUIREMENTS give.
EXPECTED_SHA256 = "3aa6dde6c766c22ee78ca85491377f917dcc5fa024e677ad0f61589a5a3532fd"

ALIGNMENT = 64
ZIPALIGN_EXTRA_ID = 0xD935  # Android zipalign's alignment extra field: id, size, u16 alignment, zero padding
DOS_TIME, DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00, the zip epoch


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------- inputs


def read_inputs(wheel: Path | None) -> dict[str, bytes]:
    """The two tflite files, from a wheel file or from the installed mediapipe package, checked by sha256."""
    if wheel is not None:
        with zipfile.ZipFile(wheel) as zf:
            blobs = {name: zf.read(member) for name, (member, _) in INPUTS.items()}
        where = str(wheel)
    else:
        import mediapipe

        root = Path(mediapipe.__file__).resolve().parent.parent
        blobs = {name: (root / member).read_bytes() for name, (member, _) in INPUTS.items()}
        where = f"installed mediapipe {mediapipe.__version__} ({root})"
    for name, (member, want) in INPUTS.items():
        got = sha256(blobs[name])
        if got != want:
            sys.exit(f"{member} from {where}: sha256 {got}, expected {want}. Use the mediapipe {MEDIAPIPE_VERSION} "
                     "wheel.")
        print(f"input  {member}  {len(blobs[name]):>9} bytes  sha256 {got}")
    return blobs


# ------------------------------------------------------------------------------------------------- metadata


def landmark_model_with_metadata(model: bytes) -> bytes:
    """The landmark model plus the TFLite metadata the Tasks API needs (input normalisation) and output names."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(
        "BlazePose GHUM 3D full landmark model",
        "Predicts 33 pose landmarks (plus 2 auxiliary alignment landmarks), a pose presence score, a segmentation "
        "mask, landmark heatmaps and 33 world landmarks from a 256x256 RGB crop around one person. From "
        f"mediapipe/modules/pose_landmark/pose_landmark_full.tflite of mediapipe {MEDIAPIPE_VERSION}, "
        "Apache-2.0; metadata added by kneedrive_cv models/build_task.py.",
    )
    writer.add_image_input(norm_mean=[0.0], norm_std=[255.0], name="image",
                           description="256x256 RGB crop around the person, pixel values scaled to [0, 1].")
    writer.add_feature_output(name="landmarks", description="39 landmarks x (x, y, z, visibility, presence), "
                                                             "x and y in pixels of the 256x256 input.")
    writer.add_feature_output(name="pose_presence", description="Probability that a pose is present in the crop.")
    writer.add_feature_output(name="segmentation", description="256x256 person segmentation logits.")
    writer.add_feature_output(name="heatmap", description="64x64 heatmaps of the 39 landmarks.")
    writer.add_feature_output(name="world_landmarks", description="39 landmarks x (x, y, z) in metres, hip-centred.")
    tflite, _ = writer.populate()
    return bytes(tflite)


# ---------------------------------------------------------------------------------------------- zip writing


def aligned_stored_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """An uncompressed zip of ``entries`` (in this order), each entry's data aligned to ALIGNMENT bytes."""
    out = bytearray()
    central = bytearray()
    for name, data in entries:
        raw_name = name.encode("ascii")
        offset = len(out)
        crc = zlib.crc32(data)
        # Pad the extra field so the data that follows the 30-byte header, name and extra starts aligned.
        pad = -(offset + 30 + len(raw_name) + 6) % ALIGNMENT
        extra = struct.pack("<HHH", ZIPALIGN_EXTRA_ID, 2 + pad, ALIGNMENT) + b"\0" * pad
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 10, 0, 0, DOS_TIME, DOS_DATE, crc, len(data), len(data),
                           len(raw_name), len(extra))
        out += raw_name + extra
        assert len(out) % ALIGNMENT == 0
        out += data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 10, 10, 0, 0, DOS_TIME, DOS_DATE, crc,
                               len(data), len(data), len(raw_name), 0, 0, 0, 0, 0o100644 << 16, offset)
        central += raw_name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_offset, 0)
    return bytes(out)


def check_bundle(bundle: bytes, entries: list[tuple[str, bytes]]) -> None:
    """Read the bundle back with zipfile: names, order, storage, alignment and contents."""
    import io

    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        assert zf.testzip() is None
        infos = zf.infolist()
        assert [i.filename for i in infos] == [n for n, _ in entries]
        for info, (name, data) in zip(infos, entries, strict=True):
            assert info.compress_type == zipfile.ZIP_STORED
            name_len, extra_len = struct.unpack_from("<HH", bundle, info.header_offset + 26)  # local header
            start = info.header_offset + 30 + name_len + extra_len
            assert start % ALIGNMENT == 0 and bundle[start:start + len(data)] == data
            assert zf.read(name) == data


# ------------------------------------------------------------------------------------------------ bootstrap


def have_build_tools() -> bool:
    """Whether this Python has exactly the pinned build tools (mediapipe 0.10.21's metadata writer and co.)."""
    import importlib.metadata

    for requirement in BUILD_REQUIREMENTS:
        name, version = requirement.split("==")
        try:
            if importlib.metadata.version(name) != version:
                return False
        except importlib.metadata.PackageNotFoundError:
            return False
    return True


def rerun_in_venv(venv: Path, python: str) -> int:
    """Create (once) the build venv with the pinned build tools, run this script there, return its status."""
    py = venv / "bin" / "python"
    stamp = venv / ".kneedrive-build-tools"
    if not stamp.is_file() or stamp.read_text() != "\n".join(BUILD_REQUIREMENTS):
        if not py.exists():
            print(f"creating the build venv {venv} with {python}", flush=True)
            subprocess.run([python, "-m", "venv", str(venv)], check=True)
        print(f"installing into {venv}: {' '.join(BUILD_REQUIREMENTS)}", flush=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *BUILD_REQUIREMENTS], check=True)
        stamp.write_text("\n".join(BUILD_REQUIREMENTS))
    return subprocess.run([str(py), str(Path(__file__).resolve()), *sys.argv[1:]]).returncode


# ----------------------------------------------------------------------------------------------------- main


def main() -> int:
    """Build, check and write the bundle; 0 if its sha256 is the expected one, 2 if not."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, help="read the tflite files from this mediapipe 0.10.21 wheel file "
                    "(default: from the installed mediapipe 0.10.21 package)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output file (default {DEFAULT_OUT})")
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                    help="build venv to create/use when this Python lacks the pinned build tools "
                         f"({' '.join(BUILD_REQUIREMENTS)}; default {DEFAULT_VENV})")
    ap.add_argument("--python", default="python3.11", help="interpreter for that venv (default python3.11)")
    args = ap.parse_args()

    if not have_build_tools():
        return rerun_in_venv(args.venv, args.python)

    import flatbuffers
    import numpy

    print(f"build tools: python {sys.version.split()[0]}, mediapipe {MEDIAPIPE_VERSION}, "
          f"flatbuffers {flatbuffers.__version__}, numpy {numpy.__version__}")
    blobs = read_inputs(args.wheel)
    entries = [
        ("pose_detector.tflite", blobs["pose_detector.tflite"]),
        ("pose_landmarks_detector.tflite", landmark_model_with_metadata(blobs["pose_landmarks_detector.tflite"])),
    ]
    bundle = aligned_stored_zip(entries)
    check_bundle(bundle, entries)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".part.tmp")
    tmp.write_bytes(bundle)
    tmp.replace(args.out)

    got = sha256(bundle)
    for name, data in entries:
        print(f"entry  {name:<31} {len(data):>9} bytes  sha256 {sha256(data)}")
    print(f"output {args.out}  {len(bundle)} bytes  sha256 {got}")
    if got != EXPECTED_SHA256:
        print(f"WARNING: expected sha256 {EXPECTED_SHA256}: different build tools? Pinned: "
              f"{' '.join(BUILD_REQUIREMENTS)} on Python 3.11.", file=sys.stderr)
        return 2
    print("sha256 matches the expected bundle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
