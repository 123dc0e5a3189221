"""What wraps every request, including those no route matches: pure ASGI middleware, and below
them the HTTP protocol that gunicorn's workers run (http_protocol)."""
