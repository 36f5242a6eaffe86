"""`python -m intervene_rules.cli`, the same as the `intervene` command."""

from intervene_rules.cli import main

raise SystemExit(main())
