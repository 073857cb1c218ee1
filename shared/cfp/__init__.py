"""cfp: the shared core of the call-for-posters service, shipped to every function as a Lambda layer."""
