"""The HTTP API in rooms: the answers every route documents (``answers``), one table from core error to
status and code (``failures``), and one Powertools ``Router`` a room: the authors' routes, the organizers'
sign-in, their console, its operations, and the program. ``functions/api/app.py`` only assembles them."""
