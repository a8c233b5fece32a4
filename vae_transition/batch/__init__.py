"""Many joins at once: a jobs file in, one output a job, run by a pool of worker processes on
this machine or by Ray tasks on a cluster; resumable, with one report.

jobs.py reads and checks the jobs file before any work; steps.py is the one door to the join
(plan, one cut, splice); worker.py is what a worker process runs; local.py and rayexec.py are the
executors; scheduler.py walks every job through plan -> cuts -> splice on an executor;
manifest.py makes finished outputs verifiable; report.py is the summary and the JSON report;
runner.py runs one batch from the jobs file to the report.
"""
