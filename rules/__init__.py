"""Built-in rule pack: one YAML file per rule (see ARCHITECTURE.md)."""
