"""The five wizard steps, one screen each."""
