"""The Ray executor: the same plan, cut and splice steps as Ray tasks, on a cluster.

`--address auto` or HOST:PORT joins an existing cluster; without an address a Ray is started on
this machine, on the loopback interface, and stopped at the end. The model's files go into the
object store once (ray.put); a worker process loads them on its first cut and keeps the model
for every later task. Clips, the output folder and the cache folder are paths: every node must
see them at the same place (a shared filesystem). Ray's own task retries are off: --retries
decides, and bad input is never retried.
"""

from __future__ import annotations

from vae_transition.batch import worker
from vae_transition.messages import one_line


def _run(settings: worker.Settings, kind: str, payload: tuple, model_id: str, boxed: list):
    """One task on a Ray worker. The model's ObjectRef comes boxed in a list, so Ray does not
    fetch the bytes for every task: only a process without the model fetches them."""
    import ray

    worker.init(settings)
    blob = None
    if kind == "cut" and boxed and not worker.has_model(model_id):
        blob = ray.get(boxed[0])
    return worker.run(kind, payload, model_id, blob)


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None, workers: int | None, settings: worker.Settings,
                 model_files: tuple[bytes, bytes] | None):
        import ray

        self.ray = ray
        options = dict(log_to_driver=False, logging_level="ERROR", configure_logging=True)
        if address:
            ray.init(address=address, **options)
        else:  # one machine: keep Ray's ports on the loopback interface
            ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False,
                     **options)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = workers or max(1, cpus)
        self.settings = settings
        self.model_id = settings.model_id
        self.boxed = [ray.put(model_files)] if model_files else []
        self.remote = ray.remote(num_cpus=1, max_retries=0)(_run)
        self.pending: set = set()

    def submit(self, kind: str, payload: tuple):
        ref = self.remote.remote(self.settings, kind, payload, self.model_id, self.boxed)
        self.pending.add(ref)
        return ref

    def wait(self, handles, timeout: float) -> list:
        handles = list(handles)
        ready, _ = self.ray.wait(handles, num_returns=1, timeout=timeout)
        if ready:  # and any others already finished
            ready, _ = self.ray.wait(handles, num_returns=len(handles), timeout=0)
        return ready

    def outcome(self, handle) -> tuple:
        """("ok", value), ("input", message) or ("crash", message): a worker or node that died,
        an object lost, a task Ray could not run."""
        self.pending.discard(handle)
        try:
            return self.ray.get(handle)
        except self.ray.exceptions.RayError as exc:
            return "crash", f"a Ray task failed ({type(exc).__name__}: " \
                            f"{one_line(exc).split(' Traceback')[0][:200]})"

    def close(self, cancel: bool = False) -> None:
        """Disconnect (a Ray started here stops with it); cancel: stop the running tasks first."""
        try:
            if cancel:
                for ref in self.pending:
                    self.ray.cancel(ref, force=True)
        finally:
            self.ray.shutdown()
