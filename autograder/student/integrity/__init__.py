"""In-process integrity of the self-checks: the capture of the genuine checks, and the torch call record."""
