"""``kneedrive serve``: the local web app, where a coach uploads clips and reviews the results in a browser."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
from pathlib import Path

from kneedrive_cv.cluster import connect
from kneedrive_cv.errors import ConfigError

NAME = "serve"
HELP = "start the web app: upload clips and review results in a browser (on this computer by default)"

log = logging.getLogger(__name__)

_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive serve``."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 opens it to "
                             "the network, without any login)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--data", type=Path, default=Path("kneedrive-data"),
                        help="folder for the database, the clips and their results (default ./kneedrive-data)")
    parser.add_argument("--max-upload-mb", type=float, default=500, help="largest clip accepted, in MB (default 500)")
    parser.add_argument("--workers", type=int, default=1,
                        help="clips analysed at the same time (default 1; each takes about one CPU core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run the analyses on a Dask cluster instead (pip install \"kneedrive-cv[cluster]\"): "
                             "its scheduler's address, such as tcp://HOST:8786; the clips are sent to its workers")


def is_loopback(host: str) -> bool:
    """Tell whether only this computer can reach an address."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Check the settings, build the app and serve it until interrupted."""
    import uvicorn

    from kneedrive_cv.web.app import create_app

    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}.")
    if args.max_upload_mb <= 0:
        raise ConfigError(f"--max-upload-mb must be positive, got {args.max_upload_mb}.")
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}.")
    try:
        args.data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the data folder {args.data}: {exc.strerror}. Choose another --data.") from exc
    local = is_loopback(args.host)
    allowed = ["localhost", "127.0.0.1", "[::1]", "::1"] if local else None
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(connect(args.scheduler)) if args.scheduler else None
        app = create_app(args.data, max_upload_mb=args.max_upload_mb, workers=args.workers, allowed_hosts=allowed,
                         cluster=cluster)
        shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        print(f"kneedrive: serving {args.data.resolve()} at http://{shown}:{args.port}/ (Ctrl+C to stop)", flush=True)
        if cluster is not None:
            print(f"kneedrive: analysing on {cluster.label}; dashboard: {cluster.dashboard}", flush=True)
        if not local:
            print("kneedrive: warning: listening beyond this computer; anyone on the network can upload and see "
                  "clips", flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
