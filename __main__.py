"""``python -m quantforge``: the same command line as the ``quantforge`` script."""

from .cli import main

raise SystemExit(main())
