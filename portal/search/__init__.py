"""The search page: one box across needs and responses."""
