"""The supply-chain inputs of one level of a roll-up, read as columns.

Each product record lists its inputs as ``{"id", "quantity": {"value", "unit"},
"material"?}``. A 100,000-node roll-up reads hundreds of thousands of them, so a whole
level of the graph is read at once: the entries are flattened and each column is pulled
out in one pass, then checked as sets (every id and value a string, every unit known)
and as an array (every quantity a finite number >= 0). If a level holds a
malformed entry, the level is read again record by record to find the first one, and
:func:`explain` names its record, position and fault.

``material`` is read only when a supplier cannot be used and its consumer's entry must
name the material of a secondary factor (:meth:`InputColumns.first_use`).
"""

from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from accounting.errors import FieldError
from accounting.records import to_quantity
from templates_meta.units import UNITS


class InputColumns:
    """Every input entry of one level, in record order then entry order."""

    def __init__(
        self,
        items: list[Any],
        consumer: npt.NDArray[np.intp],
        ids: list[str],
        texts: list[str],
        units: list[str],
        quantity: npt.NDArray[np.float64],
    ) -> None:
        self.items = items  # each entry as written
        self.consumer = consumer  # node position of the record the entry belongs to
        self.ids = ids  # supplier ids
        self.texts = texts  # quantities as written, shown in the explanation of a result
        self.units = units
        self.quantity = quantity
        self._first: dict[str, int] | None = None

    def first_use(self, supplier: str) -> tuple[int, str | None]:
        """The consumer (node position) of the first entry naming ``supplier``, and the
        ``material`` that entry names (None unless a string)."""
        if self._first is None:
            # written in reverse, so the first entry for each id is the one that stays
            last = len(self.ids) - 1
            self._first = dict(zip(reversed(self.ids), range(last, -1, -1), strict=True))
        k = self._first[supplier]
        material = self.items[k].get("material")
        return int(self.consumer[k]), material if type(material) is str else None


def read_inputs(
    lists: Sequence[list[Any]], owners: Sequence[int], names: Sequence[str]
) -> InputColumns:
    """Read the ``inputs`` lists of a level; ``owners`` are their records' node positions
    and ``names`` their ids, for errors."""
    counts = [len(raw) for raw in lists]
    consumer = np.repeat(np.asarray(owners, dtype=np.intp), counts)
    columns = _columns(lists)
    if columns is None:
        explain(
            *next(
                (raw, name)
                for raw, name in zip(lists, names, strict=True)
                if _columns([raw]) is None
            )
        )
    items, ids, texts, units, quantity = columns
    return InputColumns(items, consumer, ids, texts, units, quantity)


_Columns = tuple[list[Any], list[str], list[str], list[str], npt.NDArray[np.float64]]


def _columns(lists: Sequence[list[Any]]) -> _Columns | None:
    """The columns of well-formed entries, or None if any entry is malformed."""
    items = list(chain.from_iterable(lists))
    ids: list[str] = []
    texts: list[str] = []
    units: list[str] = []
    add_id, add_text, add_unit = ids.append, texts.append, units.append
    try:
        # one pass that touches each entry once: the entries are scattered in memory,
        # and at this size every further pass over them costs a cache miss per entry
        for item in items:
            add_id(item["id"])
            quantity = item["quantity"]
            add_text(quantity["value"])
            add_unit(quantity["unit"])
        if not (
            set(map(type, ids)) <= {str}
            and set(map(type, texts)) <= {str}
            and set(units) <= UNITS.keys()
        ):
            return None
        quantity_array = np.fromiter(map(float, texts), dtype=np.float64, count=len(texts))
    except (KeyError, TypeError, ValueError):
        return None
    if not np.all((quantity_array >= 0) & (quantity_array < np.inf)):  # also refuses NaN
        return None
    return items, ids, texts, units, quantity_array


def explain(raw: list[Any], where: str) -> NoReturn:
    """Raise the precise error for the first malformed entry of a record's inputs."""
    for k, item in enumerate(raw):
        here = f"{where}.inputs[{k}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise FieldError(f"{here}: expected {{'id', 'quantity'}}, got {item!r}")
        raw_quantity: Any = item.get("quantity")
        quantity, _ = to_quantity(raw_quantity, where=f"{here}.quantity")
        if quantity < 0:
            raise FieldError(f"{here}.quantity must be >= 0, got {quantity}")
        if type(raw_quantity["value"]) is not str:
            raise FieldError(
                f"{here}.quantity: value must be a decimal string, got {raw_quantity['value']!r}"
            )
    raise FieldError(f"{where}.inputs: malformed")
