"""What the tests share: events as AWS sends them, fakes of the ports, running stacks, stories."""
