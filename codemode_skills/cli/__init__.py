"""The ``codemode-skills`` command."""
