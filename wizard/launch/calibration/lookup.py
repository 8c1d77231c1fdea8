"""Plans that use what a real start-up of the same setup measured.

The key includes a fingerprint of settings the planner chooses, so the lookup plans once without
calibration, finds the record for that plan's settings, and plans again with the measured A, N, G.
It keeps the calibrated request only if the re-plan lands on the same fingerprint (the measurement
then describes the settings actually planned).
"""

from __future__ import annotations

from wizard.launch.calibration.store import CalibrationKey, CalibrationStore, fingerprint_settings, normalise_version
from wizard.planner.choose import select_gpus
from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan


def key_for(request: PlanRequest, settings) -> CalibrationKey:
    gpu = select_gpus(request)[0].name
    return CalibrationKey(gpu_name=gpu, vllm_version=normalise_version(request.vllm_version),
                          model_id=request.model.id, fingerprint=fingerprint_settings(settings))


def calibrated_request(request: PlanRequest, store: CalibrationStore | None = None) -> PlanRequest:
    """`request` with `measured` filled from the store when a matching record exists."""
    if request.measured is not None:
        return request  # the caller already chose what to measure with
    store = store or CalibrationStore()
    try:
        gpu = select_gpus(request)[0].name
    except Exception:  # noqa: BLE001 - the planner reports bad hardware input itself, with its own message
        return request
    if not store.candidates(gpu, request.vllm_version, request.model.id):
        return request  # the common case costs one small file read, no extra planning

    first = make_plan(request)
    record = store.find(key_for(request, first.settings))
    if record is None:
        return request
    calibrated = request.model_copy(update={"measured": record.measured})
    second = make_plan(calibrated)
    if fingerprint_settings(second.settings) != record.key.fingerprint:
        return request
    return calibrated
