"""Reports: what a stream of frames says of sessions, faults, compliance and connection
health, as plain tables (`ocppdeck report`). Pure functions of frames and the facts the
one projection gives for them."""
