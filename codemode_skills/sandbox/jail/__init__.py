"""What runs INSIDE the sandbox process: the template, its workers, the language policy.

Nothing here imports the library outside ``jail/`` (only the standard library,
RestrictedPython and pyseccomp): the template is booted with bare parent packages (see
``protocol.BOOT``), so neither this file nor any ``__init__`` above it runs in the jail.
The host side imports from here, never the other way round; the facts both sides share
(control messages, exit codes, worker limits, the polling rhythm) are in ``protocol``.
"""
