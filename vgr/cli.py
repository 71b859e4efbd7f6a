"""The ``vgr`` command line: the only module that prints or exits.

Heavy modules (torch, librosa, even numpy) are imported inside the commands so ``vgr --help`` is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from vgr._version import __version__
from vgr.errors import VgrError

app = typer.Typer(
    name="vgr",
    help="Voice gender recognition: voice.csv features from raw audio, and a k-fold MLP ensemble.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 1) -> None:
    """Print a one-line error on stderr and exit."""
    typer.echo(f"vgr: error: {message}", err=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(message, err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vgr {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
) -> None:
    """Voice gender recognition."""


def main() -> None:
    """Entry point: run the app, turning library errors into one-line messages."""
    try:
        app()
    except VgrError as error:
        typer.echo(f"vgr: error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("vgr: interrupted", err=True)
        sys.exit(130)
