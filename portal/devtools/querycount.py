"""Count the SQL statements a block of code runs (used by the benchmark and the tests)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.count += 1
        self.statements.append(statement)


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCounter]:
    """Count every statement sent through ``engine`` inside the block."""
    counter = QueryCounter()
    sa.event.listen(engine, "before_cursor_execute", counter._on_execute)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter._on_execute)
