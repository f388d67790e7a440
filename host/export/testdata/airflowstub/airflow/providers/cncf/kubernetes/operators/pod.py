from airflow import BaseOperator


class KubernetesPodOperator(BaseOperator):
    def __init__(self, task_id, name, image, cmds, arguments, secrets=None, get_logs=False,
                 pool=None, namespace=None):
        super().__init__(task_id, pool=pool)
        self.image = image
        self.cmds = cmds
        self.arguments = arguments
        self.secrets = secrets or []

    def describe(self):
        return {"command": " ".join(self.cmds + self.arguments), "image": self.image,
                "secrets": [s.record() for s in self.secrets]}
