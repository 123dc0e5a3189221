"""What CSV text means as training reads it: pandas.read_csv's gap text is a gap, in any column."""

from __future__ import annotations

import functools

import pyarrow as pa
import pyarrow.compute as pc

# Text that pandas.read_csv, and so training, reads as a gap in any column (its default na_values).
GAP_TEXT = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)


@functools.cache
def gap_text() -> pa.Array:
    """GAP_TEXT as an array, for `pc.is_in`."""
    return pa.array(GAP_TEXT, pa.string())


def csv_gaps_to_nulls(column: pa.Array) -> pa.Array:
    """A text column read from CSV with the gap text (NA, NULL, n/a, "", ...) as nulls; a column
    of another type is returned as it is (pyarrow's CSV reader made its gap text null already)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    return pc.if_else(pc.is_in(column, value_set=gap_text()), pa.scalar(None, column.type), column)
