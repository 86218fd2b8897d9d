"""Days between two moments, worked out in the database: ``DaysBetween`` on SQLite and
PostgreSQL alike, and the median and bands of a query's values in one statement."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles


class DaysBetween(sa.sql.expression.ColumnElement[float]):
    """``later - earlier`` in days, as a number, on either database."""

    type = sa.Float()
    inherit_cache = True

    def __init__(self, later: Any, earlier: Any) -> None:
        self.later, self.earlier = later, earlier


@compiles(DaysBetween, "sqlite")
def _days_sqlite(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    # julianday's fractions carry rounding error; whole seconds make a day exactly 1.0.
    span = (
        f"(julianday({compiler.process(element.later, **kw)}) - "
        f"julianday({compiler.process(element.earlier, **kw)}))"
    )
    return f"(round({span} * 86400.0) / 86400.0)"


@compiles(DaysBetween, "postgresql")
def _days_postgresql(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    # date_part gives double precision; EXTRACT gives numeric, which is slower to work with.
    return (
        f"(date_part('epoch', {compiler.process(element.later, **kw)} - "
        f"{compiler.process(element.earlier, **kw)}) / 86400.0)"
    )


async def median_and_bands(
    session: AsyncSession, values: sa.Select[Any], edges: Sequence[float] = ()
) -> tuple[float | None, list[int]]:
    """The median of a one-column query's values (the middle one, or the mean of the middle
    two), and how many values fall in each band between ``edges`` (below the first, from each
    to the next, from the last up): one statement, so a few numbers come back, not every value."""
    value = values.subquery().c[0]
    if session.get_bind().dialect.name == "postgresql":
        found: Any = sa.select(value.label("value")).where(value.is_not(None)).subquery()
        median: Any = sa.func.percentile_cont(0.5).within_group(found.c.value)
    else:  # SQLite has no percentile: number the values in order and take the middle
        found = (
            sa.select(
                value.label("value"),
                sa.func.row_number().over(order_by=value).label("place"),
                sa.func.count().over().label("n"),
            )
            .where(value.is_not(None))
            .subquery()
        )
        median = sa.func.avg(found.c.value).filter(
            found.c.place.in_([(found.c.n + 1) // 2, (found.c.n + 2) // 2])
        )
    v = found.c.value
    inner = [sa.and_(v >= low, v < high) for low, high in itertools.pairwise(edges)]
    bands = [v < edges[0], *inner, v >= edges[-1]] if edges else []
    row = (
        await session.execute(
            sa.select(median, *[sa.func.count().filter(band) for band in bands]).select_from(found)
        )
    ).one()
    return (None if row[0] is None else float(row[0])), [int(n or 0) for n in row[1:]]
