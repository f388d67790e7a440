"""A stub of the Airflow API that records what a DAG file builds.

Only what `dpone export airflow` uses: DAG as a context manager, operators
with task_id/pool/env, >> between tasks. Unknown keyword arguments fail, as
Airflow's own operators do.
"""
import json

DAGS = []
_current = []


class DAG:
    def __init__(self, dag_id, schedule=None, start_date=None, catchup=True,
                 max_active_tasks=16, default_args=None, tags=None):
        self.dag_id = dag_id
        self.schedule = schedule
        self.max_active_tasks = max_active_tasks
        self.default_args = default_args or {}
        self.tags = tags or []
        self.tasks = {}
        DAGS.append(self)

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False

    def graph(self):
        return {
            "dag_id": self.dag_id,
            "schedule": self.schedule,
            "max_active_tasks": self.max_active_tasks,
            "retries": self.default_args.get("retries"),
            "tasks": [t.record() for t in self.tasks.values()],
        }


class BaseOperator:
    def __init__(self, task_id, pool=None, **kwargs):
        if not _current:
            raise RuntimeError("operator created outside a DAG context")
        self.dag = _current[-1]
        if task_id in self.dag.tasks:
            raise ValueError("duplicate task_id " + task_id)
        self.task_id = task_id
        self.pool = pool
        self.upstream = []
        self.fields = kwargs
        self.dag.tasks[task_id] = self

    def __rshift__(self, other):
        other.upstream.append(self.task_id)
        return other

    def record(self):
        r = {"task_id": self.task_id, "pool": self.pool, "upstream": sorted(self.upstream),
             "operator": type(self).__name__}
        r.update(self.describe())
        return r

    def describe(self):
        return {}
