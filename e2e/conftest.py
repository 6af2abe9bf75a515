import pytest

from helpers import make_browser


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()


def pytest_collection_modifyitems(items):
    """The page walk for raw codes and English runs last, so that it also reads what the other tests'
    flows leave behind: audit entries, histories, inspections, alarms."""
    items.sort(key=lambda item: item.fspath.basename == "test_chinese.py")
