"""The functional core: conversation logic with no channel, database or clock of its own."""
