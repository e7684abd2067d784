"""Moved to :mod:`ttt.http.fastjson` (core); kept so older imports keep working."""

from ttt.http.fastjson import FastJsonRequest, FastJsonRoute  # noqa: F401
