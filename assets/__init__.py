"""Files the UI ships: the stylesheet, the screen-text catalogs (i18n/) and the demo model's
metadata (demo/). Located with importlib.resources, never by path."""
