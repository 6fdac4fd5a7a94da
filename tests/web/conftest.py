import pytest

from tests.web import LiveDatabase


@pytest.fixture
def live_db(live_server, tmp_path):
    """Direct access to the database the live server serves, for setting up and checking what it wrote."""
    database = LiveDatabase(tmp_path)
    yield database
    database.dispose()
