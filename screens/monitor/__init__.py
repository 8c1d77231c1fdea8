"""The live monitor UI: `MonitorScreen` (a mode of the wizard app) and `MonitorApp` (standalone).

The wizard app opens it with `MonitorScreen(MonitorConfig())` (the last launch is found by itself)
or `MonitorScreen(MonitorConfig(url=...))`; `vllm-wizard monitor` runs `MonitorApp(config)`. All
figures come from wizard.monitor; these modules only render them.
"""

from screens.monitor.app import MonitorApp, run_monitor
from screens.monitor.screen import MonitorScreen, SnapshotReady
from wizard.monitor.sampler import MonitorConfig

__all__ = ["MonitorApp", "MonitorConfig", "MonitorScreen", "SnapshotReady", "run_monitor"]
