"""The shared kernel under every app: helpers with no knowledge of the domain (uploads, errors)."""
