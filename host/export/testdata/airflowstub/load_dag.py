"""Import a DAG file against the stub and print its graph as JSON."""
import importlib.util
import json
import sys

import airflow

spec = importlib.util.spec_from_file_location("exported_dag", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
if len(airflow.DAGS) != 1:
    raise SystemExit("want exactly one DAG, got %d" % len(airflow.DAGS))
json.dump(airflow.DAGS[0].graph(), sys.stdout, indent=1, sort_keys=True)
