"""The optional extras of the pagelens distribution: which are installed, and the command that adds one.

What an extra holds is read from the installed distribution's metadata (pyproject.toml's
[project.optional-dependencies] as built), so no package list is repeated here. The checks look at
installed distributions only and import nothing, so asking "is the visual extra here?" never loads torch.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

from .errors import MissingExtraError

DISTRIBUTION = "pagelens"
# What installs an extra in a checkout of the repository (the README's make targets), beside pip's command.
CHECKOUT_COMMANDS = {"visual": "make app-visual", "semantic": "make app"}

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@cache
def requirements(extra: str) -> tuple[str, ...]:
    """Distribution names the extra adds (empty when pagelens itself is not installed: nothing to tell)."""
    try:
        declared = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return ()
    marker = re.compile(rf"""extra\s*==\s*["']{re.escape(extra)}["']""")
    return tuple(_NAME.match(line).group(0) for line in declared if marker.search(line.partition(";")[2]))


def missing(extra: str) -> list[str]:
    """The extra's distributions that are not installed here."""
    absent = []
    for name in requirements(extra):
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            absent.append(name)
    return absent


def installed(extra: str) -> bool:
    return not missing(extra)


def install_hint(extra: str) -> str:
    """The command that installs `extra`, as a user reads it in an error message."""
    hint = f'pip install "{DISTRIBUTION}[{extra}]"'
    if extra in CHECKOUT_COMMANDS:
        hint += f" (in a checkout of the repository: {CHECKOUT_COMMANDS[extra]})"
    return hint


def missing_message(extra: str, what: str) -> str:
    """ "<what> needs the '<extra>' extra, which is not installed: <command>": one wording for every caller."""
    return f"{what} needs the '{extra}' extra, which is not installed: {install_hint(extra)}"


def require(extra: str, what: str) -> None:
    """MissingExtraError naming the install command unless `extra` is installed; call it before importing the
    extra's modules, so the user gets that sentence instead of an ImportError traceback."""
    if not installed(extra):
        raise MissingExtraError(missing_message(extra, what))
