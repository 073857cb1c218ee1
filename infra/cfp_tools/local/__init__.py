"""The local stack: the template's resources in moto, its functions in warm workers, on 127.0.0.1."""
