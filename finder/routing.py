"""A blueprint's routes as one table: a row per route (path, endpoint, view, methods)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint

Route = tuple[str, str, Callable[..., Any], str]


def add_routes(bp: Blueprint, routes: Iterable[Route]) -> None:
    """Add each route; its methods are given as words ("GET", "POST", "GET POST")."""
    for path, endpoint, view, methods in routes:
        bp.add_url_rule(path, endpoint=endpoint, view_func=view, methods=methods.split())
