"""Starting the servers: the stack `make run` runs, the scaled set-up, and their scripts."""
