"""Small public-domain data sets that ship with sk_gru, for the examples and tests."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_airline", "load_alice"]


def load_airline() -> pd.Series:
    """Monthly international airline passengers, January 1949 to December 1960.

    144 monthly totals, in thousands of passengers: the classic "Series G" of
    Box and Jenkins, which grows every year and peaks every summer.

    Returns
    -------
    pandas.Series
        Passengers (thousands), indexed by a monthly ``DatetimeIndex``.

    References
    ----------
    Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. (1976). *Time Series Analysis,
    Forecasting and Control*, third edition, Series G. Holden-Day.

    Examples
    --------
    >>> from sk_gru.datasets import load_airline
    >>> series = load_airline()
    >>> len(series), int(series.iloc[0]), str(series.index[-1].date())
    (144, 112, '1960-12-01')
    """
    path = resources.files(__package__) / "data" / "airline_passengers.csv"
    with path.open() as handle:
        frame = pd.read_csv(handle)
    index = pd.DatetimeIndex(pd.to_datetime(frame["month"]), freq="MS", name="month")
    return pd.Series(frame["passengers"].to_numpy(dtype=float), index=index, name="passengers")


def load_alice() -> str:
    """The text of Lewis Carroll's *Alice's Adventures in Wonderland* (1865).

    The public-domain Millennium Fulcrum Edition 2.9, as in the Canterbury corpus
    (``alice29.txt``): about 26,000 words.

    Returns
    -------
    str

    Examples
    --------
    >>> from sk_gru.datasets import load_alice
    >>> text = load_alice()
    >>> "Down the Rabbit-Hole" in text, len(text.split()) > 26000
    (True, True)
    """
    path = resources.files(__package__) / "data" / "alice_in_wonderland.txt"
    return path.read_text(encoding="ascii")
