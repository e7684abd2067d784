"""Pure readers, one per publisher format: bytes in, hazard items and refused records out.

Each reader is written to its publisher's published format (column names, time formats,
confidence fields) and never touches the database or the network: the feed service fetches
the bytes and stores what the readers give back.
"""
