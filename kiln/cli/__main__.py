"""`python -m kiln.cli`."""

from kiln.cli.app import main

main()
