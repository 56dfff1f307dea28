"""The command-line faces: each module adds one ``kneedrive`` sub-command.

A command module has ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. It parses,
calls the library and prints; it does no analysis of its own. A new module here is picked up by itself.
"""

from __future__ import annotations

import pkgutil

#: Order in which ``kneedrive --help`` lists the sub-commands; others follow alphabetically.
ORDER = ("analyse", "compare", "people", "pose", "drills", "overlay", "synth", "batch", "serve")


def command_modules() -> list[str]:
    """Names of the modules in this package, in help order."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
