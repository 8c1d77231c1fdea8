"""The Textual UI. Thin: renders state from wizard/ and posts intents; decides nothing itself."""
