"""What every app shares, written once: outbound seam, retries, circuit breaker, errors, idempotency, money."""
