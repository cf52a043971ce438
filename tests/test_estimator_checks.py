"""scikit-learn's own conformance suite on both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_gru import GRUClassifier, GRURegressor

# Small and seeded so the suite stays fast; the learning rate makes 10 epochs enough
# for the accuracy checks. Early stopping (tested elsewhere) would trace and run a
# validation pass in each of the ~150 fits.
FAST = {
    "units": 8,
    "epochs": 10,
    "learning_rate": 0.03,
    "early_stopping": False,
    "random_state": 0,
}

_SHARED_FAILURES = {
    "check_estimator_tags_renamed": (
        "scikeras's BaseWrapper, a parent class, still defines the pre-1.6 _more_tags; "
        "sk_gru's __sklearn_tags__ replaces it"
    ),
    "check_mixin_order": (
        "scikeras's wrappers put BaseWrapper before ClassifierMixin/RegressorMixin, so a "
        "subclass cannot reorder them; __sklearn_tags__ sets the estimator type instead"
    ),
    "check_methods_sample_order_invariance": (
        "float32 kernels round rows differently by batch position (1e-8, tolerance 1e-9)"
    ),
    "check_methods_subset_invariance": (
        "float32 kernels round rows differently by batch size (1e-7, tolerance 1e-7)"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training with shuffling makes weights and repeated rows equal only "
        "in expectation, not to 1e-7"
    ),
}

EXPECTED_FAILURES = {
    "GRUClassifier": _SHARED_FAILURES,
    "GRURegressor": {
        **_SHARED_FAILURES,
        "check_regressors_train": (
            "R2 > 0.5 on a 10-feature make_regression read as a 10-step sequence needs "
            "about 30 epochs, 3x this fast instance; test_regressor covers it"
        ),
    },
}


@parametrize_with_checks(
    [GRUClassifier(**FAST), GRURegressor(**FAST)],
    expected_failed_checks=lambda est: EXPECTED_FAILURES[type(est).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
