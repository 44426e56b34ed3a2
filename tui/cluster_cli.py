"""`ocppdeck attach nats://HOST:PORT`: the console on a whole cluster (README: Scaling out).

`attach` with an http:// URL is the control API's (tui/web_cli.py); with a NATS URL
the console folds the cluster's frame stream itself and sends commands over the bus.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..core.config import load_settings
from ..core.logs import configure_logging


def run_attach(args: argparse.Namespace, check_theme: Callable[[str], None]) -> int:
    """Open the console on the cluster whose NATS is `args.url`; its exit code."""
    from ..core.cluster.console_source import ClusterConsole
    from .app import OcppDeckApp

    given = ("data_dir", "theme", "default_id_tag")
    settings = load_settings({k: getattr(args, k) for k in given}, config_file=args.config)
    check_theme(settings.theme)
    configure_logging(path=settings.log_path)
    app = OcppDeckApp(ClusterConsole(args.url, settings))
    app.run()
    if app.startup_error:
        print(app.startup_error, file=sys.stderr)
    return app.return_code or 0
