from airflow import BaseOperator


class BashOperator(BaseOperator):
    def __init__(self, task_id, bash_command, env=None, append_env=False, pool=None):
        super().__init__(task_id, pool=pool)
        self.bash_command = bash_command
        self.env = env or {}
        self.append_env = append_env

    def describe(self):
        return {"command": self.bash_command, "env": self.env}
