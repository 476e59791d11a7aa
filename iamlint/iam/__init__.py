"""IAM semantics: wildcards, conditions, scopes and the access model -- no data, no I/O."""
