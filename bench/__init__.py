"""`make bench`: the service under load on loopback, both backends in one run."""
