"""Static files the UI ships (stylesheets). Located with importlib.resources, never by path."""
