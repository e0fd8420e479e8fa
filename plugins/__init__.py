"""The built-in format plugins. Each module registers its formats through the ``qfmt_formats``
hook, exactly as a third-party plugin would (but without an entry point)."""
