class Secret:
    def __init__(self, deploy_type, deploy_target, secret, key):
        if deploy_type not in ("env", "volume"):
            raise ValueError("deploy_type must be env or volume")
        self.deploy_type, self.deploy_target, self.secret, self.key = deploy_type, deploy_target, secret, key

    def record(self):
        return {"env": self.deploy_target, "secret": self.secret, "key": self.key}
