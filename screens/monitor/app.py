"""MonitorApp: the monitor on its own, as `vllm-wizard monitor` starts it from the console entry."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from screens.monitor.screen import MonitorScreen
from screens.translate import translate_bindings, translate_palette
from wizard.monitor.sampler import MonitorConfig, Sampler


class MonitorApp(App[None]):
    TITLE = "vllm-wizard monitor"
    BINDINGS = [Binding("q", "quit", "key.quit")]

    def __init__(self, config: MonitorConfig | None = None, *, sampler: Sampler | None = None,
                 autostart: bool = True) -> None:
        super().__init__()
        translate_bindings(self)
        translate_palette(self)
        self.config = config or MonitorConfig()
        self._sampler = sampler
        self._autostart = autostart

    def get_default_screen(self) -> MonitorScreen:
        return MonitorScreen(self.config, sampler=self._sampler, autostart=self._autostart)

    @property
    def monitor(self) -> MonitorScreen:
        screen = self.screen
        assert isinstance(screen, MonitorScreen)
        return screen


def run_monitor(config: MonitorConfig) -> int:
    MonitorApp(config).run()
    return 0
