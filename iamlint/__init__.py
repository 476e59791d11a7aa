"""iamlint: an offline linter for AWS IAM policy documents."""

__version__ = "0.1.0"
