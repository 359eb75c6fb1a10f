"""Use cases. Services take a session and a principal, change state, and never commit:
the request's session commits once when the handler has returned."""
