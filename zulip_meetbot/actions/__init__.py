"""What each command does, one module per family (agenda, minutes, meeting, calendar, profile,
attendance); each family lists its commands in ``ROUTES``, which the handler dispatches by."""
