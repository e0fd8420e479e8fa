"""``python -m qfmt``: the command line."""

from qfmt.cli import main

main(prog_name="qfmt")
