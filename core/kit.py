"""The format author's kit: everything a plugin needs, and the only qfmt module a plugin imports
besides :mod:`qfmt` itself. This module is the public front only: every name is implemented in a
private module of qfmt and re-exported here, and ``__all__`` lists exactly the names a built-in
plugin uses or the author's guides (``CONTRIBUTING.md``, ``docs/plugins.md``,
``docs/api/kit.md``) tell authors to use (``tests/core/test_architecture.py`` checks both).

A parser walks its payload with the **readers** (each problem is raised as
:class:`qfmt.PayloadError` with the format id and the JSON path), decodes keys with the **key
decoders** (the one bit-order rule: bit *i* of an outcome is classical bit *i*), and hands arrays to
the **builders**, which apply the one width rule and the one probability-sum rule and build the
canonical object without a Python object per outcome. A serializer gets an object already
converted and prepared (joint register, leakage) and only encodes, with the **writers**.

>>> from qfmt import kit
>>> outcomes, values = kit.decimal_items({"0": 3, "5": 1}, "my.fmt", kit.count_value)
>>> c = kit.counts(outcomes, values, fmt="my.fmt")
>>> c.width, dict(c)
(3, {0: 3, 5: 1})
>>> kit.decimal_strings(c.outcome_array), kit.bitstrings(c.outcome_array, c.width)
(['0', '5'], ['000', '101'])

========================  ========================================================================
readers                   :func:`jpath`, :func:`subpath`, :func:`expect_dict`, :func:`expect_list`,
(``_read``, ``_json``)    :func:`expect_keys`, :func:`check_width`, :func:`type_name`,
                          :func:`count_value`, :func:`quasi_value`, :func:`probability_reader`,
                          :func:`read_values`, :func:`passthrough_problem`, :func:`short_repr`
                          (values in messages); the limits :data:`MAX_COUNT`,
                          :data:`MAX_DEPTH`, :data:`MAX_REGISTERS`, :data:`MAX_JSON_DEPTH`,
                          :data:`MAX_STRING`
key decoders (``_keys``)  :func:`decimal_key`, :func:`binary_key`, :func:`decimal_items`,
                          :func:`bitstring_items`, :func:`outcome_items`, :func:`hex_shots`,
                          :func:`decimal_shots`, :func:`looks_binary`; the dict model's
                          :func:`decimal_object`, :func:`bitstring_object`
builders (``_build``,     :func:`counts`, :func:`probabilities`, :func:`quasi`, :func:`memory`,
``_rows``, ``_rules``)    :func:`memory_from_bits`, :func:`memory_from_ints`, :func:`int_rows`,
                          :func:`register_marginals`, :func:`result`, :func:`evolve`,
                          :func:`resolve_width`, :func:`check_sum`, :data:`PROB_ATOL`,
                          :data:`MAX_WIDTH`
bit packing (``_bits``)   :func:`pack_u64`, :func:`pack_ints`, :func:`unpack_ints`,
                          :func:`packed_width`, :func:`resize_packed`, :func:`nbytes_for`
writers (``_bits``,       :func:`decimal_strings`, :func:`bitstrings`, :func:`memory_strings`,
``_memory``, ``_write``)  :func:`json_decimal_strings`, :func:`json_decimal_counts` (JSON bytes
                          straight from arrays)
bit maps, leakage         :func:`map_bits`, :func:`without_leakage`
(``_marginal``,
``_convert``)
support (``_support``)    :func:`load_schema`, :func:`optional_import`
fast paths for byte       :func:`compact_json`, :func:`fast_decimals`, :func:`fast_bitstrings`,
readers (``_keys``,       :func:`sorted_order`, :func:`bitstring_counts_text`,
``_build``)               :func:`probabilities_many`: the vectorised pieces of ``parse_raw``
                          readers of big payloads (the IonQ plugin's); most plugins need none
command line              :class:`CliError`, :func:`cli_busy`, :func:`cli_options`,
(``_cli_kit``)            :func:`complete_format_ids`, :data:`EXIT_INVALID`, :data:`EXIT_USAGE`,
                          :data:`EXIT_MISSING_DEP` (for plugin commands; loaded on first use)
========================  ========================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._bits import (
    MAX_WIDTH,
    bitstrings,
    decimal_strings,
    nbytes_for,
    pack_ints,
    pack_u64,
    packed_width,
    resize_packed,
    unpack_ints,
)
from ._build import (
    counts,
    evolve,
    memory,
    memory_from_bits,
    memory_from_ints,
    probabilities,
    probabilities_many,
    quasi,
    register_marginals,
    result,
)
from ._convert import without_leakage
from ._errors import short_repr
from ._json import MAX_JSON_DEPTH, MAX_STRING, compact_json
from ._keys import (
    binary_key,
    bitstring_counts_text,
    bitstring_items,
    bitstring_object,
    decimal_items,
    decimal_key,
    decimal_object,
    decimal_shots,
    fast_bitstrings,
    fast_decimals,
    hex_shots,
    looks_binary,
    outcome_items,
    sorted_order,
)
from ._marginal import map_bits
from ._memory import memory_strings
from ._read import (
    MAX_COUNT,
    MAX_DEPTH,
    MAX_REGISTERS,
    check_width,
    count_value,
    expect_dict,
    expect_keys,
    expect_list,
    jpath,
    passthrough_problem,
    probability_reader,
    quasi_value,
    read_values,
    subpath,
    type_name,
)
from ._rows import int_rows
from ._rules import PROB_ATOL, check_sum, resolve_width
from ._support import load_schema, optional_import
from ._write import json_decimal_counts, json_decimal_strings

if TYPE_CHECKING:  # the command-line helpers load on first use (see the end of this module)
    from ._cli_kit import EXIT_INVALID, EXIT_MISSING_DEP, EXIT_USAGE, CliError
    from ._cli_kit import busy as cli_busy
    from ._cli_kit import complete_formats as complete_format_ids
    from ._cli_kit import parse_options as cli_options

#: For plugin commands (``qfmt_cli_commands``): loaded on first use, so the kit never imports
#: click.
_CLI_HELPERS = {"CliError": "CliError", "cli_busy": "busy", "cli_options": "parse_options",
                "complete_format_ids": "complete_formats", "EXIT_INVALID": "EXIT_INVALID",
                "EXIT_USAGE": "EXIT_USAGE", "EXIT_MISSING_DEP": "EXIT_MISSING_DEP"}

__all__ = [
    # readers
    "jpath", "subpath", "expect_dict", "expect_list", "expect_keys", "check_width", "type_name",
    "count_value", "quasi_value", "probability_reader", "read_values", "passthrough_problem",
    "short_repr", "MAX_COUNT", "MAX_DEPTH", "MAX_REGISTERS", "MAX_JSON_DEPTH", "MAX_STRING",
    # key decoders
    "decimal_key", "binary_key", "decimal_items", "bitstring_items", "outcome_items", "hex_shots",
    "decimal_shots", "looks_binary", "decimal_object", "bitstring_object",
    # builders
    "counts", "probabilities", "quasi", "memory", "memory_from_bits", "memory_from_ints",
    "int_rows", "register_marginals", "result", "evolve", "resolve_width", "check_sum",
    "PROB_ATOL", "MAX_WIDTH",
    # bit packing
    "pack_u64", "pack_ints", "unpack_ints", "packed_width", "resize_packed", "nbytes_for",
    # writers
    "decimal_strings", "bitstrings", "memory_strings", "json_decimal_strings",
    "json_decimal_counts",
    # bit maps, leakage, schemas, optional dependencies
    "map_bits", "without_leakage", "load_schema", "optional_import",
    # fast paths for byte readers of big payloads (the IonQ plugin's readers are built from them;
    # most plugins need none)
    "compact_json", "fast_decimals", "fast_bitstrings", "sorted_order", "bitstring_counts_text",
    "probabilities_many",
    # command-line helpers for plugin commands (loaded on first use: see __getattr__)
    "CliError", "cli_busy", "cli_options", "complete_format_ids", "EXIT_INVALID", "EXIT_USAGE",
    "EXIT_MISSING_DEP",
]


def __getattr__(name: str) -> Any:
    """The command-line helpers (:data:`_CLI_HELPERS`), from ``qfmt._cli_kit`` (below both this
    kit and :mod:`qfmt.cli`), imported on first use."""
    if name in _CLI_HELPERS:
        from . import _cli_kit

        return getattr(_cli_kit, _CLI_HELPERS[name])
    raise AttributeError(f"module 'qfmt.kit' has no attribute {name!r}")
