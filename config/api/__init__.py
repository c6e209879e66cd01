"""The wire conventions every endpoint shares: envelope, pagination, timestamps, camelCase."""
