"""`vllm-wizard doctor`: why a vLLM start failed, and what fixes it, from the log alone.

    from wizard.doctor import diagnose_text
    report = diagnose_text(open("server.log"))   # any iterable of lines, or a string
    report.diagnoses[0].code, report.diagnoses[0].set, report.exit_code, report.contract()
    watch_launch(record, diagnose=start_diagnoses)   # a detached launch that fails: the doctor's diagnoses

normalise (one line's wrappers off) → rules (vLLM's wordings per release) → scan (one bounded pass)
→ diagnose (cause, fix and the settings that fix it, from the log's own figures) → replan (the fix
verified by the planner when the model and hardware are known).
"""

from wizard.doctor.command import LoggedCommand
from wizard.doctor.diagnose import Diagnosis, DoctorReport, diagnose_text, start_diagnoses

__all__ = ["Diagnosis", "DoctorReport", "LoggedCommand", "diagnose_text", "start_diagnoses"]
