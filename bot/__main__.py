"""`python -m bot …`: parse the command line and hand over to one function per mode."""

from bot.cli import main

raise SystemExit(main())
