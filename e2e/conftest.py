import pytest

from helpers import make_browser


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()
