"""Address scopes, reach, rules and the report built on parsed captures."""
