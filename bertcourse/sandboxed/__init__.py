"""Everything that runs inside the sandbox: the template process (zygote), what gives a job its own
resources (job_isolation) and each test case its own view of the finished notebook (case_isolation), the
processes of a job (processes), and the job itself (student_side: the student's cells, then answers to the
grader's calls).

Trusts: the zygote's control socket (the grader's requests) and the kernel. Student code runs in the job
processes forked from here; from that moment nothing in such a process is trusted, and nothing it says is
a verdict: only plain data (bertcourse/boundary/) goes back. Imports nothing of the trusted side but
bertcourse/boundary/ (and the package's OFFLINE_ENV name).
"""
