"""Many CSMS nodes on NATS JetStream: frames to a stream, commands over subjects and
key-value, and a console that folds the whole stream (README: Scaling out)."""
