"""What the routes and the CLI do to the database, apart from HTTP."""
