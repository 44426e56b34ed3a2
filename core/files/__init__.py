"""Files that travel between ocppdeck and its stations over HTTP, on the API port.

Firmware goes out from `--files-dir` through URLs that expire (signing: an HMAC of
the name and the expiry); diagnostics and logs come in through one-time upload URLs
and are kept under the data dir, one folder per station (uploads). names makes a
station's words safe as file names; desk issues the URLs a command hands a station.
"""
