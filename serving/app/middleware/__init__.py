"""Pure ASGI middleware: they wrap every request, including those no route matches."""
