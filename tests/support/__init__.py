"""The test-support package: loopback stand-ins, waiting, worker processes, factories and provider payloads."""
