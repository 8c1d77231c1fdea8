"""After launch, prove the server answers sanely: `vllm-wizard verify` and the verify step of the
detached launch flow (contract: shared/contracts/check-doctor-verify.md, `verify`).

  runner.run_verify(VerifyTarget, timeout=, on_check=) -> report.VerifyReport   the checks, bounded
  target.resolve_target(url, model=, api_key_env=) -> VerifyTarget               URL or the last launch
  target.target_for_record(record, api_key) -> VerifyTarget                      a launch in hand

Modules: http (the deadline-bounded OpenAI client), replies (the requests and what came back), form
(judging a reply by its shape), expect (what the plan says the server should be), checks and causes
(each check's judgement, the likely cause and the fix), report (results, JSON, text).
"""
