"""The task of every job (jobs.runner.execute): every background job someone waits for goes through
it; what the job does is its kind's (jobs.registry). The queue's other task, recaps.count_ahead_under,
is housekeeping nobody waits for."""

from django_tasks import TaskContext, task

from .runner import execute


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> None:
    worker_ids = context.task_result.worker_ids
    execute(job_id, worker_ids[-1] if worker_ids else "")
