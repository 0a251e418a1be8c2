"""Training on the database: a promoted version with its file and card; a retrain swaps the promoted
flag; a failed fit keeps the promoted model; same data and seed give the same metrics."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from forecasting import training
from forecasting.engine import backtest, persist, pipeline
from forecasting.models import ModelVersion

from .conftest import FAST_MODELS, HISTORY_DAYS, read_again, shared_city

pytestmark = pytest.mark.django_db


def train(code="assault", seed=0, now=None, models=FAST_MODELS):
    return training.train_crime_type(
        crime_type=code,
        weeks=2,
        seed=seed,
        now=now or timezone.now(),
        models=models,
        history_days=HISTORY_DAYS,
    )


@pytest.fixture(scope="class")
def assault_trained_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with shared_city(django_db_blocker, tmp_path_factory.mktemp("media")):
        yield train()


@pytest.fixture
def trained_assault(assault_trained_once, db):
    return read_again([assault_trained_once])[0]


class TestWithAssaultTrainedOnce:
    """Assault trained once for the class (`train()` with its defaults), in the city of `city`."""

    def test_training_promotes_a_version_with_its_saved_state_card_and_metrics(
        self, trained_assault, settings
    ):
        version = trained_assault
        assert version.promoted and version.promoted_at is not None
        assert version.algorithm in FAST_MODELS
        assert persist.sha256_of(bytes(version.artifact.data)) == version.file_hash
        assert not (
            settings.MEDIA_ROOT / "models"
        ).exists()  # in the database, for workers on any host
        metrics = version.metrics
        assert (
            set(metrics["models"]) == set(FAST_MODELS) and metrics["promoted"] == version.algorithm
        )
        assert len(metrics["models"]["gbm"]["curve"]["hit_rate"]) == len(pipeline.CURVE_FRACTIONS)
        assert metrics["test_days"] == 14 and metrics["cells"] > 100
        assert "# Model card" in version.model_card and "Feedback loop" in version.model_card
        assert "promoted" in version.promotion_report
        # The planner drew each beat's missions from the forecast, a naive count and at random.
        missions = metrics["missions"]
        assert {"model", "uniform"} <= set(missions["sources"]) and missions[
            "beats_from"
        ] == "beats"
        assert missions["in_words"][0].startswith("The boxes drawn for missions saw a crime in")
        assert "## What the missions capture" in version.model_card
        assert f"## Calibration: {version.crime_type.code}" in version.model_card
        assert version.data_end <= timezone.now() and version.data_start < version.data_end

    def test_training_promotes_the_best_at_the_top_and_the_card_says_by_how_much_it_beats_counting(
        self, trained_assault
    ):
        """Missions are drawn from the top 1-2 % of boxes: the PAI leader there on the recent weeks is
        the starting point, the promotion goes by what the drawn missions capture (the leader, or the
        count when its boxes captured more), and the card states the gain over the best naive count
        at 1 % and 5 % of boxes."""
        version = trained_assault
        metrics = version.metrics
        as_backtest = {name: {"type": m} for name, m in metrics["models"].items()}
        promotion = metrics["promotion"]
        (leader,) = promotion["pai_leaders"].values()
        assert leader == backtest.promote(as_backtest, ["type"])["type"]
        kept = [t for t in promotion["trials"] if t["kept"]]
        (chosen,) = kept[-1]["promoted"].values()
        assert metrics["promoted"] == chosen == version.algorithm
        for trial in promotion["trials"][1:]:  # a swap is kept when its gain is clear, only then
            assert trial["kept"] == (trial["gain_low"] > 0)
        if chosen != leader:  # the card says why the leader was not promoted
            assert f"the PAI leader ({leader}) did not capture more" in version.model_card
        for area in ("1%", "5%"):
            stated = re.search(
                rf"at {area} of cells it (beats|trails) the best count \((naive_\d+d), PAI ([\d.]+)\) "
                rf"by ([\d.]+)%",
                version.model_card,
            )
            assert stated, area
            best_count = max(
                (m["pai"][area], name)
                for name, m in metrics["models"].items()
                if name.startswith("naive_")
            )
            # The card rounds with its own format; compare with the same rounding, not a tolerance.
            assert stated.group(2) == best_count[1] and stated.group(3) == f"{best_count[0]:.2f}"
            gain = metrics["ratio_vs_best_naive"][area] - 1
            assert float(stated.group(4)) == pytest.approx(
                abs(gain) * 100, abs=0.0501
            )  # one decimal, rounded
            assert (stated.group(1) == "beats") == (gain >= 0)

    def test_promotion_is_decided_where_missions_are_drawn_and_the_card_says_the_gain(
        self, trained_assault
    ):
        """The PAI leader is the best at 1-2 % of cells on the recent weeks; the card states the
        promoted model's gain over the best naive count at 1 % and 5 % with the stored metrics."""
        version = trained_assault
        models = version.metrics["models"]

        def rank(name):
            pai = models[name]["pai"]
            return (-(pai["1%"] + pai["2%"]) / 2, -pai["5%"], name)

        assert list(version.metrics["promotion"]["pai_leaders"].values()) == [min(models, key=rank)]
        for area, gain in (
            (a, version.metrics["ratio_vs_best_naive"][a] - 1) for a in ("1%", "5%")
        ):
            verb = "beats" if gain >= 0 else "trails"
            assert f"at {area} of cells it {verb} the best count" in version.model_card
            assert (
                f"by {abs(gain):.1%} (PAI {models[version.algorithm]['pai'][area]:.2f})"
                in version.model_card
            )

    def test_a_retrain_swaps_the_promoted_version(self, trained_assault):
        first = trained_assault
        second = train(models=("naive_28d", "kde"))
        first.refresh_from_db()
        assert second.promoted and not first.promoted
        assert ModelVersion.objects.filter(crime_type__code="assault", promoted=True).count() == 1
        assert f"Replaces version {first.pk}" in second.promotion_report

    def test_a_failed_training_leaves_the_promoted_model_in_place(
        self, trained_assault, monkeypatch
    ):
        promoted = trained_assault

        def broken_fit(*args, **kwargs):
            raise RuntimeError("fit exploded")

        monkeypatch.setattr(pipeline, "train_type", broken_fit)
        with pytest.raises(RuntimeError, match="fit exploded"):
            train()
        assert list(ModelVersion.objects.filter(promoted=True)) == [promoted]
        assert ModelVersion.objects.count() == 1

    def test_a_failure_while_promoting_rolls_back_the_new_version(
        self, trained_assault, monkeypatch
    ):
        promoted = trained_assault

        def broken_promotion(**kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(training, "promote_version", broken_promotion)
        with pytest.raises(RuntimeError):
            train()
        assert list(ModelVersion.objects.all()) == [promoted] and promoted.promoted


def test_same_data_and_seed_give_the_same_metrics(city):
    now = timezone.now()
    a = train(now=now, models=("gbm", "naive_28d"))
    b = train(now=now, models=("gbm", "naive_28d"))
    assert a.metrics == b.metrics
    assert a.algorithm == b.algorithm


def test_unknown_or_disabled_types_are_refused(city, crime_types):
    crime_types["break-and-enter"].enabled = False
    crime_types["break-and-enter"].save()
    with pytest.raises(training.TrainingError, match="not an enabled crime type"):
        training.resolve_crime_types(["break-and-enter"])
    assert training.resolve_crime_types(None) == ["assault"]
    assert training.resolve_crime_types(["Assault"]) == ["assault"]


def test_training_without_a_grid_says_so(small_agency, crime_types, media_root):
    with pytest.raises(training.TrainingError, match="grid is empty"):
        train()


def test_officer_initiated_incidents_are_left_out_unless_the_type_counts_them(city, crime_types):
    from forecasting.inputs import load_events

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=HISTORY_DAYS + 1), today + dt.timedelta(days=1)
    tz = city.timezone
    without = len(load_events(crime_types, start=start, end=end, tz=tz).frame)
    crime_types["assault"].count_officer_initiated = True
    crime_types["assault"].save()
    with_assaults = len(load_events(crime_types, start=start, end=end, tz=tz).frame)
    from ingest.models import Incident

    officer_assaults = Incident.objects.filter(
        officer_initiated=True, crime_type__code="assault"
    ).count()
    assert officer_assaults > 0
    assert with_assaults - without == officer_assaults
