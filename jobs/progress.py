"""A progress bar for management commands that speaks the same `progress(pct, message)` hook
as JobRun, so a command and a Celery task can call the same service."""

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(description: str):
    bar = tqdm(total=100, desc=description, unit="%", bar_format="{l_bar}{bar}| {n:.0f}% {postfix}")

    def report(pct: float, message: str = "") -> None:
        bar.n = max(0.0, min(100.0, float(pct)))
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield report
        report(100)
    finally:
        bar.close()
