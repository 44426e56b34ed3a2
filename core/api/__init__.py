"""The control API: the console's state, commands and frame stream over HTTP JSON.

A bearer token guards every request (token.py). The routes only translate: a command
goes through `Commands` and the station's outbound queue, a filter through `FrameQuery`,
exactly as from the console. server.py starts it in the engine's event loop; client.py is
what the `send`, `state` and `tail` commands use to reach it. attached.py is the other
end for a console: a source that attaches to a running instance through the API (relay.py
sends its commands, remote_tags.py keeps its id tags), for `ocppdeck attach` and `web`.
"""
