import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    from medallion import configure

    # The pipeline's own session settings (medallion.SESSION_CONF), so the tests run on production's;
    # only the master and the UI (off: quiet, no port) are the tests' own.
    session = configure(SparkSession.builder.master("local[2]").appName("medallion-tests").config("spark.ui.enabled", "false")).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
