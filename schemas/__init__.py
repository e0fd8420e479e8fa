"""JSON Schemas of the built-in formats, one ``<format id>.json`` file per format (draft-07, with
``$id`` equal to the format id). Read one with ``qfmt.schema(format_id)``."""
