"""Messages keep a file's name and drop where the server keeps it; dates and URLs are left alone."""

from missions_site.server_paths import hide_server_paths


def test_absolute_paths_are_cut_to_the_file_name():
    gdal = "'/app/var/media/ingest/uploads/3f2a/calls.txt' not recognized as being in a supported"
    assert hide_server_paths(gdal) == "'calls.txt' not recognized as being in a supported"
    python = "[Errno 2] No such file or directory: '/app/var/media/ingest/uploads/3f2a/calls.csv'"
    assert hide_server_paths(python).endswith("directory: 'calls.csv'")
    assert hide_server_paths("/vsizip//app/var/x/calls.zip: failed") == "calls.zip: failed"


def test_dates_urls_and_relative_names_are_kept():
    kept = "bad date 10/05/2024 in row 3; see https://maps.example.org/a/b and data/calls.csv"
    assert hide_server_paths(kept) == kept
