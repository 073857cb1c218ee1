"""Developer tooling for cfp: the template reader, the local stack and the ``cfp`` command."""
