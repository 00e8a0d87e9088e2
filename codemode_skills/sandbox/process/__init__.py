"""The default driver, host side: ``SubprocessDriver`` and what it runs on.

``driver`` (the public driver: options, isolation report, one ``execute``),
``template_host`` (the template process and the workers it forks), ``pool`` (warm
workers, fair scheduling, recovery) with ``scheduler`` (who gets the next worker),
``conversation`` (one run's exchange with a worker), ``link`` (the host end of a
worker's socket) and ``bwrap`` (the optional bubblewrap wrapper). Everything that
runs inside the sandbox process is in ``jail/``; what both sides agree on is
``jail/protocol``.
"""
