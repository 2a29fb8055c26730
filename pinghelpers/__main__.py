"""``python -m pinghelpers`` — see ``python -m pinghelpers --help``."""

from .cli import main

raise SystemExit(main())
