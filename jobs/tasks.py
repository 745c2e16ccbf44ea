"""The one task of the task framework: run a job (jobs.runner.execute). Every background job goes
through it; what the job does is its kind's (jobs.registry)."""

from django_tasks import TaskContext, task

from .runner import execute


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> None:
    worker_ids = context.task_result.worker_ids
    execute(job_id, worker_ids[-1] if worker_ids else "")
