"""What staff, the API, the command line and the timers do: one module per kind of work.

Each action opens one unit of work, finds what it acts on through ``storage.access`` (so a
record another practice holds is not found), calls the core, writes the audit row and wakes
the outbox. The HTTP and command-line adapters only parse, call an action and show the result.
"""
