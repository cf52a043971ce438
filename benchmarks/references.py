"""Published figures quoted next to measured ones, each with its source.

Only figures read from a source are here; anything else is reported as "not
quoted". All are test accuracy on the archive's own train/test split unless the
source says otherwise (MiniRocket's are means over 30 resamples).
"""

from __future__ import annotations

SOURCES = {
    "UCR": (
        "UCR archive 2018, DataSummary.csv, column 'ED (w=0)' (1-NN Euclidean test error "
        "rate; accuracy = 1 - error): Dau et al., 'The UCR time series archive', IEEE/CAA "
        "Journal of Automatica Sinica 6(6), 2019, "
        "https://www.cs.ucr.edu/~eamonn/time_series_data_2018/. 1-NN Euclidean is the "
        "baseline of Bagnall et al., 'The great time series classification bake off', "
        "DMKD 31, 2017, whose resampled figures are not quoted here."
    ),
    "FCN": (
        "Wang, Yan and Oates, 'Time series classification from scratch with deep neural "
        "networks: a strong baseline', IJCNN 2017; test error rates of the results table "
        "in the authors' repository, github.com/cauchyturing/"
        "UCR_Time_Series_Classification_Deep_Learning_Baseline (README, commit 3ecc897)."
    ),
    "ROCKET": (
        "Dempster, Petitjean and Webb, 'ROCKET: exceptionally fast and accurate time "
        "series classification using random convolutional kernels', DMKD 34, 2020; "
        "github.com/angus924/rocket, results/results_ucr.csv (original train/test split, "
        "mean of 10 runs)."
    ),
    "MiniRocket": (
        "Dempster, Schmidt and Webb, 'MiniRocket: a very fast (almost) deterministic "
        "transform for time series classification', KDD 2021; github.com/angus924/"
        "minirocket, results/results_ucr109_mean.csv (mean over 30 resamples, not the "
        "original split alone)."
    ),
    "DL4TSC": (
        "Ismail Fawaz, Forestier, Weber, Idoumghar and Muller, 'Deep learning for time "
        "series classification: a review', DMKD 33, 2019; github.com/hfawaz/dl-4-tsc, "
        "results/results-ucr-128.csv at commit e0233ef (original split, mean accuracy "
        "of the 5 runs)."
    ),
    "InceptionTime": (
        "Ismail Fawaz et al., 'InceptionTime: finding AlexNet for time series "
        "classification', DMKD 34, 2020; github.com/hfawaz/InceptionTime, "
        "results-InceptionTime-128.csv at commit 952d115 (original split, an ensemble "
        "of 5 networks)."
    ),
}

#: Published test accuracy per data set and method: (value, key of SOURCES).
PUBLISHED: dict[str, dict[str, tuple[float, str]]] = {
    "ItalyPowerDemand": {
        "1-NN ED": (1 - 0.0447, "UCR"),
        "FCN": (1 - 0.030, "FCN"),
        "ROCKET": (0.9696, "ROCKET"),
        "MiniRocket": (0.9596, "MiniRocket"),
    },
    "Coffee": {
        "1-NN ED": (1 - 0.0000, "UCR"),
        "FCN": (1 - 0.000, "FCN"),
        "ROCKET": (1.0000, "ROCKET"),
        "MiniRocket": (0.9988, "MiniRocket"),
    },
    "OSULeaf": {
        "1-NN ED": (1 - 0.4793, "UCR"),
        "FCN": (1 - 0.012, "FCN"),
        "ROCKET": (0.9409, "ROCKET"),
        "MiniRocket": (0.9576, "MiniRocket"),
    },
    # Not in the 2015 archive that Wang et al. used, nor among MiniRocket's 109
    # equal-length sets.
    "PickupGestureWiimoteZ": {
        "1-NN ED": (1 - 0.4400, "UCR"),
        "ROCKET": (0.8300, "ROCKET"),
    },
    # Of the 2018 archive: not in Wang et al.'s table, nor among MiniRocket's 109 sets.
    "PLAID": {
        "FCN": (0.9039, "DL4TSC"),
        "ResNet": (0.9404, "DL4TSC"),
        "InceptionTime": (0.9441, "InceptionTime"),
    },
    "PigCVP": {
        "FCN": (0.8308, "DL4TSC"),
        "ResNet": (0.9183, "DL4TSC"),
        "InceptionTime": (0.9615, "InceptionTime"),
    },
    # A regression set of the Monash/UEA/UCR TSER archive: no figure quoted.
    "Covid3Month": {},
}


def published(dataset: str) -> str:
    """The quoted figures for ``dataset`` as text, or ``"not quoted"``.

    Examples
    --------
    >>> published("Coffee").startswith("1-NN ED 1.000 [UCR]")
    True
    >>> published("Covid3Month")
    'not quoted'
    """
    figures = PUBLISHED.get(dataset, {})
    if not figures:
        return "not quoted"
    return ", ".join(f"{method} {value:.3f} [{key}]" for method, (value, key) in figures.items())


def sources_markdown(keys: set[str]) -> list[str]:
    """A bullet list of the cited sources, for the report."""
    return [f"- [{key}] {SOURCES[key]}" for key in SOURCES if key in keys]
