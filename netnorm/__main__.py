"""``python -m netnorm``."""

from netnorm.cli import main

main()
